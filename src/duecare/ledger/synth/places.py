"""Pools of names, streets, cities and geo points, drawn once with a seeded Faker and then sampled."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
from faker import Faker
from faker.providers.geo import Provider as GeoProvider

POOL_SIZE = 5_000

# Real Chinese cities: (province prefix, city, lat, lon, weight ≈ urban population in millions).
CN_CITIES = (
    ("", "北京市", 39.904, 116.407, 21), ("", "上海市", 31.230, 121.474, 24),
    ("广东省", "广州市", 23.129, 113.264, 18), ("广东省", "深圳市", 22.543, 114.058, 17),
    ("", "天津市", 39.343, 117.362, 13), ("", "重庆市", 29.563, 106.551, 16),
    ("四川省", "成都市", 30.573, 104.066, 20), ("湖北省", "武汉市", 30.593, 114.305, 12),
    ("浙江省", "杭州市", 30.274, 120.155, 12), ("陕西省", "西安市", 34.341, 108.940, 12),
    ("江苏省", "南京市", 32.060, 118.797, 9), ("江苏省", "苏州市", 31.299, 120.585, 12),
    ("河南省", "郑州市", 34.746, 113.625, 12), ("湖南省", "长沙市", 28.228, 112.939, 10),
    ("辽宁省", "沈阳市", 41.806, 123.432, 9), ("山东省", "青岛市", 36.067, 120.383, 10),
    ("广东省", "东莞市", 23.021, 113.752, 10), ("广东省", "佛山市", 23.022, 113.122, 9),
    ("安徽省", "合肥市", 31.821, 117.227, 9), ("云南省", "昆明市", 25.038, 102.718, 8),
    ("黑龙江省", "哈尔滨市", 45.803, 126.535, 10), ("山东省", "济南市", 36.651, 117.120, 9),
    ("辽宁省", "大连市", 38.914, 121.615, 7), ("福建省", "厦门市", 24.480, 118.089, 5),
    ("福建省", "福州市", 26.074, 119.296, 8), ("广西壮族自治区", "南宁市", 22.817, 108.366, 8),
    ("河北省", "石家庄市", 38.042, 114.514, 11), ("吉林省", "长春市", 43.817, 125.324, 9),
    ("贵州省", "贵阳市", 26.647, 106.630, 6), ("江西省", "南昌市", 28.682, 115.858, 6),
    ("山西省", "太原市", 37.870, 112.549, 5), ("新疆维吾尔自治区", "乌鲁木齐市", 43.825, 87.617, 4),
    ("甘肃省", "兰州市", 36.061, 103.834, 4), ("浙江省", "宁波市", 29.868, 121.544, 9),
    ("江苏省", "无锡市", 31.491, 120.312, 7), ("浙江省", "温州市", 27.994, 120.699, 9),
)
CN_MOBILE_PREFIXES = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155,
                               156, 157, 158, 159, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189])
# Assigned US area codes (libphonenumber accepts any seven-digit subscriber number starting with 2 under each).
US_AREA_CODES = np.array([201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224,
                          225, 228, 229, 231, 234, 239, 240, 248, 251, 252, 253, 254, 256, 260, 262, 267, 269, 270,
                          276, 281, 301, 302, 303, 304, 305, 307, 308, 309, 310, 312, 313, 314, 315, 316, 317, 318,
                          319, 320, 321, 323, 330, 334, 336, 337, 339, 347, 351, 352, 360, 361, 386, 401, 402, 404,
                          405, 406, 407, 408, 409, 410, 412, 413, 414, 415, 417, 419, 423, 424, 425, 430, 432, 434,
                          435, 440, 443, 469, 478, 479, 480, 484, 501, 502, 503, 504, 505, 507, 508, 509, 510, 512,
                          513, 515, 516, 517, 518, 520, 530, 540, 541, 551, 559, 561, 562, 563, 567, 570, 571, 573,
                          574, 575, 580, 585, 586, 601, 602, 603, 605, 606, 607, 608, 609, 610, 612, 614, 615, 616,
                          617, 618, 619, 620, 623, 626, 630, 631, 636, 641, 646, 650, 651, 660, 661, 662, 678, 682,
                          701, 702, 703, 704, 706, 707, 708, 712, 713, 714, 715, 716, 717, 718, 719, 720, 724, 727,
                          731, 732, 734, 740, 754, 757, 760, 763, 765, 770, 772, 773, 774, 775, 781, 785, 786, 801,
                          802, 803, 804, 805, 806, 808, 810, 812, 813, 814, 815, 816, 817, 818, 828, 830, 831, 832,
                          843, 845, 847, 848, 850, 856, 857, 858, 859, 860, 862, 863, 864, 865, 870, 872, 878, 901,
                          903, 904, 906, 907, 908, 909, 910, 912, 913, 914, 915, 916, 917, 918, 919, 920, 925, 928,
                          931, 936, 937, 940, 941, 949, 951, 952, 954, 956, 970, 971, 972, 973, 978, 979, 980, 985,
                          989])
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")   # reserved: mail never reaches a person


@dataclass(frozen=True)
class LocalePool:
    """Everything one jurisdiction's borrowers are sampled from (read-only, cached per seed)."""

    names: pa.Array
    streets: pa.Array        # street part of an address
    mailboxes: pa.Array      # email local parts
    city_prefix: pa.Array    # text put before the street (cn) or after it (us/uk), per city
    city: pa.Array
    city_lat: np.ndarray
    city_lon: np.ndarray
    city_weight: np.ndarray
    city_tz: np.ndarray      # index into the global timezone list
    street_first: bool       # cn: "省市区 + 街道", us/uk: "street, city"


TIMEZONES: tuple[str, ...] = ("Asia/Shanghai", "Europe/London") + tuple(sorted(
    {tz for *_, cc, tz in GeoProvider.land_coords if cc == "US" and tz.startswith("America/")}))


def _faker(locale: str, seed: int) -> Faker:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


@lru_cache(maxsize=8)
def cn_pool(seed: int) -> LocalePool:
    fake = _faker("zh_CN", seed)
    names = [fake.name() for _ in range(POOL_SIZE)]
    streets = [f"{fake.district()}区{fake.street_name()}{fake.random_int(1, 999)}号" for _ in range(POOL_SIZE)]
    boxes = [fake.user_name() for _ in range(POOL_SIZE)]
    return LocalePool(
        names=pa.array(names), streets=pa.array(streets), mailboxes=pa.array(boxes),
        city_prefix=pa.array([p + c for p, c, *_ in CN_CITIES]), city=pa.array([c for _, c, *_ in CN_CITIES]),
        city_lat=np.array([c[2] for c in CN_CITIES]), city_lon=np.array([c[3] for c in CN_CITIES]),
        city_weight=np.array([c[4] for c in CN_CITIES], dtype=float),
        city_tz=np.zeros(len(CN_CITIES), dtype=np.int64), street_first=False)


@lru_cache(maxsize=8)
def _western_pool(locale: str, country: str, seed: int) -> LocalePool:
    fake = _faker(locale, seed)
    names = [fake.name() for _ in range(POOL_SIZE)]
    streets = [fake.street_address() for _ in range(POOL_SIZE)]
    boxes = [fake.user_name() for _ in range(POOL_SIZE)]
    places = [p for p in GeoProvider.land_coords
              if p[3] == country and (country != "US" or p[4].startswith("America/"))]
    tz = [TIMEZONES.index(p[4]) for p in places]
    return LocalePool(
        names=pa.array(names), streets=pa.array(streets), mailboxes=pa.array(boxes),
        city_prefix=pa.array([f", {p[2]}" for p in places]), city=pa.array([p[2] for p in places]),
        city_lat=np.array([float(p[0]) for p in places]), city_lon=np.array([float(p[1]) for p in places]),
        city_weight=np.ones(len(places)), city_tz=np.array(tz, dtype=np.int64), street_first=True)


def pools(seed: int, jurisdictions: tuple[int, ...]) -> dict[int, LocalePool]:
    """The pools for the jurisdictions in use (0 = cn, 1 = us, 2 = uk), each seeded from `seed`."""
    build = {0: lambda: cn_pool(seed), 1: lambda: _western_pool("en_US", "US", seed + 1),
             2: lambda: _western_pool("en_GB", "GB", seed + 2)}
    return {j: build[j]() for j in jurisdictions}

"""Phrase tables for the templated part of the call development set.

Expected dates are computed here with their own small calendar arithmetic, independent of the analyser, so
that the set checks `duecare.speech.dates` rather than repeating it.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

DateFn = Callable[[date], date | None]


def _week(today: date, weeks: int, weekday: int) -> date | None:
    value = today - timedelta(days=today.weekday()) + timedelta(days=7 * weeks + weekday)
    return value if value >= today else None


def _nth(today: date, day: int) -> date:
    y, m = today.year, today.month
    while True:
        if day <= calendar.monthrange(y, m)[1] and date(y, m, day) >= today:
            return date(y, m, day)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _next_month(today: date, day: int | None) -> date:
    y, m = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(y, m, calendar.monthrange(y, m)[1] if day is None else day)


def _month_end(today: date) -> date:
    return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])


ZH_DATES: list[tuple[str, DateFn]] = [
    ("明天", lambda d: d + timedelta(days=1)),
    ("后天", lambda d: d + timedelta(days=2)),
    ("大后天", lambda d: d + timedelta(days=3)),
    ("三天后", lambda d: d + timedelta(days=3)),
    ("五天之后", lambda d: d + timedelta(days=5)),
    ("本周五", lambda d: _week(d, 0, 4)),
    ("这周六", lambda d: _week(d, 0, 5)),
    ("这个星期天", lambda d: _week(d, 0, 6)),
    ("下周五", lambda d: _week(d, 1, 4)),
    ("下周一", lambda d: _week(d, 1, 0)),
    ("下周三", lambda d: _week(d, 1, 2)),
    ("下个星期二", lambda d: _week(d, 1, 1)),
    ("下礼拜四", lambda d: _week(d, 1, 3)),
    ("15号", lambda d: _nth(d, 15)),
    ("二十号", lambda d: _nth(d, 20)),
    ("10号", lambda d: _nth(d, 10)),
    ("月底", _month_end),
    ("月底之前", _month_end),
    ("本月底", _month_end),
    ("下个月底", lambda d: _next_month(d, None)),
    ("下个月十五号", lambda d: _next_month(d, 15)),
    ("下个月5号", lambda d: _next_month(d, 5)),
]

EN_DATES: list[tuple[str, DateFn]] = [
    ("tomorrow", lambda d: d + timedelta(days=1)),
    ("the day after tomorrow", lambda d: d + timedelta(days=2)),
    ("in three days", lambda d: d + timedelta(days=3)),
    ("in five days", lambda d: d + timedelta(days=5)),
    ("this Friday", lambda d: _week(d, 0, 4)),
    ("this Saturday", lambda d: _week(d, 0, 5)),
    ("next Friday", lambda d: _week(d, 1, 4)),
    ("next Monday", lambda d: _week(d, 1, 0)),
    ("next Wednesday", lambda d: _week(d, 1, 2)),
    ("on the 15th", lambda d: _nth(d, 15)),
    ("by the 20th", lambda d: _nth(d, 20)),
    ("on payday, the 15th", lambda d: _nth(d, 15)),
    ("by the end of the month", _month_end),
    ("at the end of the month", _month_end),
    ("at the end of next month", lambda d: _next_month(d, None)),
    ("on the 15th of next month", lambda d: _next_month(d, 15)),
    ("on the 1st of next month", lambda d: _next_month(d, 1)),
]

ZH_AMOUNTS = [("五百", 500), ("一千", 1000), ("一千五", 1500), ("两千", 2000), ("1万5", 15000), ("三千块", 3000),
              ("八百块钱", 800), ("1200元", 1200), ("两千五", 2500), ("三百五", 350), ("一万", 10000), ("四千二", 4200),
              ("六百块", 600), ("2000块", 2000), ("九百", 900), ("一千二百五十元", 1250)]
EN_AMOUNTS = [("two hundred dollars", 200), ("$1,200", 1200), ("$350", 350), ("five hundred bucks", 500),
              ("fifteen hundred dollars", 1500), ("a hundred and fifty dollars", 150), ("$75", 75), ("300 dollars", 300),
              ("two thousand dollars", 2000), ("$1,250.50", 1250.5), ("$600", 600), ("four hundred dollars", 400),
              ("$2,500", 2500), ("eight hundred dollars", 800)]

ZH_LENDERS = ["信合消费金融", "安易借", "恒通小贷", "华信金融", "优借平台", "融e花"]
ZH_AGENTS = ["小王", "小李", "张敏", "刘洋", "小陈", "周婷"]
ZH_BORROWERS = ["张伟", "李娜", "王强", "刘芳", "陈静", "赵磊", "孙丽", "周杰"]
EN_LENDERS = ["Harbor Finance", "Bluebird Credit", "Summit Lending", "Maple Loans", "Northstar Financial"]
EN_AGENTS = ["Dana", "Marcus", "Priya", "Tom", "Elena", "Kevin"]
EN_BORROWERS = ["Mr. Johnson", "Ms. Garcia", "Michael", "Sarah Lee", "Mr. Patel", "Jennifer"]

ZH_CAUSES = {
    "job_loss": ["我上个月被公司裁员了", "我失业两个多月了", "公司倒闭了，我现在没工作", "我被辞退了，还在找工作"],
    "illness": ["我前段时间生病住院了", "我刚做完手术，在家休养", "我查出来得了肾病，一直在看病", "我腿骨折了，上不了班"],
    "income_drop": ["这几个月工资降了一半", "厂里没什么活，工资拖欠了两个月", "我做小生意的，最近生意不好亏了不少", "单位降薪了，收入少了很多"],
    "family_emergency": ["我妈住院了，钱都拿去交医药费了", "我爸上个月去世了，刚办完丧事", "孩子出了车祸，在医院里", "我老婆生病做手术，花了好多钱"],
    "disaster": ["老家发大水，房子被淹了", "家里着火了，东西都烧没了", "台风把我的店给毁了", "我们那边地震，房子塌了一半"],
    "other": ["我刚离婚，家里一团乱", "我前阵子被骗了好几万", "我怀孕了，现在没法上班", "我钱包和手机都被偷了"],
}
EN_CAUSES = {
    "job_loss": ["I lost my job last month", "I got laid off in October", "I'm out of work right now", "the company I worked for shut down and I'm unemployed"],
    "illness": ["I've been sick and in the hospital", "I had surgery two weeks ago", "I was diagnosed with cancer and I'm doing chemo", "I broke my leg and can't work"],
    "income_drop": ["they cut my hours at work", "I took a pay cut", "business is slow and my commissions dried up", "I'm only working part-time now"],
    "family_emergency": ["my mother is in the hospital", "my father passed away last week", "my son was in a car accident", "my wife needed surgery"],
    "disaster": ["our house flooded in the storm", "we had a fire at the apartment", "the hurricane damaged our home", "the wildfire forced us out"],
    "other": ["I'm going through a divorce", "I got scammed out of my savings", "I'm pregnant and had to stop working", "I was robbed last week"],
}

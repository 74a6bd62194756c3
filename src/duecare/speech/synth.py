"""Synthetic call audio with Debian's espeak-ng and sox: test clips, the ASR benchmark and the demo."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from duecare.kit.errors import UserError


@dataclass(frozen=True)
class Clip:
    name: str
    lang: str
    text: str       # the reference transcript
    speech: str     # what espeak-ng reads (Mandarin as tone-numbered pinyin)


CLIPS = (
    Clip("en-promise", "en", "Hello, this is Dana from Harbor Finance. I lost my job last month, but I will pay two hundred dollars next Friday.",
         "Hello, this is Dana from Harbor Finance. I lost my job last month, but I will pay two hundred dollars next Friday."),
    Clip("en-dispute", "en", "I never borrowed any money from you. Please stop calling me.",
         "I never borrowed any money from you. Please stop calling me."),
    Clip("zh-thanks", "zh", "你好，我明天还钱。谢谢。", "ni3 hao3, wo3 ming2 tian1 huan2 qian2. xie4 xie4."),
    Clip("zh-promise", "zh", "我最近被裁员了，下周三我先还一千。", "wo3 zui4 jin4 bei4 cai2 yuan2 le5, xia4 zhou1 san1 wo3 xian1 huan2 yi4 qian1."),
)


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise UserError(f"{tool} is not installed; run: make system-deps (Debian packages espeak-ng and sox)")
    return path


def speak(text: str, lang: str, out: Path, *, rate: int = 140) -> Path:
    """One 16 kHz mono WAV of espeak-ng reading text (zh: tone-numbered pinyin, voice cmn-latn-pinyin)."""
    raw = out.with_suffix(".raw.wav")
    voice = "cmn-latn-pinyin" if lang == "zh" else "en-us"
    subprocess.run([_need("espeak-ng"), "-v", voice, "-s", str(rate), "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run([_need("sox"), "-R", str(raw), "-r", "16000", "-c", "1", str(out)], check=True, capture_output=True)
    raw.unlink()
    return out


def phone_copy(src: Path, out: Path) -> Path:
    """An 8 kHz, band-limited telephone-quality copy."""
    subprocess.run([_need("sox"), "-R", str(src), "-r", "8000", str(out), "sinc", "300-3400"], check=True, capture_output=True)
    return out


def stereo_call(agent: Path, borrower: Path, out: Path) -> Path:
    """A dual-channel call: the agent speaks on the left, then the borrower answers on the right."""
    pad_agent, pad_borrower = out.with_suffix(".a.wav"), out.with_suffix(".b.wav")
    agent_seconds = float(subprocess.run([_need("soxi"), "-D", str(agent)], check=True, capture_output=True, text=True).stdout)
    subprocess.run([_need("sox"), "-R", str(agent), str(pad_agent), "pad", "0", "8"], check=True, capture_output=True)
    subprocess.run([_need("sox"), "-R", str(borrower), str(pad_borrower), "pad", f"{agent_seconds + 0.5:.2f}", "0"], check=True, capture_output=True)
    subprocess.run([_need("sox"), "-R", "-M", str(pad_agent), str(pad_borrower), str(out)], check=True, capture_output=True)
    pad_agent.unlink()
    pad_borrower.unlink()
    return out

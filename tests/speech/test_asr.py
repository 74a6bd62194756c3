"""Offline transcription of synthetic calls (espeak-ng + sox) with the bundled Whisper base model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from duecare.speech.ports import Transcriber
from duecare.speech.scoring import cer
from duecare.speech.service import transcribe_call
from duecare.speech.synth import phone_copy, speak, stereo_call

pytestmark = pytest.mark.slow
AS_OF = datetime.fromisoformat("2026-11-12T10:00:00-05:00")


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Transcriber]:
    mp = pytest.MonkeyPatch()
    mp.setenv("DUECARE_DATA_DIR", str(tmp_path_factory.mktemp("asr-data")))
    mp.delenv("DUECARE_ASR_MODEL_DIR", raising=False)
    from duecare.speech.whisper import FasterWhisperTranscriber

    yield FasterWhisperTranscriber()
    mp.undo()


def test_english_stereo_phone_call_is_split_by_speaker_and_analysed(transcriber: Transcriber, tmp_path: Path) -> None:
    agent = speak("Hello, this is Dana from Harbor Finance, calling about your loan. This call is recorded.", "en", tmp_path / "a.wav")
    borrower = speak("I lost my job last month, but I will pay two hundred dollars on Friday.", "en", tmp_path / "b.wav")
    call = phone_copy(stereo_call(agent, borrower, tmp_path / "call.wav"), tmp_path / "call-8k.wav")
    out = transcribe_call(call, as_of=AS_OF, analyze=True, transcriber=transcriber)
    speakers = [t["speaker"] for t in out["transcript"]["turns"]]
    assert out["channels"] == 2 and speakers[0] == "agent" and "borrower" in speakers
    said = " ".join(t["text"] for t in out["transcript"]["turns"] if t["speaker"] == "borrower").lower()
    assert "job" in said and "friday" in said
    assert {"hardship", "promise_to_pay"} <= set(out["analysis"]["intents"])
    assert out["events"][0]["rpc"] is True


def test_mandarin_clip_is_recognised_as_chinese_in_simplified_characters(transcriber: Transcriber, tmp_path: Path) -> None:
    from opencc import OpenCC

    clip = speak("wo3 zui4 jin4 bei4 cai2 yuan2 le5, xia4 zhou1 san1 wo3 xian1 huan2 yi4 qian1.", "zh", tmp_path / "zh.wav")
    out = transcribe_call(clip, as_of=AS_OF, transcriber=transcriber)
    text = "".join(t["text"] for t in out["transcript"]["turns"])
    assert out["transcript"]["lang"] == "zh" and out["channels"] == 1
    assert out["transcript"]["turns"][0]["speaker"] == "unknown"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text) and OpenCC("t2s").convert(text) == text
    # espeak-ng's pinyin voice is far from natural Mandarin: the keyword and the bound are loose on purpose.
    assert "我" in text
    assert cer("我最近被裁员了下周三我先还一千", text) < 0.95

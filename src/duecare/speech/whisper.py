"""faster-whisper adapter of the Transcriber port: offline, int8 on CPU, Simplified Chinese out."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from duecare.speech.audio import SAMPLE_RATE, load_tracks, voiced
from duecare.speech.model_store import model_dir
from duecare.speech.ports import Segment, Transcription

ENGLISH_THRESHOLD = 0.7  # language detection mislabels Mandarin (as Thai): zh unless clearly English


class FasterWhisperTranscriber:
    """Loads the model once from a local directory (never the hub) and transcribes each track."""

    def __init__(self, threads: int = 2, beam_size: int = 5) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        from faster_whisper import WhisperModel
        from opencc import OpenCC

        path, self.model_name = model_dir()
        self._model = WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads,
                                   local_files_only=True)
        self._t2s = OpenCC("t2s")
        self._beam_size = beam_size

    def choose_language(self, samples: Any) -> str:
        """zh unless the model gives English a probability above 0.7."""
        _, _, probs = self._model.detect_language(audio=samples[: SAMPLE_RATE * 30])
        english = dict(probs).get("en", 0.0)
        return "en" if english > ENGLISH_THRESHOLD else "zh"

    def transcribe(self, audio: Path, *, lang: str | None = None) -> Transcription:
        started = time.perf_counter()
        tracks, channels, duration = load_tracks(audio)
        if lang is None and tracks:
            lang = self.choose_language(voiced(np.concatenate([t.samples for t in tracks])))
        lang = lang or "zh"
        segments: list[Segment] = []
        for track in tracks:
            pieces, _ = self._model.transcribe(
                track.samples, language=lang, beam_size=self._beam_size, repetition_penalty=1.15,
                no_repeat_ngram_size=4, condition_on_previous_text=False, vad_filter=False,
            )
            for piece in pieces:
                text = piece.text.strip()
                if lang == "zh":
                    text = self._t2s.convert(text)
                if text:
                    segments.append(Segment(track.speaker, round(piece.start, 2), round(piece.end, 2), text))
        segments.sort(key=lambda s: (s.start, s.speaker))
        return Transcription(lang, round(duration, 2), channels, tuple(segments),
                             round(time.perf_counter() - started, 2), self.model_name)

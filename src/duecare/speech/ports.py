"""The transcription port: what call analytics needs from any speech-to-text engine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Segment:
    speaker: str  # agent | borrower | unknown (mono recordings have one speaker-unknown track)
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcription:
    lang: str
    duration: float
    channels: int
    segments: tuple[Segment, ...]
    processing_seconds: float
    model: str

    @property
    def real_time_factor(self) -> float:
        return self.processing_seconds / self.duration if self.duration else 0.0


class Transcriber(Protocol):
    """Speech to speaker-tagged text; `lang` None lets the engine choose (zh unless clearly English)."""

    def transcribe(self, audio: Path, *, lang: str | None = None) -> Transcription: ...

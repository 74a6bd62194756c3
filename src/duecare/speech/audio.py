"""Audio tracks: a dual-channel call is split into agent (left) and borrower (right); mono is one track."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from duecare.kit.errors import UserError
from duecare.kit.settings import get_settings

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Track:
    speaker: str
    samples: NDArray[np.float32]


def channel_speakers() -> tuple[str, str]:
    """Which party each stereo channel carries (DUECARE_CALL_CHANNELS=agent,borrower by default)."""
    left, _, right = get_settings().call_channels.partition(",")
    return left.strip() or "agent", right.strip() or "borrower"


def load_tracks(path: Path) -> tuple[list[Track], int, float]:
    """16 kHz float tracks of a recording, its channel count and duration in seconds."""
    import av
    from faster_whisper.audio import decode_audio

    if not path.exists():
        raise UserError(f"audio file not found: {path}")
    try:
        with av.open(str(path)) as container:
            channels = container.streams.audio[0].codec_context.channels
    except (av.error.FFmpegError, IndexError) as exc:
        raise UserError(f"{path}: not a readable audio file ({exc})") from None
    if channels >= 2:
        left, right = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=True)
        names = channel_speakers()
        tracks = [Track(names[0], left.astype(np.float32)), Track(names[1], right.astype(np.float32))]
        duration = len(left) / SAMPLE_RATE
    else:
        mono = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
        tracks = [Track("unknown", mono.astype(np.float32))]
        duration = len(mono) / SAMPLE_RATE
    # A silent channel (one party never spoke) is dropped rather than fed to the model.
    tracks = [t for t in tracks if t.samples.size and float(np.abs(t.samples).max()) > 1e-3]
    return tracks, channels, duration


def voiced(samples: NDArray[np.float32], frame: float = 0.25, threshold: float = 0.01) -> NDArray[np.float32]:
    """Only the frames with speech energy: silence (a padded channel) misleads language detection."""
    size = int(SAMPLE_RATE * frame)
    usable = samples[: len(samples) // size * size].reshape(-1, size)
    if usable.size == 0:
        return samples
    loud = np.sqrt((usable.astype(np.float64) ** 2).mean(axis=1)) > threshold
    return usable[loud].reshape(-1).astype(np.float32) if loud.any() else samples

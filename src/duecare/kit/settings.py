"""Settings from the environment, with defaults that work on a laptop."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    key_file: Path

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("DUECARE_DATA_DIR", "./duecare-data"))
        url = os.environ.get("DUECARE_DATABASE_URL") or f"sqlite:///{data_dir / 'duecare.db'}"
        key_file = Path(os.environ.get("DUECARE_KEY_FILE", str(data_dir / "keys.json")))
        return cls(data_dir=data_dir, database_url=url, key_file=key_file)


def demo_mode() -> bool:
    """True only in a demo or test run (`DUECARE_DEMO=1`): enables pinned clocks and on-screen sign-in codes."""
    return os.environ.get("DUECARE_DEMO") == "1" or os.environ.get("DUECARE_DEMO_CODES") == "1"


def get_settings() -> Settings:
    """Read settings each time so tests can change the environment."""
    return Settings.from_env()

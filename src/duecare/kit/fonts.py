"""The font every PDF duecare writes is set in (letters, visit notices, the visit register): one that covers
Chinese and Latin text, from the operating system's fonts (Debian: fonts-wqy-microhei, which
`scripts/system-deps.sh` installs; Noto CJK or Droid Sans Fallback also serve)."""

from __future__ import annotations

from pathlib import Path

from duecare.kit.errors import Unavailable

CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)


def cjk_font(candidates: tuple[Path, ...] | None = None) -> Path:
    """The first installed candidate; a missing font is a 503 naming the package to install, never a 500."""
    for path in candidates or CANDIDATES:
        if path.exists():
            return path
    raise Unavailable("no font with Chinese characters is installed, so no PDF can be made: install one "
                      "(Debian/Ubuntu: apt-get install fonts-wqy-microhei, or run scripts/system-deps.sh)",
                      code="pdf_font_missing")

"""What the output stream can show: colour only on a terminal, and never when NO_COLOR is set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO


def use_color(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """ANSI colour for a terminal, unless NO_COLOR (https://no-color.org) is set non-empty or TERM is dumb."""
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())

"""Plain-text tables for the terminal, aligned for Chinese characters (two columns wide)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

__all__ = ["display_width", "render_table"]


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if align == ">" else text + gap


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()) -> str:
    """A table with a header rule; columns listed in ``right`` are right-aligned (amounts)."""
    widths = [display_width(header) for header in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], display_width(cell))
    lines = []
    for row in [headers, *rows]:
        cells = [_pad(cell, widths[i], ">" if i in right else "<") for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)

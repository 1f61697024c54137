"""Helpers for the mappings tests: write small CSV files into a temporary directory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def write_csv(
    directory: Path,
    name: str,
    header: str,
    rows: Sequence[str],
    *,
    comments: Sequence[str] = (),
) -> Path:
    """Write ``# comments``, the header and the rows (each already a CSV line) to ``directory/name``."""
    path = directory / name
    lines = [f"# {comment}" for comment in comments] + [header, *rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

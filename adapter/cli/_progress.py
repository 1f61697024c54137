"""The progress bar long commands draw on stderr when it is a terminal (``reconcile``, ``catalogue sync``)."""

from __future__ import annotations

import sys

__all__ = ["clear_bar", "draw_bar", "terminal_bar"]

_WIDTH = 30


def terminal_bar() -> bool:
    """Whether to draw one: only on a terminal (a pipe or a file gets nothing)."""
    return sys.stderr.isatty()


def draw_bar(step: str, done: int, total: int) -> None:
    filled = _WIDTH * done // total if total else _WIDTH
    print(
        f"\r{step} [{'#' * filled}{'.' * (_WIDTH - filled)}] {done}/{total}",
        end="",
        file=sys.stderr,
        flush=True,
    )


def clear_bar(progress: object) -> None:
    """Erase the bar (when one was drawn)."""
    if progress is not None:
        print("\r" + " " * (_WIDTH + 40) + "\r", end="", file=sys.stderr, flush=True)

"""``opsp receipt SETL_ID``: the printable receipt of a settlement (HTML, or PDF with ``--pdf``)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    del commands  # filled in below

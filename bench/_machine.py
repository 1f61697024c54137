"""One line naming the machine a benchmark ran on (shared by the scripts under bench/)."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line
        ]
        model = names[0] if names else model
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {model}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()} ({sys.implementation.name})"
    )

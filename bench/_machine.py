"""What the scripts under bench/ share: the machine's name, and CPU time of processes."""

from __future__ import annotations

import os
import platform
import resource
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


def process_cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of another process, from /proc (0.0 where there is no /proc)."""
    stat = Path(f"/proc/{pid}/stat")
    if pid is None or not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

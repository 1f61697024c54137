"""Run a served mock platform as a real process on a free loopback port, for TCP tests and benchmarks.

The server prints ``opsp mock platform listening on http://127.0.0.1:PORT`` once bound;
stdout is read in a thread so a silent or broken server cannot hang the caller, and
the process is always terminated (SIGTERM, then SIGKILL) with bounded waits.
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT = 20.0
LISTENING = re.compile(r"opsp mock platform listening on (http://127\.0\.0\.1:\d+)")
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    output: list[str]


class ServerDidNotStartError(RuntimeError):
    pass


@contextmanager
def served(command: Sequence[str]) -> Iterator[Served]:
    """Start ``command`` (which must bind to --port 0 and print the listening line), yield its URL."""
    process = subprocess.Popen(
        list(command), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        yield Served(_wait_for_url(lines, output), process, output)
    finally:
        _stop(process)
        reader.join(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _wait_for_url(lines: queue.Queue[str], output: list[str]) -> str:
    while True:
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            raise ServerDidNotStartError(f"no listening line within {STARTUP_TIMEOUT}s: {output}") from None
        output.append(line)
        match = LISTENING.search(line)
        if match:
            return match.group(1)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

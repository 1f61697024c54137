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
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_TIMEOUT = 20.0
LISTENING = re.compile(r"opsp mock platform listening on (http://127\.0\.0\.1:\d+)")
ROOT = Path(__file__).resolve().parents[1]


class ServerDidNotStartError(RuntimeError):
    pass


@dataclass
class Served:
    """A running server: its URL, its process, and what it printed."""

    url: str
    process: subprocess.Popen[str]
    lines: queue.Queue[str] = field(repr=False)
    reader: threading.Thread = field(repr=False)

    def output_so_far(self) -> str:
        """What the server printed after its listening line (read without waiting)."""
        printed: list[str] = []
        while not self.lines.empty():
            printed.append(self.lines.get_nowait())
        return "".join(printed)

    def stop(self) -> int:
        """SIGTERM, bounded wait (then SIGKILL); the exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


@contextmanager
def served(command: Sequence[str], *, listening: re.Pattern[str] = LISTENING) -> Iterator[Served]:
    """Start ``command`` (which must bind to --port 0 and print the listening line), yield it running."""
    process = subprocess.Popen(
        list(command), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    running = Served("", process, lines, reader)
    try:
        running.url = _wait_for_url(lines, listening)
        yield running
    finally:
        running.stop()
        reader.join(timeout=10)  # the pipe reaches EOF once the process has exited
        if process.stdout is not None:
            process.stdout.close()


def _wait_for_url(lines: queue.Queue[str], listening: re.Pattern[str]) -> str:
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            raise ServerDidNotStartError(f"no listening line within {STARTUP_TIMEOUT}s: {seen}") from None
        seen.append(line)
        match = listening.search(line)
        if match:
            return match.group(1)

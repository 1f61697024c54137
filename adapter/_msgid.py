"""Message ids: fixmedins_code(12) + yyyyMMddHHmmss(14) + 4-digit sequence = 30 characters.

The msgid is the key of 冲正 (2601 ``omsgid``), is echoed back as ``medins_setl_id``
and appears in the 3202 reconciliation file (PROTOCOL.md §1.3, §6.2), so it must be
unique for the institution. Public clients append a *random* 4-digit number, which
collides at a few hundred calls per second; we use a monotonic counter per second
instead, as PROTOCOL.md §1.3 recommends. When 9999 ids have been issued within one
second, the generator borrows the next second rather than repeat an id, so ids stay
unique and increasing even if the clock stands still or steps back.

Several billing nodes (cashier desks, HIS servers) of one institution each have their own
generator, so they must not draw from the same sequence: each is given a ``node`` digit
(settings ``msgid_node``), which becomes the sequence's first digit. Node 3 issues
``3001``…``3999`` in each second, 999 ids a second, and no two nodes can ever issue the same id.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from ._clock import CHINA_TZ, Clock, china_now

__all__ = ["MSGID_LENGTH", "MsgIdFactory"]

MSGID_LENGTH = 30
_MAX_SEQUENCE = 9999


class MsgIdFactory:
    """Thread-safe generator of unique 30-character msgids for one institution."""

    def __init__(self, fixmedins_code: str, *, clock: Clock = china_now, node: int | None = None) -> None:
        if len(fixmedins_code) != 12:
            raise ValueError(
                f"fixmedins_code must be 12 characters for a 30-character msgid, got {len(fixmedins_code)}"
            )
        if node is not None and not 0 <= node <= 9:
            raise ValueError(f"msgid node must be a single digit 0-9, got {node}")
        self._prefix = fixmedins_code
        self.node = node
        # The sequence numbers this generator may issue within one second: all of 0001-9999,
        # or its node's thousand (node 0: 0001-0999, node 3: 3001-3999).
        self._first = 1 if node is None else node * 1000 + 1
        self._last = _MAX_SEQUENCE if node is None else node * 1000 + 999
        self._clock = clock
        self._lock = threading.Lock()
        self._second: datetime | None = None
        self._sequence = 0

    def __call__(self) -> str:
        now = self._clock().astimezone(CHINA_TZ).replace(microsecond=0)
        with self._lock:
            if self._second is None or now > self._second:
                self._second, self._sequence = now, self._first
            elif self._sequence < self._last:
                self._sequence += 1
            else:
                self._second, self._sequence = self._second + timedelta(seconds=1), self._first
            second, sequence = self._second, self._sequence
        return f"{self._prefix}{second:%Y%m%d%H%M%S}{sequence:04d}"

    def resume_after(self, msgid: str) -> None:
        """Never issue ``msgid`` or anything before it (a restart after a crash, same second).

        The journal keeps every state-changing msgid; resuming after the last one keeps ids
        unique across restarts of this process even when the clock has not moved on.
        """
        if not msgid.startswith(self._prefix) or len(msgid) != MSGID_LENGTH:
            return
        sequence = int(msgid[26:])
        if not self._first <= sequence <= self._last:
            return  # another node's id: its sequence is not ours to continue
        second = datetime.strptime(msgid[12:26], "%Y%m%d%H%M%S").replace(tzinfo=CHINA_TZ)
        with self._lock:
            if self._second is None or (second, sequence) > (self._second, self._sequence):
                self._second, self._sequence = second, sequence

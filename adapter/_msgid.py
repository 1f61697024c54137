"""Message ids: fixmedins_code(12) + yyyyMMddHHmmss(14) + 4-digit sequence = 30 characters.

The msgid is the key of 冲正 (2601 ``omsgid``), is echoed back as ``medins_setl_id``
and appears in the 3202 reconciliation file (PROTOCOL.md §1.3, §6.2), so it must be
unique for the institution. Public clients append a *random* 4-digit number, which
collides at a few hundred calls per second; we use a monotonic counter per second
instead, as PROTOCOL.md §1.3 recommends. When 9999 ids have been issued within one
second, the generator borrows the next second rather than repeat an id, so ids stay
unique and increasing even if the clock stands still or steps back.

A restart must never reuse an id either, even within the same second. An id counts as
used from the moment it is issued, whether or not its call is journaled (a query the
platform remembers by msgid, such as 2206, is not), so uniqueness cannot come from the
calls on record. With a journal, the factory draws its ids from **blocks the journal
reserves** (``reserve``): the journal commits the block's last id as its high-water mark
before handing the block out, and the next block always starts after the mark. A crash
loses at most the unused rest of a block; no id is ever issued twice. Without a journal
(planning, eligibility checks) the counter lives in memory only.

Several billing nodes (cashier desks, HIS servers) of one institution each have their own
generator, so they must not draw from the same sequence: each is given a ``node`` digit
(settings ``msgid_node``), which becomes the sequence's first digit. Node 3 issues
``3001``…``3999`` in each second, 999 ids a second, and no two nodes can ever issue the same id.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ._clock import CHINA_TZ, Clock, china_now

__all__ = [
    "MSGID_LENGTH",
    "MsgIdBlock",
    "MsgIdFactory",
    "Reserve",
    "next_block",
    "parse_msgid",
    "sequence_range",
]

MSGID_LENGTH = 30
_MAX_SEQUENCE = 9999
BLOCK_SIZE = 16
"""Ids reserved at once: one durable commit serves up to 16 ids issued within one second."""


@dataclass(frozen=True)
class MsgIdBlock:
    """Sequences ``first``..``last`` of one second, reserved for one generator."""

    second: datetime
    """China time, whole seconds."""
    first: int
    last: int


Reserve = Callable[[str, "int | None", int, datetime], MsgIdBlock]
"""``Journal.reserve_msgids(prefix, node, count, now)``: a block committed before it is returned."""


def sequence_range(node: int | None) -> tuple[int, int]:
    """The sequences a node may issue within one second: all of 0001-9999, or its node's thousand."""
    return (1, _MAX_SEQUENCE) if node is None else (node * 1000 + 1, node * 1000 + 999)


def next_block(
    mark: tuple[datetime, int] | None, *, now: datetime, node: int | None, count: int = BLOCK_SIZE
) -> MsgIdBlock:
    """The block after the high-water ``mark`` (second, last sequence issued), at ``now`` or later.

    Pure, so every journal (SQLite, PostgreSQL) reserves exactly the same way: it reads its
    mark, calls this, stores ``(block.second, block.last)`` and commits, in one transaction.
    """
    first, last = sequence_range(node)
    second = now.astimezone(CHINA_TZ).replace(microsecond=0)
    start = first
    if mark is not None and mark[0] >= second:
        # The clock has not moved past the mark (a restart within the second, or a clock
        # stepped back): continue after the mark, borrowing the next second when it is full.
        second, start = mark[0], mark[1] + 1
        if start > last:
            second, start = second + timedelta(seconds=1), first
    return MsgIdBlock(second=second, first=start, last=min(start + max(count, 1) - 1, last))


def parse_msgid(msgid: str, prefix: str) -> tuple[datetime, int] | None:
    """(second, sequence) of one of this institution's msgids, or ``None`` if it is not one."""
    if not msgid.startswith(prefix) or len(msgid) != MSGID_LENGTH or not msgid[12:].isdigit():
        return None
    second = datetime.strptime(msgid[12:26], "%Y%m%d%H%M%S").replace(tzinfo=CHINA_TZ)
    return second, int(msgid[26:])


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
        self._first, self._last = sequence_range(node)
        self._clock = clock
        self._lock = threading.Lock()
        self._second: datetime | None = None
        self._sequence = 0
        self._reserve: Reserve | None = None
        self._block: MsgIdBlock | None = None
        self._head_second: datetime | None = None
        self._head_text = ""

    def reserve_from(self, reserve: Reserve) -> None:
        """Issue only ids from blocks ``reserve`` (the journal) made durable first."""
        with self._lock:
            self._reserve, self._block = reserve, None

    def __call__(self) -> str:
        now = self._clock().astimezone(CHINA_TZ).replace(microsecond=0)
        with self._lock:
            if self._reserve is not None:
                return self._from_block(now)
            if self._second is None or now > self._second:
                self._second, self._sequence = now, self._first
            elif self._sequence < self._last:
                self._sequence += 1
            else:
                self._second, self._sequence = self._second + timedelta(seconds=1), self._first
            return f"{self._head(self._second)}{self._sequence:04d}"

    def _from_block(self, now: datetime) -> str:
        assert self._reserve is not None
        block = self._block
        # A block is used only within its own second (or while the clock lags behind it), so
        # an id's time stays the time it was issued.
        if block is None or self._sequence >= block.last or now > block.second:
            block = self._block = self._reserve(self._prefix, self.node, BLOCK_SIZE, now)
            self._sequence = block.first
        else:
            self._sequence += 1
        return f"{self._head(block.second)}{self._sequence:04d}"

    def _head(self, second: datetime) -> str:
        """fixmedins_code + yyyyMMddHHmmss, formatted once per second (under the lock)."""
        if second != self._head_second:
            self._head_second, self._head_text = second, f"{self._prefix}{second:%Y%m%d%H%M%S}"
        return self._head_text

"""The traffic journal: one row per request received, for `GET /_mock/journal`.

It holds what a vendor needs to debug a call (path, infno, msgid, hospital, outcome, infcode, err_msg, timing,
the fault rule that fired) and, as `subject`, the psn_no or a masked credential. Names, full certificate or
card numbers and e-voucher tokens are never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mock_platform.backend.store import Store

# success / error (refused) / gateway_rejected / internal_error; replayed = a processed msgid answered again;
# fault = a fault rule answered instead of the platform (the `fault` column names the kind that fired).
Outcome = Literal["success", "error", "gateway_rejected", "internal_error", "replayed", "fault"]


@dataclass(frozen=True)
class TrafficEntry:
    received_at: str
    path: str
    infno: str
    msgid: str
    fixmedins_code: str
    inf_refmsgid: str
    http_status: int
    infcode: int | None
    outcome: Outcome
    err_msg: str
    subject: str
    duration_ms: int
    fault: str = ""


_COLUMNS = tuple(TrafficEntry.__dataclass_fields__)


def mask(value: str) -> str:
    """Mask a credential, keeping 4 characters at each end: 640104196203152010 -> 6401**********2010."""
    if len(value) >= 10:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    return value[:1] + "*" * max(len(value) - 1, 0)


class TrafficJournal:
    def __init__(self, store: Store) -> None:
        self._store = store

    def record(self, entry: TrafficEntry) -> None:
        placeholders = ", ".join("?" for _ in _COLUMNS)
        with self._store.joined() as connection:
            connection.execute(
                f"INSERT INTO traffic ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
                tuple(getattr(entry, column) for column in _COLUMNS),
            )

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The last `limit` entries, oldest first, each with its `id`."""
        with self._store.joined() as connection:
            rows = connection.execute(
                f"SELECT id, {', '.join(_COLUMNS)} FROM traffic ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [dict(row) for row in reversed(rows)]

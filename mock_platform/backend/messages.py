"""Processed msgids: a state-changing request is done once (PROTOCOL.md §6.2, STYLE.md §4).

A request of an idempotent transaction (2201-2208, 2601, 9002) whose msgid was already processed gets the
stored answer again, byte for byte, without doing anything; the same msgid with a different body is refused
("发送方报文ID[…]重复"). "Same body" compares the infno, the hospital and the `input` node (keys sorted):
the rest of the envelope (inf_time, sign_no, …) may legitimately change on a resend.

Decision: only answers that committed something (infcode 0) are recorded, in the same SQLite transaction as
the work itself; a refused request left no state, so its msgid may be used again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mock_platform import codec
from mock_platform._time import format_datetime
from mock_platform.backend.store import Store


@dataclass(frozen=True)
class StoredAnswer:
    infno: str
    digest: str
    answer: bytes


def request_digest(infno: str, fixmedins_code: str, input_: Mapping[str, Any]) -> str:
    """SHA-256 of {"infno", "fixmedins_code", "input"} as compact JSON, every object of `input` keys sorted.

    Digests of processed msgids are stored and a file database outlives upgrades, so these bytes must not
    change (tests/mock_platform/test_idempotency.py pins them).
    """
    head = codec.encode({"infno": infno, "fixmedins_code": fixmedins_code})
    canonical = head[:-1] + b',"input":' + codec.encode_sorted(input_) + b"}"
    return hashlib.sha256(canonical).hexdigest()


class MessageBook:
    def __init__(self, store: Store) -> None:
        self._store = store

    def find(self, msgid: str) -> StoredAnswer | None:
        with self._store.joined() as connection:
            row = connection.execute(
                "SELECT infno, digest, answer FROM processed_message WHERE msgid = ?", (msgid,)
            ).fetchone()
        return None if row is None else StoredAnswer(row["infno"], row["digest"], bytes(row["answer"]))

    def save(
        self, msgid: str, *, infno: str, fixmedins_code: str, digest: str, answer: bytes, now: datetime
    ) -> None:
        with self._store.joined() as connection:
            connection.execute(
                "INSERT INTO processed_message (msgid, infno, fixmedins_code, digest, answer, processed_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (msgid, infno, fixmedins_code, digest, answer, format_datetime(now)),
            )

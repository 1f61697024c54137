"""The traffic journal: one row per request received, for `GET /_mock/journal`.

It holds what a vendor needs to debug a call (path, infno, msgid, hospital, outcome, infcode, err_msg, timing,
the fault rule that fired, the deviations a profile accepted) and the request and answer bodies with every
personal field masked (`mask_json`). `subject` is the psn_no or a masked credential. Names, full
certificate or card numbers, phone numbers, addresses and e-voucher tokens are never stored.

Filters (all optional, combined with AND): `infno`, `msgid`, `psn_no`, `mdtrt_id`, `outcome`, `since` and
`until` (ISO times compared with `received_at`, e.g. `2026-11-22T10:00:00`), `after_id` (entries newer than
an id, to follow the journal), `limit` (the newest `limit` rows that match, returned oldest first).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal

from mock_platform.backend.store import Store

# success / error (refused) / gateway_rejected / internal_error; replayed = a processed msgid answered again;
# fault = a fault rule answered instead of the platform (the `fault` column names the kind that fired).
Outcome = Literal["success", "error", "gateway_rejected", "internal_error", "replayed", "fault"]

# Bodies longer than this are stored cut (a marker says how long they were).
MAX_STORED_BODY = 64 * 1024

# Fields that identify a person: masked wherever they occur in a body (any depth).
PERSONAL_FIELDS = frozenset(
    {
        "psn_name",
        "certno",
        "psn_cert_no",
        "mdtrt_cert_no",
        "card_sn",
        "ec_token",
        "ecToken",
        "tel",
        "mob",
        "mobile",
        "addr",
        "live_addr",
        "coner_name",
        "coner_tel",
        "cainfo",
        "dev_safe_info",
    }
)


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
    warnings: str = ""  # deviations accepted (or the one refused), "；"-separated
    psn_no: str = ""
    mdtrt_id: str = ""
    request_body: str = ""
    answer_body: str = ""


@dataclass(frozen=True)
class TrafficFilter:
    limit: int = 100
    infno: str | None = None
    msgid: str | None = None
    psn_no: str | None = None
    mdtrt_id: str | None = None
    outcome: str | None = None
    since: str | None = None
    until: str | None = None
    after_id: int | None = None
    columns: tuple[str, ...] = ()  # which columns; empty = all

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        values: list[Any] = []
        for name in ("infno", "msgid", "psn_no", "mdtrt_id", "outcome"):
            value = getattr(self, name)
            if value is not None:
                clauses.append(f"{name} = ?")
                values.append(value)
        if self.since is not None:
            clauses.append("received_at >= ?")
            values.append(self.since)
        if self.until is not None:
            clauses.append("received_at <= ?")
            values.append(self.until)
        if self.after_id is not None:
            clauses.append("id > ?")
            values.append(self.after_id)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", values


_COLUMNS = tuple(TrafficEntry.__dataclass_fields__)
# The entry's values in column order, without a getattr per column (dataclasses.astuple deep-copies).
_values = attrgetter(*_COLUMNS)
_INSERT = f"INSERT INTO traffic ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
_BODIES = ("request_body", "answer_body")


def journal_columns(*, bodies: bool) -> tuple[str, ...]:
    """The journal's columns, with or without the two bodies."""
    return _COLUMNS if bodies else tuple(name for name in _COLUMNS if name not in _BODIES)


def mask(value: str) -> str:
    """Mask a credential, keeping 4 characters at each end: 640104196203152010 -> 6401**********2010."""
    if len(value) >= 10:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    return value[:1] + "*" * max(len(value) - 1, 0)


# A personal member with a non-empty string value, in JSON whose keys are not escaped: a key follows "{" or
# "," (and JSON whitespace), which inside a string are never followed by an unescaped quote, so only real
# members match, at any depth.
_SPACE = r"[ \t\n\r]*"
_PERSONAL_MEMBER = re.compile(
    rf'([{{,]{_SPACE})"({"|".join(sorted(PERSONAL_FIELDS))})"({_SPACE}:{_SPACE})"((?:[^"\\]|\\.)+)"'
)


def mask_json(text: str) -> str:
    """`text`, JSON with no escaped key (`unescaped_json`, or what the mock's codec writes), with every
    personal field's text masked (names fully, numbers partly), wherever it occurs; the rest as it was.

    One regex pass over text the call has anyway (the request as sent, the answer's own bytes), instead of a
    masked copy of the decoded value encoded again: the journal was a quarter of a call's CPU (issue #18).
    """
    return _PERSONAL_MEMBER.sub(_masked_member, text)


def _masked_member(match: re.Match[str]) -> str:
    before, key, colon, raw = match.groups()
    if "\\" not in raw and raw.isprintable():  # nothing escaped, and nothing json.dumps would escape
        masked = "*" * min(len(raw), 8) if key.endswith("name") else mask(raw)
        return f'{before}"{key}"{colon}"{masked}"'
    value: str = json.loads(f'"{raw}"')
    masked = "*" * min(len(value), 8) if key.endswith("name") else mask(value)
    return f'{before}"{key}"{colon}{json.dumps(masked, ensure_ascii=False)}'


def unescaped_json(body: bytes) -> str | None:
    """A request body as text `mask_json` can mask as it is, or None when it may not be: not UTF-8 (UTF-16
    and UTF-32 hold NUL bytes), or with a \\u escape anywhere (a key could be spelled with one)."""
    if b"\\u" in body or b"\x00" in body:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def stored_body(text: str) -> str:
    if len(text) <= MAX_STORED_BODY:
        return text
    return text[:MAX_STORED_BODY] + f"…[cut: {len(text)} characters]"


def _storable(value: Any) -> Any:
    """Text SQLite can store: a lone surrogate (never valid UTF-8) written as its escape."""
    if isinstance(value, str):
        return value.encode("utf-8", errors="backslashreplace").decode("utf-8")
    return value


class TrafficJournal:
    def __init__(self, store: Store) -> None:
        self._store = store

    def record(self, entry: TrafficEntry) -> None:
        values = _values(entry)
        with self._store.joined() as connection:
            try:
                connection.execute(_INSERT, values)
            except UnicodeEncodeError:  # a lone surrogate: only then every text is rewritten
                connection.execute(_INSERT, tuple(map(_storable, values)))

    def last_id(self) -> int:
        """The newest entry's id (0 when the journal is empty)."""
        with self._store.joined() as connection:
            row = connection.execute("SELECT max(id) FROM traffic").fetchone()
        return int(row[0] or 0)

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The last `limit` entries, oldest first, each with its `id`."""
        return self.find(TrafficFilter(limit=limit))

    def find(self, query: TrafficFilter) -> list[dict[str, Any]]:
        """The newest `query.limit` entries matching the filter, oldest first, each with its `id`."""
        where, values = query.where()
        columns = tuple(name for name in query.columns if name in _COLUMNS) or _COLUMNS
        with self._store.joined() as connection:
            rows = connection.execute(
                f"SELECT id, {', '.join(columns)} FROM traffic{where} ORDER BY id DESC LIMIT ?",
                (*values, query.limit),
            ).fetchall()
        return [dict(row) for row in reversed(rows)]

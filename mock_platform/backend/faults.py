"""Faults on demand: rules that make the next `times` calls of an infno misbehave (stored in SQLite).

In-process: `MockPlatform.faults.add(infno, kind, *, times=1, message=None, seconds=None)`, `.clear()`,
`.list()`. Over HTTP: `POST /_mock/faults` `{"infno", "kind", "times", "message"?, "seconds"?}`,
`GET /_mock/faults`, `DELETE /_mock/faults`. Rules for one infno fire in the order they were added.

Kinds, and what the caller sees:

* ``delay``: the platform sleeps `seconds` (its injectable sleep), then processes and answers normally.
* ``drop_after_commit``: processed and committed, then the answer is lost. In-process
  `httpx.RemoteProtocolError`; served, the connection is closed without a complete response.
* ``timeout_after_commit``: committed; in-process `httpx.ReadTimeout`; served, the answer is held
  `seconds` (default 30) and the connection then dropped.
* ``fail_before_commit``: nothing processed; in-process `httpx.RemoteProtocolError`; served, the
  connection is dropped.
* ``error``: nothing processed; infcode -1 with `message` (default "医保平台系统异常，请稍后再试").
* ``maintenance``: nothing processed; infcode -1 "系统停机维护中，请稍后再试" or `message`
  (seed 002 四(四): "停机维护期间，需在系统接口中返回停机信息").
* ``bad_gateway``: nothing processed; HTTP 502 with a non-JSON (HTML) body.
* ``gateway_auth``: nothing processed; HTTP 401 ``{"code":401,"message":"签名不一致!"}`` (PROTOCOL.md §1.5).

The traffic journal records, for each call, the fault that fired (`fault` column).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, get_args

from mock_platform.backend.callstate import CallState
from mock_platform.backend.store import Store

FaultKind = Literal[
    "delay",
    "drop_after_commit",
    "timeout_after_commit",
    "fail_before_commit",
    "error",
    "maintenance",
    "bad_gateway",
    "gateway_auth",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
BEFORE_PROCESSING = ("fail_before_commit", "error", "maintenance", "bad_gateway", "gateway_auth")
DEFAULT_HOLD_SECONDS = 30.0
MAINTENANCE_MESSAGE = "系统停机维护中，请稍后再试"
ERROR_MESSAGE = "医保平台系统异常，请稍后再试"


class FaultRuleError(ValueError):
    """A fault rule that cannot be added (unknown kind, bad times or seconds)."""


@dataclass(frozen=True)
class Fault:
    id: int
    infno: str
    kind: str
    remaining: int
    message: str | None
    seconds: float | None

    def as_dict(self) -> dict[str, Any]:
        """For JSON: seconds as a Decimal (the mock's codec writes no floats)."""
        return {
            "id": self.id,
            "infno": self.infno,
            "kind": self.kind,
            "remaining": self.remaining,
            "message": self.message,
            "seconds": None if self.seconds is None else Decimal(repr(self.seconds)),
        }


class FaultBook:
    def __init__(self, store: Store) -> None:
        self._store = store
        # The infnos found without a rule under a call state: no query for them while it holds (issue #18).
        self._none_for: tuple[CallState, set[str]] | None = None

    def add(
        self,
        infno: str,
        kind: str,
        *,
        times: int = 1,
        message: str | None = None,
        seconds: float | None = None,
    ) -> Fault:
        """Make the next `times` calls of `infno` fail with `kind` (see the module docstring)."""
        _validate(infno, kind, times, message, seconds)
        with self._store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO fault_rule (infno, kind, remaining, message, seconds) VALUES (?, ?, ?, ?, ?)",
                (infno, kind, times, message, None if seconds is None else repr(float(seconds))),
            )
            fault_id = cursor.lastrowid
        assert fault_id is not None
        return Fault(fault_id, infno, kind, times, message, None if seconds is None else float(seconds))

    def clear(self) -> int:
        """Remove every rule; returns how many there were."""
        with self._store.transaction() as connection:
            return connection.execute("DELETE FROM fault_rule").rowcount

    def list(self) -> list[Fault]:
        with self._store.joined() as connection:
            rows = connection.execute("SELECT * FROM fault_rule ORDER BY id").fetchall()
        return [_fault(row) for row in rows]

    def take(self, infno: str, state: CallState | None = None) -> Fault | None:
        """The rule that fires for this call of `infno`, counted down (and removed when used up).

        With the call's `state` (`Backend.call_state`), an infno found without a rule under the same state
        is answered without a query."""
        known = self._none_for
        if state is not None and known is not None and known[0] == state and infno in known[1]:
            return None
        with self._store.joined() as connection:
            row = connection.execute(
                "SELECT * FROM fault_rule WHERE infno = ? ORDER BY id LIMIT 1", (infno,)
            ).fetchone()
            if row is None:
                if state is not None:
                    if known is None or known[0] != state:
                        known = self._none_for = (state, set())
                    known[1].add(infno)
                return None
            if row["remaining"] <= 1:
                connection.execute("DELETE FROM fault_rule WHERE id = ?", (row["id"],))
            else:
                connection.execute(
                    "UPDATE fault_rule SET remaining = remaining - 1 WHERE id = ?", (row["id"],)
                )
        return _fault(row)


def _validate(infno: object, kind: object, times: object, message: object, seconds: object) -> None:
    if not isinstance(infno, str) or not 0 < len(infno) <= 10:
        raise FaultRuleError("infno must be a transaction number (1-10 characters)")
    if kind not in FAULT_KINDS:
        raise FaultRuleError(f"kind must be one of {', '.join(FAULT_KINDS)}")
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise FaultRuleError("times must be an integer >= 1")
    if message is not None and not isinstance(message, str):
        raise FaultRuleError("message must be a string")
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0
    ):
        raise FaultRuleError("seconds must be a number >= 0")
    if kind == "delay" and seconds is None:
        raise FaultRuleError("a delay needs seconds")


def _fault(row: Any) -> Fault:
    seconds = None if row["seconds"] is None else float(row["seconds"])
    return Fault(row["id"], row["infno"], row["kind"], row["remaining"], row["message"], seconds)

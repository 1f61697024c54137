"""Operator sign-in sessions (9001 签到 / 9002 签退, PROTOCOL.md §3.1, §6.1).

One session per (hospital, operator, day): signing in again the same day returns the same `sign_no`, on any
terminal (JX 5.7.1). 签退 invalidates the number for every terminal of the operator. A `sign_no` is valid only
on the China-time day it was issued, at the hospital that obtained it.
"""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from mock_platform._time import format_datetime, parse_datetime
from mock_platform.backend.callstate import CallState
from mock_platform.backend.store import Store, next_value


class SignInProblem(enum.Enum):
    """Why a sign_no cannot be used."""

    MISSING = "missing"
    UNKNOWN = "unknown"
    OTHER_HOSPITAL = "other_hospital"
    OTHER_OPERATOR = "other_operator"
    SIGNED_OUT = "signed_out"
    EXPIRED = "expired"


@dataclass(frozen=True)
class SignIn:
    sign_no: str
    fixmedins_code: str
    opter_no: str
    sign_date: date
    sign_time: datetime
    signed_out_at: datetime | None


class SignInError(Exception):
    def __init__(self, problem: SignInProblem, session: SignIn | None = None) -> None:
        self.problem = problem
        self.session = session
        super().__init__(problem.value)


class SignInBook:
    def __init__(self, store: Store) -> None:
        self._store = store
        # Sessions read under a call state, reused by a call under the same state (issue #18).
        self._sessions: dict[str, tuple[CallState, SignIn]] = {}

    def sign_in(self, *, fixmedins_code: str, opter_no: str, mac: str, ip: str, now: datetime) -> SignIn:
        """Open (or return today's open) session of an operator."""
        with self._store.transaction() as connection:
            row = connection.execute(
                "SELECT * FROM sign_in WHERE fixmedins_code = ? AND opter_no = ? AND sign_date = ?"
                " AND signed_out_at IS NULL ORDER BY sign_time LIMIT 1",
                (fixmedins_code, opter_no, now.date().isoformat()),
            ).fetchone()
            if row is not None:
                return _session(row)
            sign_no = f"{now:%Y%m%d%H%M%S}{next_value(connection, 'sign_no'):08d}"
            connection.execute(
                "INSERT INTO sign_in (sign_no, fixmedins_code, opter_no, sign_date, sign_time, mac, ip)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sign_no, fixmedins_code, opter_no, now.date().isoformat(), format_datetime(now), mac, ip),
            )
            return SignIn(
                sign_no, fixmedins_code, opter_no, now.date(), now.replace(microsecond=0, tzinfo=None), None
            )

    def sign_out(self, *, fixmedins_code: str, sign_no: str, opter_no: str, now: datetime) -> SignIn:
        """Close a session; raises `SignInError` when it is not an open session of this operator."""
        with self._store.joined() as connection:
            session = _find(connection, sign_no)
            problem = _problem(session, fixmedins_code, now.date(), check_day=False)
            if problem is None and session.opter_no != opter_no:
                problem = SignInProblem.OTHER_OPERATOR
            if problem is not None:
                raise SignInError(problem, session)
            connection.execute(
                "UPDATE sign_in SET signed_out_at = ? WHERE sign_no = ?", (format_datetime(now), sign_no)
            )
            return session

    def check(
        self, *, fixmedins_code: str, sign_no: str, today: date, state: CallState | None = None
    ) -> None:
        """Raise `SignInError` unless `sign_no` is an open session of this hospital issued today.

        With the call's `state` (`Backend.call_state`), a session read under the same state is not read again.
        """
        if not sign_no:
            raise SignInError(SignInProblem.MISSING)
        kept = self._sessions.get(sign_no)
        if kept is not None and state is not None and kept[0] == state:
            session = kept[1]
        else:
            with self._store.joined() as connection:
                session = _find(connection, sign_no)
            if state is not None:
                if len(self._sessions) >= _KEPT_SESSIONS:
                    self._sessions.clear()
                self._sessions[sign_no] = (state, session)
        problem = _problem(session, fixmedins_code, today, check_day=True)
        if problem is not None:
            raise SignInError(problem, session)


_KEPT_SESSIONS = 4096


def _problem(session: SignIn, fixmedins_code: str, today: date, *, check_day: bool) -> SignInProblem | None:
    if session.fixmedins_code != fixmedins_code:
        return SignInProblem.OTHER_HOSPITAL
    if session.signed_out_at is not None:
        return SignInProblem.SIGNED_OUT
    if check_day and session.sign_date != today:
        return SignInProblem.EXPIRED
    return None


def _find(connection: sqlite3.Connection, sign_no: str) -> SignIn:
    row = connection.execute("SELECT * FROM sign_in WHERE sign_no = ?", (sign_no,)).fetchone()
    if row is None:
        raise SignInError(SignInProblem.UNKNOWN)
    return _session(row)


def _session(row: sqlite3.Row) -> SignIn:
    return SignIn(
        sign_no=row["sign_no"],
        fixmedins_code=row["fixmedins_code"],
        opter_no=row["opter_no"],
        sign_date=date.fromisoformat(row["sign_date"]),
        sign_time=parse_datetime(row["sign_time"]),
        signed_out_at=None if row["signed_out_at"] is None else parse_datetime(row["signed_out_at"]),
    )

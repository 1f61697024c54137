"""Gateway nonces: each accepted once while its timestamp is inside the gateway's window (PROTOCOL.md §2.1).

A TIF signature covers timestamp, token and nonce but not the body, so captured headers would otherwise carry
any body for the whole 30-minute window. A nonce is kept until its timestamp leaves the window (after that the
timestamp check refuses it anyway), in the store, so a restarted file-backed mock still refuses a replay.

An HTTP client's automatic retry (urllib3's) resends the same bytes with the same headers, nonce included. A
profile that accepts such a retry (`lenient`) has the dispatcher keep each call's msgid, body digest and
answer with its nonce; a resend with the same nonce, msgid and body then gets that answer again (`first_use`),
anything else under a used nonce is still a replay.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from mock_platform.backend.store import Store

# Expired nonces are purged on every this-many-th use, not on every call (one DELETE per call is waste).
_PURGE_EVERY = 256


@dataclass(frozen=True)
class NonceUse:
    """What a nonce first came with (kept only while a profile accepted retries): msgid, the SHA-256 of the
    body, and the answer given (None when nothing was processed: a fault answered instead)."""

    msgid: str
    digest: str
    answer: bytes | None
    content_type: str | None


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class NonceBook:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._records = 0

    def seen(self, nonce: str, *, now: float) -> bool:
        """Whether `nonce` was used and has not expired (checked before the body is read)."""
        nonce = _key(nonce)
        with self._store.read() as connection:
            row = connection.execute(
                "SELECT 1 FROM gateway_nonce WHERE nonce = ? AND expires_at >= ?", (nonce, now)
            ).fetchone()
        return row is not None

    def record(
        self,
        nonce: str,
        *,
        expires_at: float,
        now: float,
        msgid: str | None = None,
        digest: str | None = None,
    ) -> bool:
        """Mark `nonce` used until `expires_at`; False when it already is (a concurrent twin).

        With `msgid` and `digest` (a profile accepts retries) it also remembers what the nonce came with."""
        self._records += 1
        nonce = _key(nonce)
        with self._store.joined() as connection:
            if self._records % _PURGE_EVERY == 0:
                connection.execute("DELETE FROM gateway_nonce WHERE expires_at < ?", (now,))
            # One statement: a new nonce is inserted, an expired one taken again (all of its row renewed, as a
            # new one), a live one left alone (no row changed, so refused).
            cursor = connection.execute(
                "INSERT INTO gateway_nonce (nonce, expires_at, msgid, digest) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at, msgid = excluded.msgid,"
                " digest = excluded.digest, answer = NULL, content_type = NULL"
                " WHERE gateway_nonce.expires_at < ?",
                (nonce, expires_at, msgid, digest, now),
            )
        return cursor.rowcount == 1

    def first_use(self, nonce: str, *, now: float) -> NonceUse | None:
        """What an unexpired nonce first came with; None when it was not kept (or is unknown)."""
        with self._store.joined() as connection:
            row = connection.execute(
                "SELECT msgid, digest, answer, content_type FROM gateway_nonce"
                " WHERE nonce = ? AND expires_at >= ? AND digest IS NOT NULL",
                (_key(nonce), now),
            ).fetchone()
        if row is None:
            return None
        answer = None if row["answer"] is None else bytes(row["answer"])
        return NonceUse(row["msgid"], row["digest"], answer, row["content_type"])

    def keep_answer(self, nonce: str, answer: bytes, content_type: str | None) -> None:
        """Remember the answer a recorded nonce got, in the call's transaction."""
        with self._store.joined() as connection:
            connection.execute(
                "UPDATE gateway_nonce SET answer = ?, content_type = ? WHERE nonce = ?",
                (answer, content_type, _key(nonce)),
            )


def _key(nonce: str) -> str:
    # A nonce is a GUID or shorter in every client seen (§2.1); a longer one is stored as its digest, so a
    # header of any length costs the same row.
    return nonce if len(nonce) <= 64 else "sha256:" + hashlib.sha256(nonce.encode()).hexdigest()

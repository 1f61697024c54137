"""Gateway nonces: each accepted once while its timestamp is inside the gateway's window (PROTOCOL.md §2.1).

A TIF signature covers timestamp, token and nonce but not the body, so captured headers would otherwise carry
any body for the whole 30-minute window. A nonce is kept until its timestamp leaves the window (after that the
timestamp check refuses it anyway), in the store, so a restarted file-backed mock still refuses a replay.
"""

from __future__ import annotations

import hashlib

from mock_platform.backend.store import Store

# Expired nonces are purged on every this-many-th use, not on every call (one DELETE per call is waste).
_PURGE_EVERY = 256


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

    def record(self, nonce: str, *, expires_at: float, now: float) -> bool:
        """Mark `nonce` used until `expires_at`; False when it already is (a concurrent twin)."""
        self._records += 1
        nonce = _key(nonce)
        with self._store.joined() as connection:
            if self._records % _PURGE_EVERY == 0:
                connection.execute("DELETE FROM gateway_nonce WHERE expires_at < ?", (now,))
            if connection.execute(
                "SELECT 1 FROM gateway_nonce WHERE nonce = ? AND expires_at >= ?", (nonce, now)
            ).fetchone():
                return False
            connection.execute(
                "INSERT OR REPLACE INTO gateway_nonce (nonce, expires_at) VALUES (?, ?)", (nonce, expires_at)
            )
        return True


def _key(nonce: str) -> str:
    # A nonce is a GUID or shorter in every client seen (§2.1); a longer one is stored as its digest, so a
    # header of any length costs the same row.
    return nonce if len(nonce) <= 64 else "sha256:" + hashlib.sha256(nonce.encode()).hexdigest()

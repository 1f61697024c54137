"""``open_journal``: the journal a setting names — a PostgreSQL URL, or a SQLite file (the default)."""

from __future__ import annotations

from .._errors import ConfigurationError
from ._journal import SqliteJournal
from ._journal_protocol import Journal

__all__ = ["is_postgres_url", "open_journal"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: str) -> bool:
    return target.startswith(_POSTGRES_SCHEMES)


def open_journal(target: str, *, lock_wait: float = 30.0, key: bytes | None = None) -> Journal:
    """``postgresql://…`` opens the hospital's shared PostgreSQL journal; anything else is a SQLite path.

    ``lock_wait``: how long a desk waits for another desk to finish with the same patient;
    ``key``: the host's journal key, which seals each batch's credential (``_journal_seal``).
    """
    if is_postgres_url(target):
        try:
            from ._journal_postgres import PostgresJournal
        except ImportError as missing:
            raise ConfigurationError(
                f"a PostgreSQL journal needs psycopg ({missing.name} is missing):"
                " pip install 'opsp-adapter[postgres]'"
            ) from missing
        return PostgresJournal(target, lock_wait=lock_wait, key=key)
    journal = SqliteJournal(target, key=key)
    journal.lock_wait = lock_wait
    return journal

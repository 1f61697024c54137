"""``journal_factory``: every journal implementation, so one test checks them all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from adapter.execution import Journal, SqliteJournal

JournalFactory = Callable[[], Journal]
"""Opens the test's journal (again): a second call is another desk, or the same desk after a restart."""


@pytest.fixture(params=["sqlite", "postgres"])
def journal_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JournalFactory]:
    opened: list[Journal] = []
    if request.param == "sqlite":
        path = tmp_path / "journal.sqlite3"

        def open_sqlite() -> Journal:
            opened.append(SqliteJournal(path))
            return opened[-1]

        factory: JournalFactory = open_sqlite
    else:
        from adapter.execution._journal_postgres import PostgresJournal

        url: str = request.getfixturevalue("postgres_url")

        def open_postgres() -> Journal:
            opened.append(PostgresJournal(url, pool_size=4, lock_wait=5))
            return opened[-1]

        factory = open_postgres
    yield factory
    for journal in opened:
        with suppress(Exception):  # a test may have closed it already
            journal.close()

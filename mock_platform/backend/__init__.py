"""The platform's state and rules: no HTTP, no JSON.

`Backend` ties the store (SQLite), the validated data files and the clock together and exposes one object
per concern: `people` (persons, filings), `sign_ins` (9001/9002 sessions), `traffic` (the journal of
requests). Rules that need no state (2001 eligibility) live in `eligibility` as pure functions. New concerns
(visits, fee details, settlements, accumulators, fault rules) are added as further attributes and schema
migrations.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mock_platform._time import Clock, read_clock
from mock_platform.backend.people import PersonRegistry, seed_people
from mock_platform.backend.signin import SignInBook
from mock_platform.backend.store import Store, next_value
from mock_platform.backend.traffic import TrafficJournal
from mock_platform.config.loader import MockConfig


class Backend:
    """State and rules of the mock platform."""

    def __init__(self, *, store: Store, config: MockConfig, clock: Clock) -> None:
        self.store = store
        self.config = config
        self._clock = clock
        self.people = PersonRegistry(store)
        self.sign_ins = SignInBook(store)
        self.traffic = TrafficJournal(store)

    @classmethod
    def open(cls, *, db_path: str | Path | None, config: MockConfig, clock: Clock) -> Backend:
        """Open the store and seed it from the data files unless it was seeded before.

        The seed marker is checked inside the seeding transaction, so a crash between creating the schema and
        seeding it is repaired on the next open; a seeded store is never re-seeded (restarts keep state).
        """
        backend = cls(store=Store.open(db_path), config=config, clock=clock)
        backend._seed_once()
        return backend

    def now(self) -> datetime:
        """The platform's current time, China time."""
        return read_clock(self._clock)

    def next_serial(self, name: str) -> int:
        with self.store.transaction() as connection:
            return next_value(connection, name)

    def close(self) -> None:
        self.store.close()

    def _seed_once(self) -> None:
        with self.store.transaction() as connection:
            if connection.execute("SELECT 1 FROM meta WHERE key = 'seeded_at'").fetchone() is not None:
                return
            seed_people(connection, self.config.people)
            connection.execute(
                "INSERT INTO meta (key, value) VALUES ('seeded_at', ?), ('seed', 'config/demo/people.toml')",
                (self.now().isoformat(),),
            )

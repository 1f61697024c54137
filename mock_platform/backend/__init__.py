"""The platform's state and rules: no HTTP, no JSON.

`Backend` ties the store (SQLite), the validated data files and the clock together and exposes one object
per concern:

* `reference`: data files merged with seeded records (hospitals, policies, coverage, payment scope, 目录对照);
* `people`: persons, insurance, filings (1101, 5301);
* `filings`: filings hospitals make (2503/2504) and their approval;
* `sign_ins`: 9001/9002 sessions;
* `visits`: 2201/2202/2203;
* `fees`: 2204/2205 fee details with their split;
* `settlements`: 2207/2208 (commits, refunds, reinstatements, ordering);
* `corrections`: 2601 冲正 (decides what to undo, records each request);
* `messages`: processed msgids (idempotency);
* `ownpay`: self-pay visits uploaded for manual claims (4205/4203);
* `files`: the 9101/9102 file store (uploads, result files, published files);
* `catalogue`: the published 医保目录, versioned (1312/1319/1320; publications through `/_mock/catalogue`);
* `statements`: 3201/3202 reconciliation, and the faults that make the two sides differ;
* `faults`: fault rules;
* `nonces`: gateway nonces already used (replay refusal);
* `traffic`: the journal of requests.

Pure rules live beside them: `eligibility` (2001 and settlement checks), `coverage` (region catalogue),
`fee_split` (就医地 split), `benefits` (参保地 calculation), `accumulators` (the 5206 ledger).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from mock_platform._time import Clock, read_clock
from mock_platform.backend.callstate import CallState
from mock_platform.backend.catalogue import CatalogueBook, Publication
from mock_platform.backend.faults import FaultBook
from mock_platform.backend.fees import FeeBook
from mock_platform.backend.files import FileStore
from mock_platform.backend.filings import FilingDesk
from mock_platform.backend.messages import MessageBook
from mock_platform.backend.nonces import NonceBook
from mock_platform.backend.ownpay import OwnPayBook
from mock_platform.backend.people import PersonRegistry, seed_people
from mock_platform.backend.reference import ReferenceData, build_reference
from mock_platform.backend.reversals import CorrectionDesk
from mock_platform.backend.seeding import apply_seed, load_seeds
from mock_platform.backend.settlements import SettlementBook
from mock_platform.backend.settling import ComputedMemo
from mock_platform.backend.signin import SignInBook
from mock_platform.backend.statements import StatementDesk
from mock_platform.backend.store import Store, next_value
from mock_platform.backend.traffic import TrafficJournal
from mock_platform.backend.visits import VisitBook
from mock_platform.config.loader import MockConfig
from mock_platform.config.seed import parse_seed

SERIAL_BLOCK = 64


class Backend:
    """State and rules of the mock platform."""

    def __init__(self, *, store: Store, config: MockConfig, clock: Clock) -> None:
        self.store = store
        self.config = config
        self._clock = clock
        self._serials: dict[str, list[int]] = {}  # name -> [next value, last reserved, store.rollbacks then]
        self.people = PersonRegistry(store)
        self.filings = FilingDesk(store)
        self.sign_ins = SignInBook(store)
        self.traffic = TrafficJournal(store)
        self.visits = VisitBook(store)
        self.fees = FeeBook(store)
        self.settlements = SettlementBook(store)
        self.settlement_memo = ComputedMemo()  # the last settlement 2206/2207 computed (`settling`)
        self.corrections = CorrectionDesk(store, self.settlements, self.visits)
        self.messages = MessageBook(store)
        self.faults = FaultBook(store)
        self.nonces = NonceBook(store)
        self.files = FileStore(store)
        self.ownpay = OwnPayBook(store)
        self.statements = StatementDesk(store, self.settlements, self.visits)
        self.catalogue = CatalogueBook(lambda: self.reference, store.joined)
        with store.transaction() as connection:
            reference = build_reference(config, load_seeds(connection))
        self.reference: ReferenceData = replace(reference, published=self.catalogue.overlay())

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

    def call_state(self) -> CallState:
        """What the sign-in sessions and fault rules are now, for `sign_ins.check` and `faults.take` to reuse
        what they read under the same state (call inside the call's transaction; see `CallState`)."""
        with self.store.joined() as connection:
            row = connection.execute("SELECT version FROM call_state WHERE id = 1").fetchone()
        return CallState(0 if row is None else int(row[0]), self.store.rollbacks)

    def next_serial(self, name: str) -> int:
        """The next value of a serial every call takes (inf_refmsgid), reserved `SERIAL_BLOCK` at a time.

        A reservation commits with the call that makes it, so values stay unique across restarts (the rest
        of a block is skipped, a gap); one that a rollback undid is dropped, since its values may be handed
        out again. One statement per block instead of one per call (issue #18).
        """
        with self.store.joined() as connection:
            block = self._serials.get(name)
            if block is None or block[0] > block[1] or block[2] != self.store.rollbacks:
                last = next_value(connection, name, SERIAL_BLOCK)
                block = [last - SERIAL_BLOCK + 1, last, self.store.rollbacks]
                self._serials[name] = block
            block[0] += 1
            return block[0] - 1

    def seed(self, document: Any) -> dict[str, int]:
        """Validate and store a seed document (see `config.seed`); raises `SeedError`, storing nothing."""
        parsed = parse_seed(document)
        reference, counts = apply_seed(self.store, self.config, parsed)
        self.reference = replace(reference, published=self.catalogue.overlay())
        return counts

    def publish_catalogue(self, changes: Any, *, note: str = "") -> Publication:
        """Publish the next catalogue version (`backend.catalogue`); the platform settles with it from now on.

        Raises `RequestError` naming the bad change; nothing is stored then."""
        with self.store.transaction() as connection:
            publication = self.catalogue.publish(connection, changes, note=note, now=self.now())
        # Only the overlay changes: the files and seeds, and what was checked across them, stay as they were.
        self.reference = replace(self.reference, published=self.catalogue.overlay())
        return publication

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

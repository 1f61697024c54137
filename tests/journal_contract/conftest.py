"""``journal_factory``: one fresh store per test, for every implementation in ``FACTORIES``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.execution import Journal

from ._implementations import FACTORIES, SERVER_FACTORIES, JournalFactory


@pytest.fixture(params=sorted(FACTORIES) + sorted(SERVER_FACTORIES))
def journal_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JournalFactory]:
    if request.param in SERVER_FACTORIES:
        factory = SERVER_FACTORIES[request.param](request.getfixturevalue("postgres_url"))
    else:
        factory = FACTORIES[request.param](tmp_path)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def journal(journal_factory: JournalFactory) -> Iterator[Journal]:
    opened = journal_factory.open()
    try:
        yield opened
    finally:
        opened.close()

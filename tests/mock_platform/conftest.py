"""Fixtures: a mock platform on a pinned clock, reached through its in-process transport."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from mock_platform import MockPlatform
from mock_platform.config import MockConfig, load_config
from tests.mock_platform.helpers import HOHHOT, NOW, Caller


class MutableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(NOW)


@pytest.fixture(scope="session")
def demo_config() -> MockConfig:
    """The demo data files, parsed once for the whole session (they are immutable)."""
    return load_config(Path(__file__).resolve().parents[2] / "config")


@pytest.fixture
def platform(clock: MutableClock, demo_config: MockConfig) -> Iterator[MockPlatform]:
    with MockPlatform(clock=clock, config=demo_config) as mock:
        yield mock


@pytest.fixture
def client(platform: MockPlatform) -> Iterator[httpx.Client]:
    with httpx.Client(transport=platform.transport(), base_url="http://mock.local") as http:
        yield http


@pytest.fixture
def caller(client: httpx.Client, clock: MutableClock) -> Caller:
    return Caller(client, clock=clock)


@pytest.fixture
def signed_in(caller: Caller) -> Caller:
    caller.sign_in()
    return caller


@pytest.fixture
def hohhot(client: httpx.Client, clock: MutableClock) -> Caller:
    """A signed-in caller for the Hohhot demo hospital (二级, Inner Mongolia catalogue)."""
    caller = Caller(client, HOHHOT, clock=clock)
    caller.sign_in()
    return caller

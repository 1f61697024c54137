"""Suite-wide fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from mock_platform import codec
from tests import postgres


@pytest.fixture(autouse=True)
def _structlog_defaults() -> Iterator[None]:
    """Undo any structlog configuration a test made (the CLI configures logging as a host does)."""
    yield
    structlog.reset_defaults()


@pytest.fixture(autouse=True)
def _opsp_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's embedded platform state and default journals in a fresh directory, never ~/.local."""
    monkeypatch.setenv("OPSP_DATA_DIR", str(tmp_path_factory.mktemp("opsp-data")))


@pytest.fixture(autouse=True)
def _answers_as_the_codec_writes_them(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every answer the mock writes in this process (msgspec's `codec.encode_answer`) held to the bytes of
    the general writer, `codec.encode`, which refuses what an answer must not hold (a float, a set...): a
    differential test over every answer the suite's calls produce, refusals and replays included."""
    fast = codec.encode_answer
    differences: list[str] = []

    def checked(value: Any) -> bytes:
        encoded = fast(value)
        try:
            expected = codec.encode(value)
        except codec.CodecError as refused:
            differences.append(f"encode refuses {value!r}: {refused}")
        else:
            if encoded != expected:
                differences.append(f"{encoded!r} != {expected!r}")
        return encoded

    monkeypatch.setattr(codec, "encode_answer", checked)
    yield
    assert not differences, differences[:3]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """The URL of a database created for this test run, dropped at its end (tests/postgres.py)."""
    try:
        import psycopg
    except ImportError as missing:
        postgres.unavailable(f"psycopg is not installed ({missing})")
    name = postgres.new_name("opsp_test")
    try:
        with psycopg.connect(postgres.ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        postgres.unavailable(str(error).strip().splitlines()[0])
    try:
        yield postgres.url_of_database(name)
    finally:
        with psycopg.connect(postgres.ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """A URL whose connections use a fresh schema of this run's database: one clean journal per test."""
    import psycopg

    schema = postgres.new_name("t")
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return postgres.schema_url(postgres_database, schema)

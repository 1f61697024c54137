"""A PostgreSQL database of its own for each test run (shared by every test that needs a server).

The server is the one this project's machines run at 127.0.0.1:5432 (user ``postgres``,
trust auth, database ``test``); ``OPSP_TEST_POSTGRES`` names another. Each run creates a
database with a unique name and drops it at the end, so runs never collide; each test then
takes a schema of its own in it (``schema_url``). Without a server the tests that need one
skip with a reason saying how to enable them — except in CI (env ``CI`` set), where they
fail: a CI run that cannot test the PostgreSQL journal must not pass.
"""

from __future__ import annotations

import base64
import os
import uuid
from typing import NoReturn
from urllib.parse import quote

import pytest

ADMIN_URL = os.environ.get("OPSP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
HOW_TO_ENABLE = (
    "start PostgreSQL at 127.0.0.1:5432 (user postgres, trust, database test) — on Debian:"
    " pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start — or set"
    " OPSP_TEST_POSTGRES to a server URL; pip install -e '.[test]' brings psycopg"
)


JOURNAL_KEY = bytes(range(32))
"""The key every desk of a test shares (a hospital gives all its desks one key: ``opsp journal keygen``)."""
JOURNAL_KEY_ENV = {"OPSP_JOURNAL_KEY": base64.b64encode(JOURNAL_KEY).decode("ascii")}
"""… as an ``opsp`` process reads it from its environment."""


def unavailable(reason: str) -> NoReturn:
    """Fail in CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available ({reason}): {HOW_TO_ENABLE}")


def url_of_database(name: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def schema_url(database_url: str, schema: str) -> str:
    """The URL whose connections put ``schema`` first on their search path."""
    return f"{database_url}?options={quote(f'-csearch_path={schema}')}"


def new_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"

"""`insert_rows`: many rows in one statement, as `executemany` would write them one by one (issue #18)."""

from __future__ import annotations

import sqlite3

from mock_platform.backend.rows import MAX_PARAMETERS, insert_rows


def _connection(traced: list[str]) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, v INTEGER NOT NULL)")
    connection.set_trace_callback(traced.append)
    return connection


def test_rows_are_written_in_order_in_as_few_statements_as_the_parameter_limit_allows() -> None:
    traced: list[str] = []
    connection = _connection(traced)
    rows = [(f"k{n:04d}", n) for n in range(1000)]
    insert_rows(connection, "INSERT INTO t (k, v)", rows)
    per_statement = MAX_PARAMETERS // 2
    assert len(traced) == -(-len(rows) // per_statement) == 3
    assert connection.execute("SELECT k, v FROM t ORDER BY id").fetchall() == rows


def test_a_conflict_clause_applies_to_each_row_in_turn() -> None:
    traced: list[str] = []
    connection = _connection(traced)
    insert_rows(connection, "INSERT INTO t (k, v)", [("a", 1)])
    upsert = "ON CONFLICT (k) DO UPDATE SET v = v + excluded.v"
    insert_rows(connection, "INSERT INTO t (k, v)", [("a", 10), ("b", 2), ("b", 20)], upsert)
    assert len(traced) == 2
    assert connection.execute("SELECT k, v FROM t ORDER BY id").fetchall() == [("a", 11), ("b", 22)]


def test_no_rows_no_statement() -> None:
    traced: list[str] = []
    connection = _connection(traced)
    insert_rows(connection, "INSERT INTO t (k, v)", [])
    assert traced == []

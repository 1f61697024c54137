"""Several rows written by one statement: ``INSERT ... VALUES (...), (...), ...``.

`executemany` runs its statement once per row: a 2207 inserted its settlement lines, ledger entries and
running totals one statement each (issue #18). One multi-row INSERT does the same rows in the same order,
with the same conflict clause applied to each row in turn (an upsert of a key earlier in the same statement
sees that row), and the same triggers firing once per row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

# SQLite below 3.32 allows 999 bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER); longer lists
# of rows are written in chunks under it.
MAX_PARAMETERS = 999


def insert_rows(
    connection: sqlite3.Connection,
    insert: str,
    rows: Sequence[Sequence[object]],
    conflict: str = "",
) -> None:
    """Run ``{insert} VALUES (?, ...), ... {conflict}`` for `rows` (all of one width), in as few statements
    as the parameter limit allows; nothing for no rows."""
    if not rows:
        return
    width = len(rows[0])
    group = f"({', '.join('?' for _ in range(width))})"
    per_statement = max(1, MAX_PARAMETERS // width)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values = ", ".join(group for _ in chunk)
        sql = f"{insert} VALUES {values}{' ' + conflict if conflict else ''}"
        connection.execute(sql, [value for row in chunk for value in row])

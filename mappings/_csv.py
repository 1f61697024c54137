"""Reading the package's CSV data files, with errors that name file, line and field.

Format shared by every data file (documented for other readers in ``data/README.md``):

* UTF-8 (a byte-order mark is tolerated: hospitals export from spreadsheets), comma-separated;
* optional ``#`` comment lines at the top carry file-level provenance;
* one header row naming exactly the expected columns (in any order);
* every row has exactly as many cells as the header, and a non-empty ``provenance`` cell;
* cells are stripped of surrounding whitespace; an empty cell means "absent";
* list cells separate their items with ``;``.

The readers here only split and locate; each table module turns a :class:`Record` into a typed row with
the field helpers, which re-raise any parse failure as :class:`DataFileError`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, Inexact
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from mappings.errors import DataFileError, MalformedCodeError

T = TypeVar("T")
K = TypeVar("K")

PROVENANCE = "provenance"
_DECIMAL = re.compile(r"[0-9]+(?:\.([0-9]+))?", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# Quantizing must never round: the file's value is kept exactly, or the row is rejected.
_EXACT = Context(prec=34, traps=[Inexact])


@dataclass(frozen=True, slots=True)
class Record:
    """One data row: where it is, and its cells by column name."""

    path: Path
    line: int
    cells: Mapping[str, str]

    def error(self, field: str | None, reason: str) -> DataFileError:
        return DataFileError(self.path, line=self.line, field=field, reason=reason)

    def text(self, field: str) -> str:
        """A required cell."""
        value = self.cells[field]
        if not value:
            raise self.error(field, "empty")
        return value

    def optional_text(self, field: str) -> str | None:
        return self.cells[field] or None

    def parsed(self, field: str, parse: Callable[[str], T]) -> T:
        """A required cell run through ``parse``; its failures become :class:`DataFileError`."""
        value = self.text(field)
        try:
            return parse(value)
        except (MalformedCodeError, ValueError) as exc:
            raise self.error(field, str(exc) or f"invalid value {value!r}") from exc

    def optional(self, field: str, parse: Callable[[str], T]) -> T | None:
        return self.parsed(field, parse) if self.cells[field] else None

    def items(self, field: str, parse: Callable[[str], T]) -> tuple[T, ...]:
        """A ``;``-separated list (possibly empty); items are parsed and must be unique."""
        raw = self.cells[field]
        if not raw:
            return ()
        values = tuple(self._parse_item(field, part.strip(), parse) for part in raw.split(";"))
        if len(set(values)) != len(values):
            raise self.error(field, "duplicate item in list")
        return values

    def _parse_item(self, field: str, part: str, parse: Callable[[str], T]) -> T:
        if not part:
            raise self.error(field, "empty item in list")
        try:
            return parse(part)
        except (MalformedCodeError, ValueError) as exc:
            raise self.error(field, str(exc)) from exc

    def choice(self, field: str, choices: Mapping[str, T]) -> T:
        value = self.text(field)
        if value not in choices:
            raise self.error(field, f"{value!r} is not one of {', '.join(choices)}")
        return choices[value]

    def integer(self, field: str) -> int:
        value = self.text(field)
        if not value.isascii() or not value.isdigit():
            raise self.error(field, f"{value!r} is not a non-negative integer")
        return int(value)

    def decimal(self, field: str, *, places: int, maximum: Decimal | None = None) -> Decimal | None:
        """A non-negative decimal with at most ``places`` decimals, kept at exactly ``places``."""
        value = self.cells[field]
        if not value:
            return None
        match = _DECIMAL.fullmatch(value)
        if match is None:
            raise self.error(field, f"{value!r} is not a non-negative decimal")
        if match.group(1) is not None and len(match.group(1)) > places:
            raise self.error(field, f"{value!r} has more than {places} decimal places")
        number = Decimal(value).quantize(Decimal(1).scaleb(-places), context=_EXACT)
        if maximum is not None and number > maximum:
            raise self.error(field, f"{value!r} is above {maximum}")
        return number

    def date(self, field: str) -> date | None:
        value = self.cells[field]
        if not value:
            return None
        try:
            if _DATE.fullmatch(value) is None:
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError as exc:
            raise self.error(field, f"{value!r} is not a date YYYY-MM-DD") from exc


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A parsed file: its file-level provenance comments and its records."""

    path: Path
    comments: tuple[str, ...]
    records: tuple[Record, ...]


def read_table(path: Path, columns: Sequence[str]) -> CsvTable:
    """Read ``path``, check the header against ``columns`` and every row's shape and provenance."""
    text = _read_text(path)
    lines = text.splitlines(keepends=True)
    comments: list[str] = []
    first = 0
    while first < len(lines) and (not lines[first].strip() or lines[first].lstrip().startswith("#")):
        if lines[first].strip():
            comments.append(lines[first].strip().lstrip("#").strip())
        first += 1
    reader = csv.reader(io.StringIO("".join(lines[first:]), newline=""))
    header = next(reader, None)
    if header is None:
        raise DataFileError(path, line=None, field=None, reason="no header row")
    names = _check_header(path, first + 1, [cell.strip() for cell in header], columns)
    records: list[Record] = []
    for row in reader:
        # line_num counts the physical lines consumed so far (a quoted cell may span lines): the line
        # reported is the record's last physical line, offset by the comment lines skipped above.
        record = _record(path, first + reader.line_num, row, names)
        if record is not None:
            records.append(record)
    return CsvTable(path, tuple(comments), tuple(records))


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, line=None, field=None, reason=f"cannot read: {exc.strerror}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataFileError(path, line=line, field=None, reason="not valid UTF-8") from exc


def _check_header(path: Path, line: int, header: list[str], columns: Sequence[str]) -> tuple[str, ...]:
    for name in columns:
        if name not in header:
            raise DataFileError(path, line=line, field=name, reason="missing column in header")
    for name in header:
        if name not in columns:
            raise DataFileError(path, line=line, field=name or "(empty)", reason="unexpected column")
    if len(set(header)) != len(header):
        raise DataFileError(path, line=line, field=None, reason="duplicate column in header")
    return tuple(header)


def _record(path: Path, line: int, row: list[str], names: tuple[str, ...]) -> Record | None:
    if not row or all(not cell.strip() for cell in row):
        return None
    if len(row) != len(names):
        field = names[len(row)] if len(row) < len(names) else f"column {len(names) + 1}"
        raise DataFileError(path, line=line, field=field, reason=f"{len(row)} cells, expected {len(names)}")
    cells = MappingProxyType({name: cell.strip() for name, cell in zip(names, row, strict=True)})
    record = Record(path, line, cells)
    if not cells[PROVENANCE]:
        raise record.error(PROVENANCE, "provenance is required on every row")
    return record


def check_unique(keyed: Iterable[tuple[K, Record]], field: str) -> None:
    """Reject a key seen twice, naming the second row and the first one's line."""
    seen: dict[K, int] = {}
    for key, record in keyed:
        if key in seen:
            raise record.error(field, f"duplicate key {key!r} (first on line {seen[key]})")
        seen[key] = record.line


def frozen_mapping(items: Iterable[tuple[K, T]]) -> Mapping[K, T]:
    """A read-only view over a fresh dict: tables are immutable once loaded."""
    return MappingProxyType(dict(items))

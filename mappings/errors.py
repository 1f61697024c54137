"""The errors of the mappings package.

The tree (the adapter wraps these into its own ``AdapterError`` tree; STYLE.md §3)::

    LookupError
    └── MappingError                      a code could not be mapped
        ├── UnknownCodeError              well-formed, but absent from a table (carries code and table)
        └── MalformedCodeError(ValueError)  not a valid code of its system (carries code and system)
    ValueError
    └── DataFileError                     a data file is malformed (carries path, line, field, reason)

``str(err)`` is short and names the code, or the file, line and field. Codes are not personal data, so
they may appear in messages.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DataFileError", "MalformedCodeError", "MappingError", "UnknownCodeError"]


class MappingError(LookupError):
    """Base class: a code could not be mapped."""


class UnknownCodeError(MappingError):
    """A well-formed code that the named table does not contain."""

    def __init__(self, code: str, *, table: str) -> None:
        self.code = code
        self.table = table
        super().__init__(f"unknown code {code!r} in {table}")


class MalformedCodeError(MappingError, ValueError):
    """A string that is not a valid code of the named code system."""

    def __init__(self, code: str, *, system: str) -> None:
        self.code = code
        self.system = system
        super().__init__(f"malformed {system} code {code!r}")


class DataFileError(ValueError):
    """A data file that fails validation; raised at load time, never in the middle of a settlement.

    ``line`` is the physical line number in the file (1-based, comment lines included); it is ``None``
    for problems with the file as a whole. ``field`` is the column name, or ``None``.
    """

    def __init__(self, path: Path, *, line: int | None, field: str | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason
        where = path.name if line is None else f"{path.name}, line {line}"
        what = reason if field is None else f"field {field!r}: {reason}"
        super().__init__(f"{where}: {what}")

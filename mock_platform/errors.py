"""The mock platform's exceptions.

::

    MockPlatformError
     ├── ConfigError(ValueError)   a data file is malformed: names the file, the field and the line if known
     ├── SeedError(ValueError)     a seed document (MockPlatform.seed, POST /_mock/seed) is invalid: names
     │                             the field; nothing of it is stored
     ├── RequestError              a request the platform refuses; answered as infcode -1 with `err_msg`
     └── GatewayAuthError          the front gateway refuses the call; answered in the gateway's own shape
                                   {"code": 401, "message": ...} (PROTOCOL.md §1.5), outside the envelope

Messages never contain personal data (names, certificate or card numbers, tokens): they end up in logs and
in the traffic journal.
"""

from __future__ import annotations


class MockPlatformError(Exception):
    """Base of every error the mock platform raises on purpose."""


class ConfigError(MockPlatformError, ValueError):
    """A data file (platform, hospitals, people, policy) failed to load or validate."""

    def __init__(self, file: str, message: str, *, field: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.field = field
        self.line = line
        self.detail = message
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


class SeedError(MockPlatformError, ValueError):
    """A seed document failed validation; nothing of it was stored."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.detail = message
        super().__init__(f"{field}: {message}")


class RequestError(MockPlatformError):
    """A refused transaction; `err_msg` is the platform's Chinese error text sent back to the hospital."""

    def __init__(self, err_msg: str) -> None:
        self.err_msg = err_msg
        super().__init__(err_msg)


class GatewayAuthError(MockPlatformError):
    """The gateway's authentication failed; `message` is one of the texts of PROTOCOL.md §1.5."""

    def __init__(self, message: str, *, reason: str, header: str | None = None) -> None:
        self.message = message
        self.reason = reason  # short English tag for logs and the journal
        self.header = header  # the header at fault, named in the answer (the gateway's texts do not)
        super().__init__(message)

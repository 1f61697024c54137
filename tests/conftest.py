"""Suite-wide fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def _structlog_defaults() -> Iterator[None]:
    """Undo any structlog configuration a test made (the CLI configures logging as a host does)."""
    yield
    structlog.reset_defaults()


@pytest.fixture(autouse=True)
def _opsp_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's embedded platform state and default journals in a fresh directory, never ~/.local."""
    monkeypatch.setenv("OPSP_DATA_DIR", str(tmp_path_factory.mktemp("opsp-data")))

"""HTML to PDF with headless Chromium (Debian's ``chromium`` package), the same engine that prints it.

Chromium runs with a throw-away profile and everything that would reach the network switched
off; the page is a local file. ``OPSP_CHROMIUM`` names another binary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .._errors import ConfigurationError

__all__ = ["chromium_path", "html_to_pdf"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str:
    """The Chromium binary to print with; ``ConfigurationError`` naming the package when absent."""
    override = os.environ.get("OPSP_CHROMIUM")
    if override:
        return override
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ConfigurationError("printing a PDF needs Chromium: apt-get install chromium (or set OPSP_CHROMIUM)")


def html_to_pdf(html: str, target: str | Path, *, timeout: float = 60.0) -> Path:
    """Print ``html`` to the PDF file ``target`` (A4, the page's own print styles)."""
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="opsp-receipt-") as work:
        page = Path(work) / "receipt.html"
        page.write_text(html, encoding="utf-8")
        command = [
            chromium_path(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={Path(work) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        try:
            finished = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ConfigurationError(f"Chromium could not print the receipt: {error}") from error
    if finished.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        tail = finished.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise ConfigurationError(f"Chromium could not print the receipt: {' / '.join(tail)}")
    return target

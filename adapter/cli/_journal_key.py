"""Which key the CLI opens a journal with: the host's, or (embedded demo only) the demo's own.

The host supplies the key in ``OPSP_JOURNAL_KEY`` (base64 of 32 random bytes, from ``opsp
journal keygen``) or the file ``OPSP_JOURNAL_KEY_FILE`` names. Without one, a journal used with
a real platform refuses to store a credential; the embedded demo, whose people are synthetic,
makes its own key beside its journal (``PATH.key``, readable by its owner only).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..execution._journal_seal import key_from_environment, new_key, parse_key

__all__ = ["journal_key"]


def journal_key(path: Path, *, demo: bool) -> bytes | None:
    key = key_from_environment(os.environ)
    if key is None and demo:
        return _demo_key(Path(f"{path}.key"))
    return key


def _demo_key(path: Path) -> bytes | None:
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return parse_key(path.read_text(encoding="ascii"), source=str(path))
    except OSError:
        return None  # the journal's own open names the unusable path
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(new_key() + "\n")
    return parse_key(path.read_text(encoding="ascii"), source=str(path))

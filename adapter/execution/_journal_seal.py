"""Personal data at rest: a batch's credential and 异地 fields are sealed with AES-256-GCM.

What the journal keeps of a person, and why (issue #10 item 11):

* ``psn_no`` (the platform's person number, pseudonymous) — every later call names it;
* the credential (``mdtrt_cert_type``/``mdtrt_cert_no``/``card_sn``: an ID number, card
  number or 电子凭证 token) — a re-settlement after a refund (2206/2207) and the replay of
  a lost 2201 must send it again;
* the 异地 fields (``certno``, ``psn_name`` …) — sent again on 2201/2206/2207 for a patient
  insured elsewhere;
* receipts keep only the masked name. Call outcomes keep the settlement's amounts, never
  the name, certno or birthday the platform echoes.

The credential and the 异地 fields are **sealed**: AES-256-GCM (``cryptography``, the
Python Cryptographic Authority's package, a vetted AEAD instead of home-made crypto)
with a key the host supplies, a random 96-bit nonce per value, and the batch's identity
as associated data, so a sealed value moved to another row does not open. Without a key
a file journal refuses to store them, unless the host opts in to clear storage
(``clear_personal_data=True``: an in-memory journal, the demo's synthetic people).
``opsp journal purge`` deletes finished batches once the refund window has passed.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .._errors import ConfigurationError

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "SEALED_PREFIX",
    "Sealer",
    "key_from_environment",
    "new_key",
    "parse_key",
]

KEY_ENV = "OPSP_JOURNAL_KEY"
"""The environment variable the CLI reads the journal key from (base64 of 32 random bytes)."""
KEY_FILE_ENV = "OPSP_JOURNAL_KEY_FILE"
"""… or the file it reads it from."""
SEALED_PREFIX = _PREFIX = "aesgcm1:"
"""How a sealed value starts (anything else was kept in clear)."""
_NONCE = 12


def new_key() -> str:
    """A fresh key, as ``OPSP_JOURNAL_KEY`` expects it (``opsp journal keygen``)."""
    return base64.b64encode(os.urandom(32)).decode("ascii")


def parse_key(text: str, *, source: str = KEY_ENV) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ConfigurationError(
            f"{source}: the journal key must be 32 random bytes in base64 (44 characters);"
            " make one with `opsp journal keygen`"
        )
    return key


def key_from_environment(environ: Mapping[str, str]) -> bytes | None:
    """The key a host configured: ``OPSP_JOURNAL_KEY``, or the file ``OPSP_JOURNAL_KEY_FILE`` names."""
    if environ.get(KEY_ENV):
        return parse_key(environ[KEY_ENV])
    if environ.get(KEY_FILE_ENV):
        path = Path(environ[KEY_FILE_ENV])
        try:
            text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"{KEY_FILE_ENV}: cannot read {path} ({error})") from error
        return parse_key(text, source=str(path))
    return None


@dataclass(frozen=True)
class Sealer:
    """Seals personal fields for storage, or (only when allowed) keeps them in clear."""

    key: bytes | None = None
    clear_allowed: bool = False
    where: str = "journal"

    def seal(self, text: str, *, context: str) -> str:
        if self.key is None:
            if not self.clear_allowed:
                raise ConfigurationError(
                    f"{self.where}: refusing to store a patient's credential in clear. 请设置结算记录加密密钥"
                    f" {KEY_ENV}（用 opsp journal keygen 生成并妥善保管），或在演示环境中明确允许明文保存"
                )
            return text
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.key).encrypt(nonce, text.encode("utf-8"), context.encode("utf-8"))
        return _PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, stored: str, *, context: str) -> str:
        if not stored.startswith(_PREFIX):
            return stored  # kept in clear (opt-in, or written before sealing existed)
        if self.key is None:
            raise ConfigurationError(
                f"{self.where}: its personal data is encrypted: set {KEY_ENV} to the key it was written with"
            )
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        raw = base64.b64decode(stored[len(_PREFIX) :])
        try:
            return (
                AESGCM(self.key).decrypt(raw[:_NONCE], raw[_NONCE:], context.encode("utf-8")).decode("utf-8")
            )
        except InvalidTag as error:
            raise ConfigurationError(
                f"{self.where}: its personal data does not open with this key ({KEY_ENV} is not the key"
                " it was written with, or the row was altered)"
            ) from error

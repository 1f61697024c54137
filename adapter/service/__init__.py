"""``opsp serve``: the adapter as a local HTTP/JSON service, for a HIS written in any language.

Needs the ``serve`` extra (FastAPI): ``pip install 'opsp-adapter[serve]'``. Nothing outside this
package imports it, so a HIS that embeds the library never loads FastAPI (a test checks).
"""

from __future__ import annotations

from ._app import create_app
from ._errors import CODES, ErrorAnswer, ErrorBody, ServiceError
from ._idempotency import KeyStore, SqliteKeyStore, open_key_store
from ._service import Service
from ._settings import Desk, ServiceSettings, load_service_settings

__all__ = [
    "CODES",
    "Desk",
    "ErrorAnswer",
    "ErrorBody",
    "KeyStore",
    "Service",
    "ServiceError",
    "ServiceSettings",
    "SqliteKeyStore",
    "create_app",
    "load_service_settings",
    "open_key_store",
]

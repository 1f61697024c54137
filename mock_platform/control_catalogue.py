"""`/_mock/catalogue`: publish a new version of the 医保目录 so tests can change the world under the adapter.

* `GET /_mock/catalogue` the versions published: `{"versions": [{"ver", "published_at", "note", "changes"}]}`
  (v0001 is the shipped payment-scope files).
* `POST /_mock/catalogue/publish {"note"?, "changes": [...]}` publishes the next version at once, every change
  or none (`backend.catalogue`); answers `{"ver", "published_at", "changes"}`. A change is one of

      {"op": "add", "insu_admdvs", "hilist_code", "hilist_name", "list_type", "med_chrgitm_type",
       "chrgitm_lv", "selfpay_prop"?, "pric_uplmt_amt"?, "lmt_used_flag"?, "begndate", "enddate"?}
      {"op": "withdraw", "insu_admdvs", "hilist_code", "enddate"}        the last day it is in the catalogue
      {"op": "change", "insu_admdvs", "hilist_code", "from", "chrgitm_lv"?, "selfpay_prop"?,
       "pric_uplmt_amt"? (null removes the cap), "lmt_used_flag"?, "hilist_name"?}

  Amounts are JSON numbers or strings of digits; a class change without `selfpay_prop` takes 0 for 甲 and
  none for 丙 (乙 must give one). A refusal is HTTP 400 naming `changes[i].field`.

Like every control endpoint, they answer loopback callers only unless a control token is configured (`core`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mock_platform import codec
from mock_platform._http import HttpRequest, HttpResponse
from mock_platform._time import format_datetime
from mock_platform.backend import Backend
from mock_platform.errors import RequestError

Route = Callable[[HttpRequest], HttpResponse]


def routes(backend: Backend) -> dict[tuple[str, str], Route]:
    def versions(_request: HttpRequest) -> HttpResponse:
        found = [
            {
                "ver": publication.ver,
                "published_at": format_datetime(publication.published_at),
                "note": publication.note,
                "changes": publication.changes,
            }
            for publication in backend.catalogue.versions()
        ]
        return HttpResponse.json(200, {"versions": found})

    def publish(request: HttpRequest) -> HttpResponse:
        try:
            body = codec.decode(request.body)
        except codec.CodecError:
            body = None
        if not isinstance(body, dict):
            return _bad("the body must be a JSON object")
        changes: Any = body.get("changes")
        note = body.get("note", "")
        if not isinstance(changes, list):
            return _bad("changes: must be a list of changes")
        if not isinstance(note, str):
            return _bad("note: must be a string")
        try:
            publication = backend.publish_catalogue(changes, note=note)
        except RequestError as refusal:
            return _bad(refusal.err_msg)
        return HttpResponse.json(
            200,
            {
                "ver": publication.ver,
                "published_at": format_datetime(publication.published_at),
                "changes": publication.changes,
            },
        )

    return {("GET", "/_mock/catalogue"): versions, ("POST", "/_mock/catalogue/publish"): publish}


def _bad(message: str) -> HttpResponse:
    return HttpResponse.json(400, {"code": 400, "message": message})

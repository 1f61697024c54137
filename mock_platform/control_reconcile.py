"""`/_mock/reconcile/...`: make the platform's books differ from the hospital's on purpose (3201/3202 tests).

* `POST /_mock/reconcile/outside_settlement {"like_setl_id"}`: a settlement made in the insurer's own client
  ("outside HIS") for the same visit and amounts; answers `{"setl_id", "msgid"}`.
* `POST /_mock/reconcile/outside_refund {"setl_id"}`: a refund (2208) made outside HIS, newest-first rules
  applied; answers the refund's `{"setl_id", "msgid"}`.
* `POST /_mock/reconcile/alter {"setl_id", "medfee_sumamt"?, "fund_pay_sumamt"?, "acct_pay"?,
  "psn_cash_pay"?, "setl_time"?}`: an amount or the settlement time changed after the fact.
* `POST /_mock/reconcile/rollback {"setl_id"}`: the platform undoes a settlement (2207) or a refund (2208)
  after answering it OK (a platform-side rollback, a 2208 acknowledged but not applied): the hospital's
  journal keeps it as done, so it is only in the journal, or a refund only in HIS. Newest first in the
  person's scope;
  answers the rolled-back row's `{"setl_id", "msgid", "setl_time"}`.

A settlement whose answer was lost and never reversed needs no endpoint of its own: arm `drop_after_commit`
on 2207 (and make the 2601 that follows fail) with `POST /_mock/faults`. A refusal is HTTP 400 naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mock_platform import codec
from mock_platform._http import HttpRequest, HttpResponse
from mock_platform.backend import Backend
from mock_platform.backend.settlements import SettlementRecord
from mock_platform.errors import RequestError

Route = Callable[[HttpRequest], HttpResponse]


def routes(backend: Backend) -> dict[tuple[str, str], Route]:
    desk = backend.statements

    def outside_settlement(body: dict[str, Any]) -> SettlementRecord:
        return desk.outside_settlement(str(body.get("like_setl_id", "")), now=backend.now())

    def outside_refund(body: dict[str, Any]) -> SettlementRecord:
        return desk.outside_refund(str(body.get("setl_id", "")), now=backend.now())

    def roll_back(body: dict[str, Any]) -> SettlementRecord:
        return desk.roll_back(str(body.get("setl_id", "")))

    def alter(body: dict[str, Any]) -> SettlementRecord:
        changes = {key: value for key, value in body.items() if key != "setl_id"}
        return desk.alter(str(body.get("setl_id", "")), changes)

    return {
        ("POST", f"/_mock/reconcile/{name}"): _endpoint(backend, action)
        for name, action in (
            ("outside_settlement", outside_settlement),
            ("outside_refund", outside_refund),
            ("alter", alter),
            ("rollback", roll_back),
        )
    }


def _endpoint(backend: Backend, action: Callable[[dict[str, Any]], SettlementRecord]) -> Route:
    def handle(request: HttpRequest) -> HttpResponse:
        try:
            body = codec.decode(request.body)
        except codec.CodecError:
            body = None
        if not isinstance(body, dict):
            return HttpResponse.json(400, {"code": 400, "message": "the body must be a JSON object"})
        try:
            with backend.store.transaction():
                record = action(body)
        except RequestError as refusal:
            return HttpResponse.json(400, {"code": 400, "message": refusal.err_msg})
        return HttpResponse.json(
            200,
            {
                "setl_id": record.setl_id,
                "msgid": record.msgid,
                "setl_time": record.setl_time.strftime("%Y-%m-%d %H:%M:%S"),
            },
        )

    return handle

"""The HTTP routes of ``opsp serve`` (FastAPI): a HIS in any language drives the adapter over JSON.

Every route answers a model of ``_models`` (or the library's own) and every failure an ``ErrorAnswer``;
the OpenAPI 3.1 document at ``/openapi.json`` is generated from those models.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Header, Query, Request, Response, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._errors import AdapterError, ConfigurationError
from .._lookup import Card
from ..eligibility import Eligibility
from ..execution import ChainStatus, SettlementRecord
from ..planning import Visit, VisitPlan
from ..receipts import (
    BillAnswer,
    ReceiptAnswer,
    _html,
    bill_answer,
    bill_summary,
    html_to_pdf,
    receipt_answer,
    settlement_receipt,
)
from ..receipts._settlements import resolve_settlement
from ._docs import docs_page, exact_decimals, national_times
from ._errors import ErrorAnswer, ServiceError, error_for
from ._http import AccessLog, CodecRoute, answer, http_error, service_error, validation_error
from ._idempotency import SettlementMark
from ._models import (
    DaySettlements,
    DryRunAnswer,
    Health,
    LookupRequest,
    OutboxAnswer,
    RecoveryAnswer,
    RefundAnswer,
    RefundMoney,
    RefundPlanAnswer,
    RefundRequest,
    SettleAnswer,
)
from ._service import Service
from ._settings import Desk

__all__ = ["create_app"]

KEY_PATTERN = r"^[\x21-\x7e]{1,128}$"
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorAnswer, "description": text}
    for status, text in {
        400: "no Idempotency-Key where one is needed",
        401: "no or unknown desk token",
        404: "no such settlement",
        409: "a conflict: key in progress, key reused for another request, already refunded",
        422: "the request is wrong: `error.field` names the place",
        502: "the platform answered something unusable",
        503: "the platform is down or unreachable, or this service is stopping (`error.retryable`)",
        504: "the platform did not answer in time",
    }.items()
}
_PRINTED: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    200: {
        "description": "JSON by default; with `Accept: text/html` the printable page, with "
        "`Accept: application/pdf` that page printed by headless Chromium",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    406: {
        "model": ErrorAnswer,
        "description": "`Accept` names none of JSON, HTML and PDF (`not_acceptable`)",
    },
    503: {"model": ErrorAnswer, "description": "a PDF was asked for and Chromium is missing or failed"},
}
_bearer = HTTPBearer(
    auto_error=False, description="The desk's token, from the service settings (`[[desks]]`)."
)
KeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="The HIS's own bill number (printable ASCII, 1-128 characters). The same key again "
        "returns the stored answer and never settles twice; with a different request it is refused.",
    ),
]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]


def _desk(request: Request, credentials: Credentials) -> Desk:
    """The calling desk, from its bearer token; recorded on the request for the access log."""
    if credentials is None:
        raise ServiceError("unauthorized", "send Authorization: Bearer <desk token>")
    service: Service = request.app.state.service
    found = service.desk_for(credentials.credentials)
    if found is None:
        raise ServiceError("unauthorized", "unknown desk token")
    request.state.desk = found.desk
    return found


CallerDesk = Annotated[Desk, Depends(_desk)]


def create_app(service: Service) -> FastAPI:
    app = FastAPI(
        title="opsp serve",
        version="1",
        description="The opsp adapter as a local HTTP/JSON service: 门诊慢特病 settlement for a HIS in any "
        "language. Money is an exact decimal (answers: JSON numbers; requests: numbers or strings). Times "
        "are `yyyy-MM-dd HH:mm:ss`, China time.",
        docs_url=None,
        redoc_url=None,
        separate_input_output_schemas=False,
    )
    app.router.route_class = CodecRoute
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(AdapterError, lambda r, e: service_error(r, error_for(e)))
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(
        Exception, lambda r, e: service_error(r, ServiceError("internal", type(e).__name__))
    )
    app.add_middleware(AccessLog)

    app.state.service = service
    _routes(app, service)
    _documents(app)
    return app


def _key(value: str | None) -> str:
    import re

    if value is None:
        raise ServiceError(
            "idempotency_key_required", "send the bill number as Idempotency-Key", "Idempotency-Key"
        )
    if not re.fullmatch(KEY_PATTERN, value):
        raise ServiceError(
            "input_invalid", "Idempotency-Key must be 1-128 printable ASCII characters", "Idempotency-Key"
        )
    return value


def _routes(app: FastAPI, service: Service) -> None:
    adapter = service.adapter

    @app.get(
        "/v1/health",
        response_model=Health,
        tags=["operations"],
        summary="Is the service up (no token needed)",
    )
    def health() -> Response:
        return answer(Health(status="ok", fixmedins_code=adapter.settings.fixmedins_code))

    @app.post(
        "/v1/patients/lookup",
        response_model=Eligibility,
        responses=_ERRORS,
        tags=["visit"],
        summary="Look up a patient: card → eligibility, each filed disease with its reason",
    )
    def lookup(request: LookupRequest, caller: CallerDesk) -> Response:
        card = Card(request.mdtrt_cert_type, request.mdtrt_cert_no, request.card_sn)
        check = adapter.check_eligibility(
            card, visit_time=request.visit_time, insutype=request.insutype or None
        )
        return answer(check.eligibility)

    @app.post(
        "/v1/plan",
        response_model=VisitPlan,
        responses=_ERRORS,
        tags=["visit"],
        summary="Plan a bill: eligibility, fee split, batches — nothing is settled",
    )
    def plan(visit: Visit, caller: CallerDesk) -> Response:
        return answer(adapter.plan(visit).plan)

    @app.post(
        "/v1/dry-run",
        response_model=DryRunAnswer,
        responses=_ERRORS,
        tags=["visit"],
        summary="Pre-settle every batch (2201…2206), answer the prediction, undo it all",
    )
    def dry_run(visit: Visit, caller: CallerDesk) -> Response:
        def work() -> DryRunAnswer:
            planned = adapter.plan(visit)
            result = adapter.dry_run(planned)
            return DryRunAnswer(plan=planned.plan, result=result, cash_to_collect=result.cash_to_collect)

        return answer(service.exclusive(work))

    @app.post(
        "/v1/settlements",
        response_model=SettleAnswer,
        responses=_ERRORS,
        tags=["visit"],
        summary="Settle a bill, journaled; idempotent on the HIS's bill number",
    )
    def settle(visit: Visit, caller: CallerDesk, idempotency_key: KeyHeader = None) -> Response:
        key = _key(idempotency_key)

        def work() -> SettleAnswer:
            service.require_settled_state(visit.visit.ipt_otp_no)
            result = adapter.settle(visit)
            now = service.now()
            service.keys.mark_settlements(
                [
                    SettlementMark(
                        b.receipt.setl_id,
                        (b.receipt.setl_time or now).date(),
                        key,
                        "settle",
                        caller.desk,
                        caller.opter,
                        result.ipt_otp_no,
                        now,
                    )
                    for b in result.batches
                    if b.receipt is not None
                ]
            )
            return SettleAnswer(
                idempotency_key=key,
                desk=caller.desk,
                opter=caller.opter,
                result=result,
                complete=all(b.status in ("settled", "self_pay") for b in result.batches),
                cash_to_collect=result.cash_to_collect,
            )

        return service.idempotent(
            key, operation="settle", canonical=visit.model_dump(mode="python"), desk=caller, work=work
        )

    @app.get(
        "/v1/settlements",
        response_model=DaySettlements,
        responses=_ERRORS,
        tags=["day"],
        summary="The day's settlements made through the service: desk, operator, still standing or refunded",
    )
    def day_settlements(caller: CallerDesk, day: Annotated[date | None, Query()] = None) -> Response:
        return answer(service.day_settlements(day or service.now().date()))

    @app.post(
        "/v1/refunds/plan",
        response_model=RefundPlanAnswer,
        responses=_ERRORS,
        tags=["refund"],
        summary="Preview a refund: the newest-first chain it takes; nothing is sent",
    )
    def refund_plan(request: RefundRequest, caller: CallerDesk) -> Response:
        plan = adapter.plan_refund(_refundable(service, request.setl_id), lines=request.lines)
        return answer(RefundPlanAnswer(chain_length=plan.chain_length, plan=plan))

    @app.post(
        "/v1/refunds",
        response_model=RefundAnswer,
        responses=_ERRORS,
        tags=["refund"],
        summary="Refund a settlement (隔笔退费 included); idempotent on the HIS's refund number",
    )
    def refund(request: RefundRequest, caller: CallerDesk, idempotency_key: KeyHeader = None) -> Response:
        key = _key(idempotency_key)

        def work() -> RefundAnswer:
            service.require_settled_state()
            plan = adapter.plan_refund(_refundable(service, request.setl_id), lines=request.lines)
            if request.expect_steps is not None and request.expect_steps != len(plan.steps):
                raise ServiceError(
                    "refund_chain_changed",
                    f"the chain now has {len(plan.steps)} steps, not {request.expect_steps}",
                )
            result = adapter.refund(request.setl_id, lines=request.lines)
            now = service.now()
            service.keys.mark_settlements(
                [
                    SettlementMark(
                        c.new_setl_id,
                        now.date(),
                        key,
                        "resettle",
                        caller.desk,
                        caller.opter,
                        c.ipt_otp_no,
                        now,
                    )
                    for c in result.changes
                    if c.new_setl_id
                ]
            )
            return RefundAnswer(
                idempotency_key=key,
                desk=caller.desk,
                opter=caller.opter,
                result=result,
                complete=result.status == ChainStatus.DONE,
                total_collect=result.total_collect,
                total_pay_back=result.total_pay_back,
                money=tuple(
                    RefundMoney(
                        setl_id=c.setl_id,
                        new_setl_id=c.new_setl_id,
                        refunded=c.refunded,
                        collect=c.collect,
                        pay_back=c.pay_back,
                    )
                    for c in result.changes
                ),
            )

        return service.idempotent(
            key, operation="refund", canonical=request.model_dump(mode="python"), desk=caller, work=work
        )

    @app.post(
        "/v1/recover",
        response_model=RecoveryAnswer,
        responses=_ERRORS,
        tags=["operations"],
        summary="Finish or unwind every batch and refund chain left in flight",
    )
    def recover(caller: CallerDesk) -> Response:
        actions = service.exclusive(adapter.recover)
        return answer(RecoveryAnswer(actions=tuple(actions), complete=all(a.after.terminal for a in actions)))

    @app.get(
        "/v1/outbox",
        response_model=OutboxAnswer,
        responses=_ERRORS,
        tags=["day"],
        summary="Fee details of bills not settled directly, due for upload (seed 002 三(四))",
    )
    def outbox(
        caller: CallerDesk,
        due_by: Annotated[date | None, Query()] = None,
        include_sent: Annotated[bool, Query()] = False,
    ) -> Response:
        return answer(OutboxAnswer(entries=tuple(adapter.outbox(due_by=due_by, include_sent=include_sent))))

    @app.get(
        "/v1/receipts/{setl_id}",
        response_model=ReceiptAnswer,
        responses=_PRINTED,
        tags=["receipts"],
        summary="A settlement's receipt (结算ID or 收费批次号): JSON, or the page as HTML or PDF",
    )
    def receipt(setl_id: str, request: Request, caller: CallerDesk) -> Response:
        document = settlement_receipt(service.journal, _named(service, setl_id))
        page = partial(_html.receipt_html, document)
        return _printed(request, receipt_answer(document), page, document.receipt.setl_id)

    @app.get(
        "/v1/receipts/{setl_id}/bill",
        response_model=BillAnswer,
        responses=_PRINTED,
        tags=["receipts"],
        summary="The bill summary of a settlement's visit: its live receipts, self-pay lines, totals",
    )
    def bill(setl_id: str, request: Request, caller: CallerDesk) -> Response:
        summary = bill_summary(service.journal, _named(service, setl_id))
        page = partial(_html.bill_html, summary)
        return _printed(request, bill_answer(summary), page, f"{summary.ipt_otp_no}-bill")


def _settlement(service: Service, setl_id: str) -> SettlementRecord:
    record = service.journal.settlement(setl_id)
    if record is None:
        raise ServiceError("settlement_not_found", f"settlement {setl_id} is not in the journal", "setl_id")
    return record


def _refundable(service: Service, setl_id: str) -> str:
    record = _settlement(service, setl_id)
    if not record.active:
        raise ServiceError(
            "already_refunded", f"settlement {setl_id} was refunded ({record.refund_setl_id})", "setl_id"
        )
    return setl_id


def _named(service: Service, reference: str) -> str:
    """The 结算ID ``reference`` names (itself, or a 收费批次号's settlement); 404 if the journal has none."""
    return _settlement(
        service, resolve_settlement(service.journal, service.adapter.settings, reference)
    ).setl_id


_FORMS = ("application/json", "text/html", "application/pdf")


def _form(accept: str) -> str:
    """The form ``Accept`` prefers among JSON, HTML and PDF; ``not_acceptable`` (406) when it accepts none.

    Content negotiation as RFC 9110 §12.5.1 has it: each form takes the q of the most specific range naming
    it (``application/pdf`` over ``application/*`` over ``*/*``), q=0 means "not this", the highest q wins and
    a tie goes to the earlier of JSON, HTML, PDF. No ``Accept`` (or an empty one) is JSON. A browser's
    ``text/html,…,*/*;q=0.8`` is the page; ``text/plain`` alone is none of the three: a 406 naming what is
    served, before any page is built or printed.
    """
    if not accept.strip():
        return _FORMS[0]
    ranges = [_media_range(part) for part in accept.split(",") if part.strip()]
    best, best_q = "", 0.0
    for form in _FORMS:
        kind = form.split("/")[0]
        matching = [
            (specificity, q)
            for media, q in ranges
            for specificity, pattern in ((2, form), (1, f"{kind}/*"), (0, "*/*"))
            if media == pattern
        ]
        q = max(matching)[1] if matching else 0.0
        if q > best_q:
            best, best_q = form, q
    if not best:
        raise ServiceError(
            "not_acceptable",
            f"the Accept header names none of {', '.join(_FORMS)}",
            "Accept",
        )
    return best


def _media_range(part: str) -> tuple[str, float]:
    """One ``Accept`` element: its media range (lower case) and its q (1 when absent; 0 when unreadable or
    outside 0 - 1)."""
    media, *params = (piece.strip() for piece in part.split(";"))
    q = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
            if not 0.0 <= q <= 1.0:  # also NaN
                q = 0.0
    return media.lower(), q


# Each PDF is a headless Chromium (a second or so of a core, a few hundred MB): at most two at once, the rest
# of the desks' PDF requests waiting their turn, so printing never starves the settlements on a small server.
_PDF_PRINTS = threading.BoundedSemaphore(2)


def _printed(request: Request, data: BaseModel, page: Callable[[], str], name: str) -> Response:
    """``data`` as JSON, or its page as HTML or PDF, as the request's ``Accept`` asks."""
    form = _form(request.headers.get("accept", ""))
    if form == "application/json":
        return answer(data)
    html = page()
    if form == "text/html":
        return Response(html, media_type="text/html; charset=utf-8")
    with _PDF_PRINTS, tempfile.TemporaryDirectory(prefix="opsp-serve-pdf-") as work:
        try:
            pdf = html_to_pdf(html, Path(work) / "receipt.pdf").read_bytes()
        except ConfigurationError as error:
            raise ServiceError("pdf_unavailable", str(error)) from error
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": _inline(f"{name}.pdf")}
    )


def _inline(filename: str) -> str:
    """A Content-Disposition for ``filename``, which may hold any text a visit number holds: an ASCII
    fallback (unsafe characters as ``_``) and the exact name percent-encoded (RFC 6266 / RFC 5987)."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _documents(app: FastAPI) -> None:
    # Generated once, now: the generation briefly swaps FastAPI's schema generator (see exact_decimals).
    with exact_decimals():
        document = national_times(FastAPI.openapi(app))

    def openapi() -> dict[str, Any]:
        return document

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return Response(docs_page(app.openapi()), media_type="text/html; charset=utf-8")

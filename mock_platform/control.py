"""Control endpoints under `/_mock/` — a prefix the real platform never uses (STYLE.md §1, like moto's).

*`GET /_mock/health` liveness, clock, schema version, gateway scheme, supported transactions
*`GET /_mock/journal` the traffic journal, the newest `limit` matching entries (default 100, max 1000),
  oldest first; filters `infno`, `msgid`, `psn_no`, `mdtrt_id`, `outcome`, `since`, `until` (ISO times),
  `after_id` (see `backend.traffic`); `bodies=0` leaves the request and answer bodies out
*`POST /_mock/faults` arm a fault rule: `{"infno", "kind", "times"?, "message"?, "seconds"?}` -> the rule
*`GET /_mock/faults` the armed rules, `DELETE /_mock/faults` removes them all (`backend.faults`)
*`GET /_mock/profile` the conformance profile applied and the ones available; `PUT /_mock/profile`
  `{"profile": "strict"}` switches it (`conformance.profiles`)
*`GET /_mock/scenarios` the conformance scenarios; `POST /_mock/scenarios/{name}` starts one (seeds its
  subject if it has one, clears the faults, arms the scenario's, switches the profile, marks where its
  traffic starts)
*`GET /_mock/conformance?since=T` the conformance report as JSON (scenario runs and rules over the traffic
  since T, ISO time; default: everything); `GET /_mock/conformance.html?since=T` the same as a page
*`POST /_mock/receipts` the totals a HIS printed on one settlement's receipt (`conformance.receipts`), kept in
  the traffic journal (path `/_mock/receipts`) for the rule `receipt-matches-2207`: 200 with its journal id,
  or 400 naming the bad field
*`GET /_mock/ui` the web console (HTML, Jinja2): settlements per person with accumulators, the traffic
  with bodies, faults armed, scenario runs and the conformance verdicts; its forms post to
  `/_mock/ui/faults`, `/_mock/ui/faults/clear`, `/_mock/ui/scenarios`, `/_mock/ui/profile`
*`POST /_mock/seed` a seed document (`config.seed`): 200 with the counts, or 400 naming the bad field
*`POST /_mock/reconcile/outside_settlement|outside_refund|alter|rollback` make the platform differ from the
  hospital's books on purpose (`control_reconcile`)
*`POST /_mock/filings/approve {"trt_dcla_detl_sn"}` the insurer approves a hospital's 2503 filing
  (`control_filings`)
*`GET /_mock/catalogue` the catalogue versions; `POST /_mock/catalogue/publish` publish the next one: add,
  withdraw, change class / 先行自付 / price cap (`control_catalogue`)

They bypass the gateway: they are for tests and operators of the mock, not for hospitals, and answer only
loopback callers unless a control token is configured (then every caller sends it in X-Mock-Control-Token;
`core`). A bad request gets HTTP 400 `{"code": 400, "message": …}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ValidationError

from mock_platform import codec, control_catalogue, control_filings, control_reconcile
from mock_platform._http import HttpRequest, HttpResponse
from mock_platform.backend import Backend
from mock_platform.backend.faults import FAULT_KINDS, FaultRuleError
from mock_platform.backend.traffic import TrafficEntry, TrafficFilter, journal_columns, mask_json
from mock_platform.config.platform import GatewayConfig
from mock_platform.conformance.console import people_view
from mock_platform.conformance.facts import PlatformFacts
from mock_platform.conformance.profiles import PROFILES, ProfileError, ProfileSetting
from mock_platform.conformance.receipts import RECEIPTS_PATH, ReceiptUpload, receipt_problem
from mock_platform.conformance.report import build_report, render, render_html
from mock_platform.conformance.scenarios import SCENARIOS, ScenarioBook, ScenarioRun
from mock_platform.errors import SeedError
from mock_platform.handlers import TRANSACTIONS

ControlHandler = Callable[[HttpRequest], HttpResponse]

_DEFAULT_LIMIT = 100
_MAX_LIMIT = 1000


class Control:
    def __init__(
        self, backend: Backend, gateway_config: GatewayConfig, profile: ProfileSetting | None = None
    ) -> None:
        self._backend = backend
        self._gateway = gateway_config
        self._profile = profile or ProfileSetting()
        self.scenarios = ScenarioBook()
        self.routes: Mapping[tuple[str, str], ControlHandler] = MappingProxyType(
            {
                ("GET", "/_mock/health"): self.health,
                ("GET", "/_mock/journal"): self.journal,
                ("GET", "/_mock/faults"): self.list_faults,
                ("POST", "/_mock/faults"): self.add_fault,
                ("DELETE", "/_mock/faults"): self.clear_faults,
                ("POST", "/_mock/seed"): self.seed,
                ("GET", "/_mock/profile"): self.get_profile,
                ("PUT", "/_mock/profile"): self.put_profile,
                ("GET", "/_mock/scenarios"): self.list_scenarios,
                ("GET", "/_mock/conformance"): self.conformance,
                ("GET", "/_mock/conformance.html"): self.conformance_html,
                ("POST", RECEIPTS_PATH): self.upload_receipt,
                ("GET", "/_mock/ui"): self.console,
                ("POST", "/_mock/ui/faults"): self.console_arm,
                ("POST", "/_mock/ui/faults/clear"): self.console_clear,
                ("POST", "/_mock/ui/scenarios"): self.console_scenario,
                ("POST", "/_mock/ui/profile"): self.console_profile,
                **control_reconcile.routes(backend),
                **control_filings.routes(backend),
                **control_catalogue.routes(backend),
            }
        )

    def handle(self, request: HttpRequest) -> HttpResponse:
        handler = self.routes.get((request.method, request.path))
        if handler is not None:
            return handler(request)
        if request.path.startswith(_SCENARIO_PREFIX):
            if request.method != "POST":
                message = f"不支持的请求方法[{request.method[:20]}]"
                return HttpResponse.json(405, {"code": 405, "message": message})
            return self.start_scenario(request.path.removeprefix(_SCENARIO_PREFIX))
        if any(path == request.path for _, path in self.routes):
            return HttpResponse.json(405, {"code": 405, "message": f"不支持的请求方法[{request.method}]"})
        return HttpResponse.json(404, {"code": 404, "message": f"未找到请求地址[{request.path}]"})

    def health(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(
            200,
            {
                "status": "ok",
                "time": self._backend.now().isoformat(timespec="seconds"),
                "schema_version": self._backend.store.schema_version(),
                "gateway": self._gateway.scheme,
                "profile": self._profile.current.name,
                "transactions": sorted(TRANSACTIONS),
            },
        )

    def journal(self, request: HttpRequest) -> HttpResponse:
        query = request.query
        unknown = sorted(set(query) - _JOURNAL_PARAMETERS)
        if unknown:
            known = ", ".join(sorted(_JOURNAL_PARAMETERS))
            return _bad_request(f"unknown journal parameter {unknown[0]!r}; known: {known}")
        raw = query.get("limit", str(_DEFAULT_LIMIT))
        if not _is_count(raw) or not 0 < int(raw) <= _MAX_LIMIT:
            return _bad_request(f"limit must be an integer in 1..{_MAX_LIMIT}")
        after = query.get("after_id")
        if after is not None and not _is_count(after):
            return _bad_request("after_id must be a journal entry id (a non-negative integer)")
        bodies = query.get("bodies", "1")
        if bodies not in ("0", "1"):
            return _bad_request("bodies must be 0 or 1")
        found = TrafficFilter(
            limit=int(raw),
            after_id=None if after is None else int(after),
            columns=journal_columns(bodies=bodies == "1"),
            **{name: query[name] for name in _TEXT_FILTERS if name in query},
        )
        return HttpResponse.json(200, {"entries": self._backend.traffic.find(found)})

    def list_faults(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(200, {"faults": [fault.as_dict() for fault in self._backend.faults.list()]})

    def add_fault(self, request: HttpRequest) -> HttpResponse:
        body = _json_object(request)
        if isinstance(body, HttpResponse):
            return body
        seconds = body.get("seconds")
        try:
            fault = self._backend.faults.add(
                body.get("infno", ""),  # validated by FaultBook.add, like every other field
                body.get("kind", ""),
                times=body.get("times", 1),
                message=body.get("message"),
                seconds=float(seconds) if isinstance(seconds, Decimal) else seconds,
            )
        except FaultRuleError as exc:
            return _bad_request(str(exc))
        return HttpResponse.json(200, {"fault": fault.as_dict()})

    def clear_faults(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(200, {"cleared": self._backend.faults.clear()})

    def get_profile(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(
            200,
            {
                "profile": self._profile.current.as_dict(),
                "available": [profile.as_dict() for profile in PROFILES.values()],
            },
        )

    def put_profile(self, request: HttpRequest) -> HttpResponse:
        body = _json_object(request)
        if isinstance(body, HttpResponse):
            return body
        name = body.get("profile")
        if not isinstance(name, str):
            return _bad_request(f'the body must be {{"profile": NAME}}, NAME one of: {", ".join(PROFILES)}')
        try:
            profile = self._profile.switch(name)
        except ProfileError as exc:
            return _bad_request(str(exc))
        return HttpResponse.json(200, {"profile": profile.as_dict()})

    def list_scenarios(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(200, {"scenarios": [scenario.as_dict() for scenario in SCENARIOS.values()]})

    def start_scenario(self, name: str) -> HttpResponse:
        scenario = SCENARIOS.get(name)
        if scenario is None:
            message = f"unknown scenario {name[:40]!r}; known: {', '.join(SCENARIOS)}"
            return HttpResponse.json(404, {"code": 404, "message": message})
        subject = None if scenario.subject is None else scenario.subject(self._backend)
        faults = self._backend.faults
        faults.clear()
        for armed in scenario.faults:
            faults.add(armed.infno, armed.kind, times=armed.times, seconds=armed.seconds)
        self._profile.switch(scenario.profile)
        run = ScenarioRun(
            name=name,
            started_at=self._backend.now().isoformat(timespec="milliseconds"),
            first_entry_id=self._backend.traffic.last_id() + 1,
        )
        self.scenarios.start(run)
        started: dict[str, Any] = {"started_at": run.started_at, "first_entry_id": run.first_entry_id}
        if subject is not None:
            started["subject"] = subject.as_dict()
        return HttpResponse.json(200, {"scenario": scenario.as_dict(subject), "run": started})

    def conformance(self, request: HttpRequest) -> HttpResponse:
        report = self._report(request)
        return report if isinstance(report, HttpResponse) else HttpResponse.json(200, report)

    def conformance_html(self, request: HttpRequest) -> HttpResponse:
        report = self._report(request)
        if isinstance(report, HttpResponse):
            return report
        try:
            page = render_html(report)
        except ImportError:
            message = "the HTML report needs Jinja2: pip install 'opsp-adapter[conformance]'"
            return HttpResponse.json(501, {"code": 501, "message": message})
        return HttpResponse(200, page.encode(), content_type="text/html; charset=utf-8")

    def upload_receipt(self, request: HttpRequest) -> HttpResponse:
        """Keep a receipt's totals in the traffic journal (also a refused one, so the vendor sees why)."""
        body = _json_object(request)
        if isinstance(body, HttpResponse):
            return body
        try:
            receipt = ReceiptUpload.model_validate(body)
        except ValidationError as exc:
            return _bad_request(receipt_problem(exc))
        stored = receipt.model_dump(mode="json", exclude_none=True)
        masked = mask_json(codec.encode(stored).decode())
        entry_id = self._record(request, masked, subject=receipt.setl_id)
        return HttpResponse.json(200, {"receipt": {"entry_id": entry_id, "setl_id": receipt.setl_id}})

    def _record(self, request: HttpRequest, body: str, *, subject: str) -> int:
        """A control call the conformance rules read, as a traffic journal entry; its id."""
        entry = TrafficEntry(
            received_at=self._backend.now().isoformat(timespec="milliseconds"),
            path=request.path,
            infno="",
            msgid="",
            fixmedins_code="",
            inf_refmsgid="",
            http_status=200,
            infcode=None,
            outcome="success",
            err_msg="",
            subject=subject,
            duration_ms=0,
            request_body=body,
        )
        with self._backend.store.transaction():
            self._backend.traffic.record(entry)
            return self._backend.traffic.last_id()

    def console(self, request: HttpRequest, notice: str = "") -> HttpResponse:
        report = self._report(HttpRequest("GET", "/_mock/conformance", {}))
        assert not isinstance(report, HttpResponse)  # no `since`: nothing to refuse
        try:
            page = render(
                "console.html",
                now=self._backend.now().isoformat(timespec="seconds"),
                gateway=self._gateway.scheme,
                profile=self._profile.current.name,
                profiles=list(PROFILES),
                faults=[fault.as_dict() for fault in self._backend.faults.list()],
                fault_kinds=FAULT_KINDS,
                scenario_names=list(SCENARIOS),
                report=report,
                people=people_view(self._backend.store),
                traffic=list(reversed(self._backend.traffic.recent(_CONSOLE_TRAFFIC))),
                notice=notice,
            )
        except ImportError:
            message = "the console needs Jinja2: pip install 'opsp-adapter[conformance]'"
            return HttpResponse.json(501, {"code": 501, "message": message})
        return HttpResponse(200, page.encode(), content_type="text/html; charset=utf-8")

    def console_arm(self, request: HttpRequest) -> HttpResponse:
        form = _form(request)
        times = form.get("times", "1")
        try:
            self._backend.faults.add(
                form.get("infno", ""), form.get("kind", ""), times=int(times) if _is_count(times) else 0
            )
        except FaultRuleError as exc:
            return _bad_request(str(exc))
        return self.console(request)

    def console_clear(self, request: HttpRequest) -> HttpResponse:
        self._backend.faults.clear()
        return self.console(request)

    def console_scenario(self, request: HttpRequest) -> HttpResponse:
        started = self.start_scenario(_form(request).get("name", ""))
        return started if started.status != 200 else self.console(request)

    def console_profile(self, request: HttpRequest) -> HttpResponse:
        try:
            self._profile.switch(_form(request).get("profile", ""))
        except ProfileError as exc:
            return _bad_request(str(exc))
        return self.console(request)

    def _report(self, request: HttpRequest) -> dict[str, Any] | HttpResponse:
        since = request.query.get("since", "")
        if since and not _ISO_TIME.fullmatch(since):
            return _bad_request("since must be an ISO time such as 2026-11-22T10:00:00")
        entries = self._backend.traffic.find(TrafficFilter(limit=_REPORT_LIMIT, since=since or None))
        runs = [run for run in self.scenarios.runs if run.started_at >= since]
        return build_report(
            entries,
            runs,
            facts=PlatformFacts(self._backend),
            since=since,
            generated_at=self._backend.now().isoformat(timespec="seconds"),
            profile=self._profile.current.name,
        )

    def seed(self, request: HttpRequest) -> HttpResponse:
        body = _json_object(request)
        if isinstance(body, HttpResponse):
            return body
        try:
            counts = self._backend.seed(body)
        except SeedError as exc:
            return _bad_request(str(exc))
        return HttpResponse.json(200, {"seeded": counts})


_SCENARIO_PREFIX = "/_mock/scenarios/"
_CONSOLE_TRAFFIC = 50
# The most traffic one report reads (a conformance session is hundreds of calls, not millions).
_REPORT_LIMIT = 100_000
_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}(:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?)?")
_TEXT_FILTERS = ("infno", "msgid", "psn_no", "mdtrt_id", "outcome", "since", "until")
_JOURNAL_PARAMETERS = frozenset({*_TEXT_FILTERS, "limit", "after_id", "bodies"})


def _form(request: HttpRequest) -> dict[str, str]:
    """An HTML form's fields (application/x-www-form-urlencoded)."""
    return dict(parse_qsl(request.body.decode("utf-8", errors="replace"), keep_blank_values=True))


def _is_count(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 18


def _json_object(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    try:
        body = codec.decode(request.body)
    except codec.CodecError:
        return _bad_request("the body must be a JSON object")
    if not isinstance(body, dict):
        return _bad_request("the body must be a JSON object")
    return body


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse.json(400, {"code": 400, "message": message})

"""The OpenAPI 3.1 document: generated from the models, served, and true of every route's traffic.

Every request and answer of a full day (and of each kind of error) validates against the served
document; a property-based run of the API from that document (schemathesis) finds no 500.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from adapter import decode, encode

from .helpers import DESK1_TOKEN, Served, p1, served_app

_NO_SHRINK = (Phase.explicit, Phase.generate)
_ALL = list(HealthCheck)
Exchange = tuple[str, str, object, int, bytes]


def _operation(document: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    for template, methods in document["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in methods:
            return template, methods[method.lower()]
    raise AssertionError(f"{method} {path} is not in the document")


def _validate(document: dict[str, Any], schema: dict[str, Any], instance: object, what: str) -> None:
    rooted = {**schema, "components": document["components"]}
    errors = [e.message for e in Draft202012Validator(rooted).iter_errors(instance)]
    assert errors == [], what


class Recorder:
    def __init__(self, served: Served) -> None:
        self.served = served
        self.exchanges: list[Exchange] = []

    def post(self, path: str, body: object, **kwargs: Any) -> Any:
        reply = self.served.post(path, body, **kwargs)
        self.exchanges.append(("POST", path, _plain(body), reply.status_code, reply.content))
        return reply

    def get(self, path: str, **params: str) -> Any:
        reply = self.served.get(path, **params)
        self.exchanges.append(("GET", path, None, reply.status_code, reply.content))
        return reply


def _plain(body: object) -> object:
    """The body as the HIS sends it (the codec's bytes), read back as plain JSON."""
    return json.loads(encode(body))


def test_every_route_request_and_answer_validate_against_the_served_document(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        document = s.http.get("/openapi.json").json()
        assert document["openapi"].startswith("3.1")
        r = Recorder(s)
        r.get("/v1/health")
        r.post("/v1/patients/lookup", {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010"})
        r.post("/v1/plan", p1())
        r.post("/v1/dry-run", p1())
        settled = decode(r.post("/v1/settlements", p1(), key="HIS-BILL-1").content)
        r.post("/v1/settlements", p1(), key="HIS-BILL-1")  # replayed
        middle = settled["result"]["batches"][1]["receipt"]["setl_id"]
        r.post("/v1/refunds/plan", {"setl_id": middle})
        r.post("/v1/refunds", {"setl_id": middle, "expect_steps": 3}, key="HIS-REFUND-1")
        r.get("/v1/settlements", day="2026-11-22")
        r.get("/v1/outbox")
        r.get(f"/v1/receipts/{middle}")
        r.get(f"/v1/receipts/{middle}/bill")
        r.post("/v1/recover", {})
        # Errors: 400, 401, 404, 409, 422, 503.
        r.post("/v1/settlements", p1())
        r.post("/v1/plan", p1(), token="an-unknown-token-0000")
        r.post("/v1/refunds/plan", {"setl_id": "S-NOT-THERE"})
        r.get("/v1/receipts/S-NOT-THERE")
        r.post("/v1/refunds/plan", {"setl_id": middle})
        r.post("/v1/plan", {**p1(), "items": []})
        s.mock.faults.add("1101", "maintenance", times=10)
        r.post("/v1/plan", p1())

        seen_statuses = set()
        covered = set()
        for method, path, body, status, content in r.exchanges:
            template, operation = _operation(document, method, path)
            covered.add((method.lower(), template))
            seen_statuses.add(status)
            if body is not None and "requestBody" in operation and status != 422:
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                _validate(document, schema, body, f"request {method} {path}")
            response = operation["responses"].get(str(status))
            assert response is not None, (
                f"{method} {path} answered {status}, which the document does not list"
            )
            schema = response["content"]["application/json"]["schema"]
            _validate(document, schema, json.loads(content), f"answer {status} {method} {path}")
        every = {(m, p) for p, methods in document["paths"].items() for m in methods}
        assert every - covered == set()
        assert {200, 400, 401, 404, 409, 422, 503} <= seen_statuses


def test_the_docs_page_is_readable_without_the_internet(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        page = s.http.get("/docs")
        assert page.status_code == 200
        assert "<code>POST /v1/settlements</code>" in page.text
        assert "Idempotency-Key" in page.text
        assert "<script" not in page.text  # nothing loaded from a CDN


def test_money_and_times_in_the_document_say_what_the_wire_carries(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        document = s.http.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    # Answers: exact JSON numbers; requests: numbers or strings.
    assert schemas["Prediction-Output"]["properties"]["acct_pay"] == {"type": "number", "title": "Acct Pay"}
    assert schemas["VisitResult"]["properties"]["cash_to_collect"]["type"] == "number"
    assert {"type": "number"} in schemas["Item"]["properties"]["pric"]["anyOf"]
    assert {"type": "string"} in schemas["Item"]["properties"]["pric"]["anyOf"]
    assert "date-time" not in json.dumps(document)  # times are yyyy-MM-dd HH:mm:ss, not RFC 3339


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_no_request_the_document_allows_gets_a_500(tmp_path: Path) -> None:
    """schemathesis generates requests from the served document (valid ones and, by mutation, invalid ones)
    for every operation; none may end in a 500. Bounded: 4 examples per operation and mode, no shrinking
    (a failure prints its curl command)."""
    with served_app(tmp_path) as s:
        api = schemathesis.openapi.from_asgi("/openapi.json", s.http.app)
        headers = {"Authorization": f"Bearer {DESK1_TOKEN}"}
        answered: set[int] = set()
        for result in api.get_all_operations():
            assert isinstance(result, Ok), result
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=4,
                    deadline=None,
                    database=None,
                    phases=_NO_SHRINK,
                    suppress_health_check=_ALL,
                )
                def run(case: Any) -> None:
                    reply = case.call(headers={**(case.headers or {}), **headers})
                    answered.add(reply.status_code)
                    assert reply.status_code != 500, reply.text
                    assert reply.headers["content-type"][0].startswith("application/json")

                try:
                    run()
                except Unsatisfiable:
                    assert mode == GenerationMode.NEGATIVE  # nothing to get wrong (/v1/health, /v1/recover)
        assert {200, 422} <= answered

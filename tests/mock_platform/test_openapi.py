"""The OpenAPI 3.1 description (`GET /openapi.json`, issue #17), checked against what the handlers accept.

The document is validated as OpenAPI 3.1; each described transaction's input schema is sent to the platform
with its node empty and the handler must refuse exactly the first required field the schema names; each
required envelope field, removed, is refused, each optional one is not; the real answers of a run of every
transaction (our adapter settling, losing a 2207 answer, refunding, uploading the outbox, reconciling with a
difference, plus 5204 and 9002) validate against each transaction's answer schema, and a changed answer does
not.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest
from openapi_spec_validator import validate

from adapter.filings import FilingRequest, RevocationRequest
from mock_platform.conformance.openapi import INPUT_NODES, build_openapi, discovered_inputs
from mock_platform.handlers import TRANSACTIONS
from mock_platform.handlers.outputs import FILE_ANSWERS, OUTPUTS
from tests.execution.helpers import NOW as WORLD_NOW
from tests.execution.helpers import world
from tests.mock_platform.helpers import SINGLE_URL, Caller, envelope

SIGN_IN = {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_openapi()


def validator(document: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    # The document's $refs point into #/components/schemas: validate with the whole document as the root.
    root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema.Draft202012Validator(root)


def test_the_document_is_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_it_is_served(client: httpx.Client, document: dict[str, Any]) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == document


def test_every_transaction_has_a_path_and_the_known_ones_an_input(document: dict[str, Any]) -> None:
    for infno in TRANSACTIONS:
        assert f"/fsi/api/{infno}" in document["paths"]
    assert set(INPUT_NODES) <= set(TRANSACTIONS)
    for infno in INPUT_NODES:
        body = document["paths"][f"/fsi/api/{infno}"]["post"]["requestBody"]["content"]["application/json"]
        described = body["schema"]["allOf"][1]["properties"]["input"]
        assert described["required"] == list(INPUT_NODES[infno])


@pytest.mark.parametrize("infno", sorted(INPUT_NODES))
def test_each_input_schema_is_what_the_handler_refuses(
    document: dict[str, Any], signed_in: Caller, infno: str
) -> None:
    node, (model, is_array) = next(iter(INPUT_NODES[infno].items()))
    required = document["components"]["schemas"][model.__name__]["required"]
    empty: Any = [{}] if is_array else {}
    answer = signed_in.call(infno, {node: empty})
    where = f"{node}[0]" if is_array else node
    assert (answer["infcode"], answer["err_msg"]) == (-1, f"交易输入[{where}.{required[0]}]不能为空")


def _sign_in_without(caller: Caller, name: str, serial: int) -> dict[str, Any]:
    payload = envelope("9001", SIGN_IN, msgid_serial=serial)
    del payload[name]
    return dict(caller.post(payload).json())


def test_the_envelope_schema_is_what_the_platform_requires(document: dict[str, Any], caller: Caller) -> None:
    schema = document["components"]["schemas"]["RequestEnvelope"]
    required = schema["required"]
    assert "input" in required
    for serial, name in enumerate(schema["properties"], start=1):
        answer = _sign_in_without(caller, name, serial)
        if name in required:
            assert (answer["infcode"], answer["err_msg"]) == (-1, f"报文头[{name}]不能为空"), name
        else:
            assert answer["infcode"] == 0, (name, answer["err_msg"])


def test_real_answers_fit_the_answer_schemas(
    document: dict[str, Any], caller: Caller, client: httpx.Client
) -> None:
    answers = validator(document, "ResponseEnvelope")
    answers.validate(caller.post(envelope("9001", SIGN_IN)).json())
    answers.validate(caller.post(envelope("1234", {})).json())
    refusal = client.post(SINGLE_URL, content=b"{}")
    validator(document, "GatewayError").validate(refusal.json())
    with pytest.raises(jsonschema.ValidationError):
        answers.validate({"infcode": 0})


def test_the_seed_schema_accepts_what_the_seed_endpoint_accepts(
    document: dict[str, Any], client: httpx.Client
) -> None:
    seeds = validator(document, "SeedDocument")
    seeds.validate({})
    assert client.post("/_mock/seed", json={}).status_code == 200
    with pytest.raises(jsonschema.ValidationError):
        seeds.validate({"people": "not a list"})
    assert client.post("/_mock/seed", json={"people": "not a list"}).status_code == 400


def test_input_nodes_are_found_in_the_handlers_own_calls() -> None:
    """A transaction registered later is described from its handler's `input_node` calls; the explicit
    table agrees with what the same discovery finds in today's handlers."""
    found = {infno: discovered_inputs(transaction) for infno, transaction in TRANSACTIONS.items()}
    assert {infno for infno, nodes in found.items() if nodes} >= set(INPUT_NODES) - {"2203", "2204"}
    for infno, nodes in found.items():
        for node, (model, _) in nodes.items():
            if infno in INPUT_NODES:
                assert INPUT_NODES[infno][node][0] is model, (infno, node)


def answer_validator(document: dict[str, Any], infno: str) -> jsonschema.Draft202012Validator:
    schema = document["paths"][f"/fsi/api/{infno}"]["post"]["responses"]["200"]["content"]["application/json"]
    return jsonschema.Draft202012Validator(schema["schema"] | {"components": document["components"]})


@pytest.fixture(scope="module")
def real_answers() -> dict[str, list[dict[str, Any]]]:
    """The answers (infcode 0) of a run of every transaction, from the traffic journal, by infno."""
    with world() as w, httpx.Client(transport=w.mock.transport(), base_url="http://mock.local") as control:
        control.post("/_mock/faults", json={"infno": "2207", "kind": "drop_after_commit"})
        assert w.adapter.settle("examples/visits/P1.json").batches[0].status == "unsettled"  # 2601
        settled = [batch.receipt for batch in w.adapter.settle("examples/visits/P1.json").batches]
        first = settled[0]
        assert first is not None
        w.adapter.refund(first.setl_id)  # 2208 newest first, 2205, re-settled
        w.adapter.settle("examples/visits/P6.json")  # suspended: the outbox
        w.adapter.upload_outbox()  # 4205, 4203
        control.post("/_mock/reconcile/outside_settlement", json={"like_setl_id": first.setl_id})
        w.adapter.reconcile(first.setl_time.date() if first.setl_time else WORLD_NOW.date())  # 3201 … 9102
        filing = FilingRequest(
            mdtrt_cert_type="02",
            mdtrt_cert_no="640106198002124031",
            opsp_dise_code="M01600",
            hosp_ide_date=WORLD_NOW.date(),
            begndate=WORLD_NOW.date(),
            diag_dr_codg="D001",
            diag_dr_name="医生甲",
        )
        filed = w.adapter.file_disease(filing)  # 2503
        w.adapter.revoke_filing(  # 2504
            RevocationRequest(
                trt_dcla_detl_sn=filed.trt_dcla_detl_sn,
                mdtrt_cert_type="02",
                mdtrt_cert_no="640106198002124031",
                memo="test",
            )
        )
        w.visits("64010000000000000001", "640100")  # 5201
        w.accumulators("64010000000000000001", "640100")  # 5206
        caller = Caller(control, clock=lambda: WORLD_NOW)
        caller.sign_in()
        lookup = {"psn_no": "64010000000000000001", "mdtrt_id": first.mdtrt_id}
        assert caller.call("5204", {"data": lookup}, insuplc_admdvs="640100")["infcode"] == 0
        assert caller.call("5204", {"data": lookup | {"setl_id": first.setl_id}}, insuplc_admdvs="640100")
        sign_out = {"signOut": {"sign_no": caller.sign_no, "opter_no": "0001"}}
        assert caller.call("9002", sign_out)["infcode"] == 0
        entries = control.get("/_mock/journal", params={"limit": "1000"}).json()["entries"]
    answers: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        if entry["infcode"] == 0 and entry["infno"] not in FILE_ANSWERS:
            answers.setdefault(entry["infno"], []).append(json.loads(entry["answer_body"]))
    return answers


def test_every_described_output_is_what_the_handlers_answer(
    document: dict[str, Any], real_answers: dict[str, list[dict[str, Any]]]
) -> None:
    assert set(real_answers) == set(OUTPUTS)  # every described transaction answered at least once
    for infno, answers in real_answers.items():
        schema = answer_validator(document, infno)
        for answer in answers:
            errors = [f"{list(error.absolute_path)}: {error.message}" for error in schema.iter_errors(answer)]
            assert not errors, (infno, errors[:3])
    assert len(real_answers["2207"]) >= 4
    assert len(real_answers["2208"]) >= 1


def test_an_answer_otherwise_than_described_is_refused_by_the_schema(
    document: dict[str, Any], real_answers: dict[str, list[dict[str, Any]]]
) -> None:
    settled = real_answers["2207"][0]
    schema = answer_validator(document, "2207")
    info = settled["output"]["setlinfo"]
    missing = settled | {
        "output": settled["output"] | {"setlinfo": {k: v for k, v in info.items() if k != "acct_pay"}}
    }
    renamed = settled | {
        "output": settled["output"] | {"setlinfo": info | {"pdn_cash_pay": info["psn_cash_pay"]}}
    }
    as_text = settled | {
        "output": settled["output"] | {"setlinfo": info | {"hifp_pay": str(info["hifp_pay"])}}
    }
    for wrong in (missing, renamed, as_text):
        assert not schema.is_valid(wrong)
    refused = {
        "infcode": -1,
        "inf_refmsgid": "x",
        "refmsg_time": "x",
        "respond_time": "x",
        "err_msg": "拒绝",
        "output": {},
    }
    assert answer_validator(document, "2207").is_valid(refused)  # a refusal carries no output to describe


def test_a_transaction_registered_later_is_listed_as_not_described(document: dict[str, Any]) -> None:
    for infno in TRANSACTIONS:
        content = document["paths"][f"/fsi/api/{infno}"]["post"]["responses"]["200"]["content"]
        if infno in FILE_ANSWERS:
            assert content["application/octet-stream"]["schema"] == {"type": "string", "format": "binary"}
            continue
        then = content["application/json"]["schema"]["allOf"][1]["then"]
        described = then["properties"]["output"].get("x-opsp-output-described", True)
        assert described == (infno in OUTPUTS), infno


def test_the_receipt_schema_is_what_the_receipt_endpoint_accepts(
    document: dict[str, Any], client: httpx.Client
) -> None:
    receipts = validator(document, "ReceiptUpload")
    good = {
        "setl_id": "S1",
        "medfee_sumamt": "12.00",
        "funds": {"hifp_pay": 0},
        "fund_pay_sumamt": 0,
        "acct_pay": "12.00",
        "psn_cash_pay": "0.00",
    }
    receipts.validate(good)
    assert client.post("/_mock/receipts", json=good).status_code == 200
    for wrong in (
        good | {"cash": 1},
        good | {"funds": {"fund": 1}},
        {k: v for k, v in good.items() if k != "acct_pay"},
    ):
        assert not receipts.is_valid(wrong)
        assert client.post("/_mock/receipts", json=wrong).status_code == 400

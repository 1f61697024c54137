"""The OpenAPI 3.1 description (`GET /openapi.json`, issue #17), checked against what the handlers accept.

The document is validated as OpenAPI 3.1; each described transaction's input schema is sent to the platform
with its node empty and the handler must refuse exactly the first required field the schema names; each
required envelope field, removed, is refused, each optional one is not; real answers validate against the
answer schemas.
"""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest
from openapi_spec_validator import validate

from mock_platform.conformance.openapi import INPUT_NODES, build_openapi
from mock_platform.handlers import TRANSACTIONS
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

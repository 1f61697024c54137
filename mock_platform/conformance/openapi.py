"""The mock's OpenAPI 3.1 description, served at `GET /openapi.json` (issue #17).

Built from the models the mock validates with, so it cannot drift from them: the envelope
(`wire.RequestEnvelope`, `wire.ResponseEnvelope`), each implemented transaction's input nodes (the handler's
own pydantic models, `INPUT_NODES`) and `output` (`handlers.outputs.OUTPUTS`), the fault rules, the seed
document (`config.seed.SeedDocument`) and the receipt upload (`conformance.receipts.ReceiptUpload`).
Every transaction of the registry (`handlers.TRANSACTIONS`) has a path: one registered later without an
entry in `INPUT_NODES` has its input nodes found in its handler's own `input_node(context, NODE, Model)`
calls, and failing that is described as an object only (`x-opsp-input-described: false`); one without an
entry in `OUTPUTS` has `x-opsp-output-described: false`. tests/mock_platform/test_openapi.py checks the
document against what the handlers really accept and answer.

JSON Schema written by pydantic describes the parsed form; where the mock reads more leniently (null for an
empty optional string, a number as a string where a profile allows it) the description says so.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter

from mock_platform.backend.faults import FAULT_KINDS
from mock_platform.backend.traffic import TrafficEntry
from mock_platform.config.seed import SeedDocument
from mock_platform.conformance.profiles import DEVIATIONS, PROFILES
from mock_platform.conformance.receipts import RECEIPTS_PATH, ReceiptUpload
from mock_platform.conformance.scenarios import SCENARIOS
from mock_platform.handlers import TRANSACTIONS, Transaction
from mock_platform.handlers.fee import FeeDetailInput, RevokeInput
from mock_platform.handlers.outputs import FILE_ANSWERS, OUTPUTS
from mock_platform.handlers.person import FilingQuery, PersonQuery
from mock_platform.handlers.query import AccumulatorQuery, DetailLookup, SettlementLookup, VisitQuery
from mock_platform.handlers.reversal import ReversalInput
from mock_platform.handlers.settlement import PreSettlementInput, RefundInput, SettlementInput
from mock_platform.handlers.signin import SignInInput, SignOutInput
from mock_platform.handlers.treatment import TreatmentQuery
from mock_platform.handlers.visit import CancelInput, Diagnosis, RegistrationInput, TreatmentInfo
from mock_platform.wire import RequestEnvelope, ResponseEnvelope

# infno -> input node -> (model, the node is an array of rows)
INPUT_NODES: Mapping[str, Mapping[str, tuple[type[BaseModel], bool]]] = {
    "9001": {"signIn": (SignInInput, False)},
    "9002": {"signOut": (SignOutInput, False)},
    "1101": {"data": (PersonQuery, False)},
    "5301": {"data": (FilingQuery, False)},
    "2001": {"data": (TreatmentQuery, False)},
    "2201": {"data": (RegistrationInput, False)},
    "2202": {"data": (CancelInput, False)},
    "2203": {"mdtrtinfo": (TreatmentInfo, False), "diseinfo": (Diagnosis, True)},
    "2204": {"feedetail": (FeeDetailInput, True)},
    "2205": {"data": (RevokeInput, False)},
    "2206": {"data": (PreSettlementInput, False)},
    "2207": {"data": (SettlementInput, False)},
    "2208": {"data": (RefundInput, False)},
    "2601": {"data": (ReversalInput, False)},
    "5201": {"data": (VisitQuery, False)},
    "5203": {"data": (SettlementLookup, False)},
    "5204": {"data": (DetailLookup, False)},
    "5206": {"data": (AccumulatorQuery, False)},
}

_REF = "#/components/schemas/"
SINGLE_URL = "/fsi/api/rsfComIfsService/callService"


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """`model`'s JSON Schema, its nested definitions moved into components; a $ref to it."""
    schema = model.model_json_schema(ref_template=_REF + "{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault(model.__name__, schema)
    return {"$ref": _REF + model.__name__}


def discovered_inputs(transaction: Transaction) -> dict[str, tuple[type[BaseModel], bool]]:
    """The input nodes a handler parses with `input_node(context, "NODE", Model)` (an object each)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(transaction.handler)))
    except (OSError, TypeError, SyntaxError):
        return {}
    namespace = getattr(transaction.handler, "__globals__", {})
    nodes: dict[str, tuple[type[BaseModel], bool]] = {}
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and len(call.args) == 3):
            continue
        name, model = call.args[1], call.args[2]
        if (
            call.func.id != "input_node"
            or not isinstance(model, ast.Name)
            or not isinstance(name, ast.Constant)
        ):
            continue
        found = namespace.get(model.id)
        if isinstance(name.value, str) and isinstance(found, type) and issubclass(found, BaseModel):
            nodes[name.value] = (found, False)
    return nodes


def _type_schema(kind: Any, components: dict[str, Any]) -> dict[str, Any]:
    """A model's (or a `list[Model]`'s) JSON Schema, its definitions moved into components."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return _schema(kind, components)
    schema = TypeAdapter(kind).json_schema(ref_template=_REF + "{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    return schema


def _output_schema(infno: str, components: dict[str, Any]) -> dict[str, Any]:
    kind = OUTPUTS.get(infno)
    if kind is None:
        return {"type": ["object", "array"], "x-opsp-output-described": False}
    return _type_schema(kind, components)


def _answers(infno: str, answer: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """A transaction's responses: its envelope, with its own `output` when infcode is 0."""
    own = {
        "allOf": [
            answer,
            {
                "if": {"properties": {"infcode": {"const": 0}}, "required": ["infcode"]},
                "then": {"properties": {"output": _output_schema(infno, components)}},
            },
        ]
    }
    ok = _json(own, "An envelope: infcode 0 with this transaction's output, or -1 with err_msg.")
    if infno in FILE_ANSWERS:  # the file's bytes (PROTOCOL.md §1.1); a refusal is still an envelope
        ok["description"] = "The file's bytes (application/octet-stream), or an envelope refusing the call."
        ok["content"]["application/octet-stream"] = {"schema": {"type": "string", "format": "binary"}}
    return {
        "200": ok,
        "401": _json({"$ref": _REF + "GatewayError"}, "Refused by the gateway (headers, replayed nonce)."),
    }


def _input_schema(transaction: Transaction, components: dict[str, Any]) -> dict[str, Any]:
    nodes = INPUT_NODES.get(transaction.infno) or discovered_inputs(transaction)
    if not nodes:
        return {"type": "object", "x-opsp-input-described": False}
    properties: dict[str, Any] = {}
    for node, (model, is_array) in nodes.items():
        reference = _schema(model, components)
        properties[node] = {"type": "array", "minItems": 1, "items": reference} if is_array else reference
    return {"type": "object", "properties": properties, "required": list(nodes)}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _control_error(description: str) -> dict[str, Any]:
    return _json({"$ref": _REF + "ControlError"}, description)


def build_openapi() -> dict[str, Any]:
    """The whole document (a fresh dict; the caller may serialise it)."""
    components: dict[str, Any] = {}
    envelope = _schema(RequestEnvelope, components)
    answer = _schema(ResponseEnvelope, components)
    components["GatewayError"] = {
        "type": "object",
        "description": "The gateway's own shape, outside the envelope (PROTOCOL.md §1.5); `header` names the "
        "header at fault.",
        "properties": {
            "code": {"type": "integer", "const": 401},
            "message": {"type": "string"},
            "header": {"type": "string"},
        },
        "required": ["code", "message"],
    }
    components["ControlError"] = {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
        "required": ["code", "message"],
    }
    platform_responses = {
        "200": _json(answer, "An envelope: infcode 0, or -1 with err_msg (never an HTTP 500)."),
        "401": _json({"$ref": _REF + "GatewayError"}, "Refused by the gateway (headers, replayed nonce)."),
    }
    paths: dict[str, Any] = {
        SINGLE_URL: {
            "post": {
                "summary": "Any transaction; the infno comes from the envelope (TZ/NT style).",
                "tags": ["platform"],
                "security": [{"tif": []}],
                "requestBody": {"required": True, "content": _json(envelope)["content"]},
                "responses": platform_responses,
            }
        }
    }
    for infno in sorted(TRANSACTIONS):
        transaction = TRANSACTIONS[infno]
        body = {
            "allOf": [
                envelope,
                {
                    "type": "object",
                    "properties": {
                        "infno": {"const": infno},
                        "input": _input_schema(transaction, components),
                    },
                },
            ]
        }
        paths[f"/fsi/api/{infno}"] = {
            "post": {
                "summary": f"{infno} {transaction.name}",
                "operationId": f"transaction_{infno}",
                "tags": ["platform"],
                "security": [{"tif": []}],
                "x-opsp-requires-sign-in": transaction.requires_sign_in,
                "x-opsp-idempotent-by-msgid": transaction.idempotent,
                "requestBody": {"required": True, "content": _json(body)["content"]},
                "responses": _answers(infno, answer, components),
            }
        }
    paths.update(_control_paths(components))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "opsp mock provincial medical-insurance platform",
            "version": "1",
            "description": "The national 定点医药机构 interface as the mock implements it (PROTOCOL.md), and "
            "its /_mock control plane (loopback only unless a control token is configured: then send "
            "X-Mock-Control-Token).",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "tif": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "x-tif-signature",
                    "description": "TIF gateway (PROTOCOL.md §2.1): x-tif-paasid, x-tif-timestamp "
                    "(Unix seconds), "
                    "x-tif-nonce (single-use within the 30-minute window), x-tif-signature = lower-case hex "
                    "SHA-256 of timestamp + token + nonce + timestamp.",
                },
                "control": {"type": "apiKey", "in": "header", "name": "X-Mock-Control-Token"},
            },
        },
    }


def _control_paths(components: dict[str, Any]) -> dict[str, Any]:
    components["FaultRule"] = {
        "type": "object",
        "properties": {
            "infno": {"type": "string", "pattern": "^[0-9A-Za-z]{1,10}$"},
            "kind": {"enum": list(FAULT_KINDS)},
            "times": {"type": "integer", "minimum": 1, "default": 1},
            "message": {"type": ["string", "null"]},
            "seconds": {"type": ["number", "null"], "minimum": 0},
        },
        "required": ["infno", "kind"],
    }
    seed = _schema(SeedDocument, components)
    entry = {
        "type": "object",
        "properties": {"id": {"type": "integer"}}
        | {
            name: {"type": ["integer", "null"] if name == "infcode" else _column_type(name)}
            for name in _ENTRY
        },
    }
    journal_parameters = [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
        {"name": "after_id", "in": "query", "schema": {"type": "integer", "minimum": 0}},
        {"name": "bodies", "in": "query", "schema": {"enum": ["0", "1"]}},
        *(
            {"name": name, "in": "query", "schema": {"type": "string"}}
            for name in ("infno", "msgid", "psn_no", "mdtrt_id", "outcome", "since", "until")
        ),
    ]
    profile = {
        "type": "object",
        "properties": {
            "name": {"enum": list(PROFILES)},
            "refused": {"type": "array", "items": {"enum": list(DEVIATIONS)}},
            "reported": {"type": "array", "items": {"enum": list(DEVIATIONS)}},
        },
    }
    security: list[dict[str, list[str]]] = [{"control": []}]
    ok = {"200": _json({"type": "object"})}
    bad = {
        "400": _control_error("A bad request, naming what is wrong."),
        "403": _control_error("Not allowed."),
    }
    return {
        "/_mock/health": {
            "get": {
                "tags": ["control"],
                "security": security,
                "responses": ok,
            }
        },
        "/_mock/journal": {
            "get": {
                "tags": ["control"],
                "security": security,
                "parameters": journal_parameters,
                "responses": {
                    "200": _json(
                        {"type": "object", "properties": {"entries": {"type": "array", "items": entry}}}
                    )
                }
                | bad,
            }
        },
        "/_mock/faults": {
            "get": {
                "tags": ["control"],
                "security": security,
                "responses": ok,
            },
            "post": {
                "tags": ["control"],
                "security": security,
                "requestBody": {"required": True, "content": _json({"$ref": _REF + "FaultRule"})["content"]},
                "responses": ok | bad,
            },
            "delete": {
                "tags": ["control"],
                "security": security,
                "responses": ok,
            },
        },
        "/_mock/seed": {
            "post": {
                "tags": ["control"],
                "security": security,
                "requestBody": {"required": True, "content": _json(seed)["content"]},
                "responses": ok | bad,
            }
        },
        "/_mock/scenarios": {"get": {"tags": ["control"], "security": security, "responses": ok}},
        "/_mock/scenarios/{name}": {
            "post": {
                "tags": ["control"],
                "security": security,
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"enum": list(SCENARIOS)}}
                ],
                "responses": {"200": _json({"type": "object"}), "404": _control_error("No such scenario.")},
            }
        },
        RECEIPTS_PATH: {
            "post": {
                "tags": ["control"],
                "summary": "The totals a HIS printed on one settlement's receipt, compared with 2207's "
                "answer by the rule receipt-matches-2207 (kept in the traffic journal).",
                "security": security,
                "requestBody": {
                    "required": True,
                    "content": _json(_schema(ReceiptUpload, components))["content"],
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "receipt": {
                                    "type": "object",
                                    "properties": {
                                        "entry_id": {"type": "integer"},
                                        "setl_id": {"type": "string"},
                                    },
                                    "required": ["entry_id", "setl_id"],
                                }
                            },
                        }
                    ),
                    "400": _control_error("A field missing, unknown or not an amount to the fen (named)."),
                    "403": _control_error("Not allowed."),
                },
            }
        },
        "/_mock/conformance": {
            "get": {
                "tags": ["control"],
                "security": security,
                "parameters": [{"name": "since", "in": "query", "schema": {"type": "string"}}],
                "responses": ok | bad,
            }
        },
        "/_mock/profile": {
            "get": {
                "tags": ["control"],
                "security": security,
                "responses": ok,
            },
            "put": {
                "tags": ["control"],
                "security": security,
                "requestBody": {
                    "required": True,
                    "content": _json({"type": "object", "properties": {"profile": {"enum": list(PROFILES)}}})[
                        "content"
                    ],
                },
                "responses": {"200": _json({"type": "object", "properties": {"profile": profile}})} | bad,
            },
        },
    }


_ENTRY = tuple(TrafficEntry.__dataclass_fields__)


def _column_type(name: str) -> str:
    return "integer" if name in ("http_status", "duration_ms") else "string"

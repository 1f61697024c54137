"""The OpenAPI document's finishing touch, and a readable docs page rendered from it.

Money travels as exact JSON numbers written by the adapter's codec, but pydantic describes a ``Decimal``
it serializes as a string (its own JSON mode). FastAPI describes answers whose models have computed fields
(``VisitResult.cash_to_collect``) in serialization mode, so its generator is swapped, while the document
is generated, for one that says ``number`` there (requests keep pydantic's "number or string").

Times travel as the national ``yyyy-MM-dd HH:mm:ss`` (the adapter's codec), not RFC 3339: the
generated ``format: date-time`` is replaced by that pattern, so the document says what the wire
carries. The docs page is plain HTML built from the document on the server — no script from a CDN,
so it opens on a hospital network with no internet.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi._compat import v2 as fastapi_pydantic
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

__all__ = ["docs_page", "exact_decimals", "national_times"]

NATIONAL_TIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"


class _ExactDecimals(fastapi_pydantic.GenerateJsonSchema):
    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        if self.mode == "serialization":
            return {"type": "number"}  # what the codec writes: digits as kept, never a float
        return super().decimal_schema(schema)


@contextmanager
def exact_decimals() -> Iterator[None]:
    """While generating the document, FastAPI's schema generator describes answers' Decimals as numbers."""
    original = fastapi_pydantic.GenerateJsonSchema
    fastapi_pydantic.GenerateJsonSchema = _ExactDecimals  # type: ignore[misc]
    try:
        yield
    finally:
        fastapi_pydantic.GenerateJsonSchema = original  # type: ignore[misc]


def national_times(document: dict[str, Any]) -> dict[str, Any]:
    """Every ``format: date-time`` becomes the pattern of the national time format."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("format") == "date-time":
                node = {k: v for k, v in node.items() if k != "format"}
                node["pattern"] = NATIONAL_TIME
                node.setdefault("description", "yyyy-MM-dd HH:mm:ss, China time")
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    result: dict[str, Any] = walk(document)
    return result


def docs_page(document: dict[str, Any]) -> str:
    info = document.get("info", {})
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{_e(info.get('title', ''))}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
        "code,pre{background:#f4f4f4}pre{padding:.5em;overflow-x:auto}h3{margin-bottom:.2em}"
        "table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}</style>",
        f"</head><body><h1>{_e(info.get('title', ''))}</h1><p>{_e(info.get('description', ''))}</p>",
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a> (OpenAPI "
        f"{_e(document.get('openapi', ''))}). Every call but <code>/v1/health</code> needs "
        "<code>Authorization: Bearer &lt;desk token&gt;</code>.</p><h2>Routes</h2>",
    ]
    for path, methods in document.get("paths", {}).items():
        for method, operation in methods.items():
            parts.append(_operation(path, method, operation))
    parts.append("<h2>Models</h2>")
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        parts.append(_schema(name, schema))
    parts.append("</body></html>")
    return "".join(parts)


def _operation(path: str, method: str, operation: dict[str, Any]) -> str:
    rows = [
        f"<h3 id='{_e(operation.get('operationId', ''))}'><code>{method.upper()} {_e(path)}</code></h3>",
        f"<p>{_e(operation.get('summary', ''))}</p><ul>",
    ]
    for parameter in operation.get("parameters", []):
        rows.append(
            f"<li>{_e(parameter['in'])} <code>{_e(parameter['name'])}</code>: "
            f"{_e(parameter.get('description', ''))}</li>"
        )
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        rows.append(f"<li>body: {_ref(body)}</li>")
    for status, response in operation.get("responses", {}).items():
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        rows.append(
            f"<li>{_e(status)}: {_e(response.get('description', ''))} {_ref(schema) if schema else ''}</li>"
        )
    rows.append("</ul>")
    return "".join(rows)


def _schema(name: str, schema: dict[str, Any]) -> str:
    rows = [f"<h3 id='schema-{_e(name)}'>{_e(name)}</h3><p>{_e(schema.get('description', ''))}</p>"]
    properties = schema.get("properties", {})
    if properties:
        rows.append("<table><tr><th>field</th><th>type</th><th>about</th></tr>")
        required = set(schema.get("required", []))
        for field, spec in properties.items():
            mark = " *" if field in required else ""
            rows.append(
                f"<tr><td><code>{_e(field)}</code>{mark}</td><td>{_type(spec)}</td>"
                f"<td>{_e(spec.get('description', ''))}</td></tr>"
            )
        rows.append("</table>")
    return "".join(rows)


def _type(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return _ref(spec)
    for key in ("anyOf", "oneOf"):
        if key in spec:
            return " | ".join(_type(option) for option in spec[key])
    if spec.get("type") == "array":
        return f"array of {_type(spec.get('items', {}))}"
    if "enum" in spec:
        return "one of " + ", ".join(_e(json.dumps(v, ensure_ascii=False)) for v in spec["enum"])
    if "const" in spec:
        return _e(json.dumps(spec["const"], ensure_ascii=False))
    return _e(str(spec.get("type", "any")))


def _ref(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        return f"<a href='#schema-{_e(name)}'>{_e(name)}</a>"
    return _type(spec)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)

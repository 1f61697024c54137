"""`HttpRequest.with_body` is `dataclasses.replace(request, body=...)` built directly (issue #18)."""

from __future__ import annotations

from dataclasses import fields, replace

from mock_platform._http import HttpRequest


def test_with_body_keeps_every_other_field() -> None:
    request = HttpRequest(
        "POST", "/fsi/api/1101", {"content-type": "application/json"}, b"{}", {"a": "1"}, "127.0.0.1"
    )
    # Every field is set to something other than its default, so a field `with_body` forgot would show.
    assert all(getattr(request, field.name) != field.default for field in fields(HttpRequest))
    assert request.with_body(b"[]") == replace(request, body=b"[]")

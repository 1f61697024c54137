"""A scripted stand-in for the platform, for client unit tests (httpx.MockTransport).

It answers 9001/1101 with canned envelopes and lets a test queue exact failures
(an httpx exception, an HTTP status with a body, an infcode -1 message) for the next
calls of a given infno. It records every request it receives, decoded.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from adapter import CHINA_TZ, AdapterSettings, PlatformClient, fixed_clock, load_settings

MOMENT = datetime(2026, 11, 22, 9, 30, 0, tzinfo=CHINA_TZ)

PERSON_OUTPUT: dict[str, Any] = {
    "baseinfo": {
        "psn_no": "64010000000000000001",
        "psn_cert_type": "01",
        "certno": "640104196203152010",
        "psn_name": "马建国",
        "gend": "1",
        "naty": "01",
        "brdy": "1962-03-15",
        "age": 64.6,
    },
    "insuinfo": [
        {
            "balc": 1000.00,
            "insutype": "310",
            "psn_type": "21",
            "psn_insu_stas": "1",
            "psn_insu_date": "2000-01-01",
            "paus_insu_date": None,
            "cvlserv_flag": "0",
            "insuplc_admdvs": "640100",
            "emp_name": "银川示范单位",
        }
    ],
    "idetinfo": [],
}

Reaction = Callable[[httpx.Request], httpx.Response]


def envelope(output: Any = None, *, infcode: int = 0, err_msg: str = "") -> bytes:
    body = {
        "infcode": infcode,
        "inf_refmsgid": "640100202611220930000000000001",
        "refmsg_time": "20261122093000000",
        "respond_time": "20261122093000050",
        "err_msg": err_msg,
        "output": output,
    }
    # The platform writes amounts as JSON numbers: dump floats here on purpose.
    return json.dumps(body, ensure_ascii=False).encode()


def failing_with(error: type[httpx.TransportError]) -> Reaction:
    def react(request: httpx.Request) -> httpx.Response:
        raise error("scripted failure", request=request)

    return react


def answering(status: int, body: bytes) -> Reaction:
    return lambda request: httpx.Response(status, content=body)


def refusing(err_msg: str) -> Reaction:
    return answering(200, envelope(None, infcode=-1, err_msg=err_msg))


@dataclass
class ScriptedPlatform:
    """Answers by infno; queued reactions take precedence over the canned answers."""

    sign_nos: deque[str] = field(default_factory=lambda: deque(["SIGN0001", "SIGN0002", "SIGN0003"]))
    outputs: dict[str, Any] = field(default_factory=lambda: {"2207": {"setlinfo": {"setl_id": "S1"}}})
    queued: defaultdict[str, deque[Reaction]] = field(default_factory=lambda: defaultdict(deque))
    requests: list[dict[str, Any]] = field(default_factory=list)
    raw: list[httpx.Request] = field(default_factory=list)

    def queue(self, infno: str, *reactions: Reaction) -> None:
        self.queued[infno].extend(reactions)

    def handle(self, request: httpx.Request) -> httpx.Response:
        document = json.loads(request.content)
        self.requests.append(document)
        self.raw.append(request)
        infno = document["infno"]
        if self.queued[infno]:
            return self.queued[infno].popleft()(request)
        if infno == "9001":
            sign_no = self.sign_nos.popleft()
            return httpx.Response(
                200,
                content=envelope({"signinoutb": {"sign_time": "2026-11-22 09:30:00", "sign_no": sign_no}}),
            )
        if infno == "1101":
            return httpx.Response(200, content=envelope(PERSON_OUTPUT))
        return httpx.Response(200, content=envelope(self.outputs.get(infno, {})))

    def infnos(self) -> list[str]:
        return [request["infno"] for request in self.requests]


def demo_settings(**overrides: Any) -> AdapterSettings:
    values: dict[str, Any] = {
        "endpoint": "http://platform.test/fsi/api/rsfComIfsService/callService",
        "fixmedins_code": "H42010200001",
        "fixmedins_name": "武汉市示范医院",
        "mdtrtarea_admvs": "420100",
        "opter": "0001",
        "opter_name": "收费员甲",
        "retry": {"max_attempts": 3, "max_seconds": 30, "initial_wait": 0.5, "max_wait": 5},
    }
    values.update(overrides)
    return load_settings(**values)


def make_client(
    platform: ScriptedPlatform, *, clock: Callable[[], datetime] | None = None, **overrides: Any
) -> tuple[PlatformClient, list[float]]:
    sleeps: list[float] = []
    client = PlatformClient(
        demo_settings(**overrides),
        transport=httpx.MockTransport(platform.handle),
        clock=clock or fixed_clock(MOMENT),
        sleep=sleeps.append,
    )
    return client, sleeps

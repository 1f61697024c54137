"""The visit mix for the mock's own benchmarks: P1's visit recorded once through the adapter, replayed raw.

`record_visit()` settles `examples/visits/P1.json` once through the adapter against an in-process mock and
keeps the 19 platform calls it made (1101, 5301, 2001 twice, then 2201, 2203, 2204, 2206 and 2207 for each
of the three batches), plus the desk's 9001 sign-in. `Desk` replays them as new visits of the same person
with no adapter in the way: every call gets a fresh msgid (``fixmedins_code`` + ``yyyyMMddHHmmss`` + 4 digits,
the form of PROTOCOL.md §1.3, from a per-desk prefix so two desks never collide), the visit a fresh
``ipt_otp_no``, ``inf_time`` the time the visit's bodies were built, and the ``mdtrt_id`` of each batch is the
one its 2201 answered in this visit, swapped into the later bodies as bytes. TIF headers are computed per
request, each with a new nonce (the gateway refuses a nonce seen before). Every answer is checked to say
``"infcode":0``; anything else stops the benchmark with the answer's err_msg.

So what is measured is the mock's own cost on exactly the calls a desk makes, with the load generator's
cost kept small (no pydantic, no journal, no planning).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
VISIT_FILE = ROOT / "examples" / "visits" / "P1.json"
CALL_SERVICE = "/fsi/api/rsfComIfsService/callService"
CHINA = timezone(timedelta(hours=8))
PAASID = "opsp-demo"  # config/demo/platform.toml [gateway.tif]
TOKEN = "opsp-demo-token"

_MSGID = re.compile(rb'"msgid":\s*"([^"]+)"')
_INF_TIME = re.compile(rb'"inf_time":\s*"([^"]+)"')
_MDTRT_ID = re.compile(rb'"mdtrt_id":\s*"([^"]+)"')
_SIGN_NO = re.compile(rb'"sign_no":\s*"([^"]+)"')


@dataclass(frozen=True)
class RecordedCall:
    infno: str
    body: bytes


@dataclass(frozen=True)
class RecordedVisit:
    """The calls of one P1 visit as the adapter sent them, and the values each new visit must replace."""

    fixmedins_code: str
    sign_in: RecordedCall
    calls: tuple[RecordedCall, ...]
    sign_no: bytes
    ipt_otp_no: bytes
    mdtrt_ids: tuple[bytes, ...]  # in the order the 2201s answered them

    @property
    def calls_per_visit(self) -> int:
        return len(self.calls)


class _Recorder(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[bytes, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        body = request.read()
        self.exchanges.append((body, response.read()))
        return response


def record_visit() -> RecordedVisit:
    """Settle P1's example visit once through the adapter against an in-process mock, keeping its calls."""
    from bench_visits import adapter_for  # the adapter is the recorder only, never in the timed loop

    from mock_platform import MockPlatform

    document = json.loads(VISIT_FILE.read_text(encoding="utf-8"))
    document["visit"]["ipt_otp_no"] = "RECORDED000001"
    mock = MockPlatform()
    try:
        recorder = _Recorder(mock.transport())
        with adapter_for("http://mock.local" + CALL_SERVICE, Path(":memory:"), recorder) as (adapter, _):
            result = adapter.settle(document)
        if {batch.status for batch in result.batches} != {"settled"}:
            raise RuntimeError(f"the recorded visit did not settle: {result}")
    finally:
        mock.close()
    sign_in: RecordedCall | None = None
    calls: list[RecordedCall] = []
    mdtrt_ids: list[bytes] = []
    sign_no = b""
    fixmedins_code = ""
    for body, answer in recorder.exchanges:
        envelope = json.loads(body)
        infno = envelope["infno"]
        fixmedins_code = envelope["fixmedins_code"]
        if infno == "9001":
            sign_in = RecordedCall(infno, body)
            sign_no = json.loads(answer)["output"]["signinoutb"]["sign_no"].encode()
            continue
        calls.append(RecordedCall(infno, body))
        if infno == "2201":
            mdtrt_ids.append(json.loads(answer)["output"]["data"]["mdtrt_id"].encode())
    if sign_in is None or not sign_no:
        raise RuntimeError("the recorded visit has no 9001 sign-in")
    return RecordedVisit(
        fixmedins_code=fixmedins_code,
        sign_in=sign_in,
        calls=tuple(calls),
        sign_no=sign_no,
        ipt_otp_no=b"RECORDED000001",
        mdtrt_ids=tuple(mdtrt_ids),
    )


Post = Callable[[bytes, dict[str, str]], bytes]  # body, headers -> answer body
Timer = Callable[[str, float], None]  # infno, CPU seconds of the call


class Desk:
    """One cashier's desk replaying P1's visit: its own msgid prefix, sign-in and visit numbers."""

    def __init__(self, recorded: RecordedVisit, post: Post, *, desk: int) -> None:
        self._recorded = recorded
        self._post = post
        self._desk = desk
        self._visits = 0
        self._serial = 0
        self._sign_no = b""

    def sign_in(self) -> None:
        answer = self._call(self.fresh(self._recorded.sign_in.body, self._stamp()))
        self._sign_no = json.loads(answer)["output"]["signinoutb"]["sign_no"].encode()

    def visit(self) -> int:
        """One whole visit (19 calls); returns the number of calls made."""
        return self.replay(self._recorded.calls)

    def first_batch(self, timer: Timer | None = None) -> int:
        """Only the first batch's 2201, 2203, 2204, 2206, 2207: one more settlement of the person's year."""
        start = next(i for i, call in enumerate(self._recorded.calls) if call.infno == "2201")
        return self.replay(self._recorded.calls[start : start + 5], timer)

    def replay(self, calls: tuple[RecordedCall, ...], timer: Timer | None = None) -> int:
        """`calls` as a new visit; `timer(infno, seconds)` gets this thread's CPU time of each call."""
        self._visits += 1
        stamp = self._stamp()
        ipt_otp_no = f"D{self._desk}V{self._visits:08d}".encode()
        bodies = [
            self.fresh(call.body, stamp).replace(self._recorded.ipt_otp_no, ipt_otp_no) for call in calls
        ]
        issued: dict[bytes, bytes] = {}
        for call, body in zip(calls, bodies, strict=True):
            for old, new in issued.items():
                body = body.replace(old, new)
            if timer is None:
                answer = self._call(body)
            else:
                headers = tif_headers()
                started = time.thread_time()
                answer = self._post(body, headers)
                timer(call.infno, time.thread_time() - started)
                _check(answer, self._desk)
            if call.infno == "2201":
                old = self._recorded.mdtrt_ids[len(issued)]
                issued[old] = _MDTRT_ID.search(answer).group(1)  # type: ignore[union-attr]
        return len(bodies)

    def _stamp(self) -> datetime:
        return datetime.now(CHINA)

    def fresh(self, body: bytes, now: datetime | None = None) -> bytes:
        """The body with a new msgid, inf_time `now` (default: now) and this desk's sign_no."""
        now = now or self._stamp()
        self._serial += 1
        code = self._recorded.fixmedins_code
        # yyyyMMddHHmmss of a per-desk fictitious second (the seconds advance every 10,000 calls), so ids are
        # unique across desks and runs within a store and keep the §1.3 form.
        base = datetime(2020 + self._desk, 1, 1) + timedelta(seconds=self._serial // 10_000)
        msgid = f"{code}{base:%Y%m%d%H%M%S}{self._serial % 10_000:04d}".encode()
        body = _MSGID.sub(b'"msgid":"' + msgid + b'"', body, count=1)
        body = _INF_TIME.sub(b'"inf_time":"' + f"{now:%Y-%m-%d %H:%M:%S}".encode() + b'"', body, count=1)
        if self._sign_no:
            body = _SIGN_NO.sub(b'"sign_no":"' + self._sign_no + b'"', body, count=1)
        return body

    def _call(self, body: bytes) -> bytes:
        return _check(self._post(body, tif_headers()), self._desk)


def _check(answer: bytes, desk: int) -> bytes:
    if b'"infcode":0' not in answer:
        text = answer.decode("utf-8", errors="replace")
        raise RuntimeError(f"desk {desk}: the mock refused a call: {text[:400]}")
    return answer


def tif_headers() -> dict[str, str]:
    """TIF gateway headers (PROTOCOL.md §2.1): SHA-256 of timestamp + token + nonce + timestamp."""
    timestamp = str(int(time.time()))
    nonce = uuid.uuid4().hex
    signature = hashlib.sha256(f"{timestamp}{TOKEN}{nonce}{timestamp}".encode()).hexdigest()
    return {
        "content-type": "application/json",
        "x-tif-paasid": PAASID,
        "x-tif-timestamp": timestamp,
        "x-tif-nonce": nonce,
        "x-tif-signature": signature,
    }


def as_json(answer: bytes) -> Any:
    return json.loads(answer)

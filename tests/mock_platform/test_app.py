"""The ASGI app answers exactly like the in-process transport (same core)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx

from mock_platform import MockPlatform
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import SINGLE_URL, body, envelope, tif_headers

SIGN_IN = body(envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}))
QUERY = {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": "ec-demo-p1"}}

Answers = tuple[int, bytes, int, bytes, int]


async def through_asgi(mock: MockPlatform) -> Answers:
    transport = httpx.ASGITransport(app=mock.asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.local") as client:
        signed = await client.post(SINGLE_URL, content=SIGN_IN, headers=tif_headers())
        sign_no = signed.json()["output"]["signinoutb"]["sign_no"]
        query = body(envelope("1101", QUERY, sign_no=sign_no))
        answer = await client.post("/fsi/api/1101", content=query, headers=tif_headers())
        rejected = await client.post("/fsi/api/1101", content=b"{}")
        missing = await client.get("/nowhere")
    return answer.status_code, answer.content, rejected.status_code, rejected.content, missing.status_code


def through_transport(mock: MockPlatform) -> Answers:
    with httpx.Client(transport=mock.transport(), base_url="http://mock.local") as client:
        signed = client.post(SINGLE_URL, content=SIGN_IN, headers=tif_headers())
        sign_no = signed.json()["output"]["signinoutb"]["sign_no"]
        query = body(envelope("1101", QUERY, sign_no=sign_no))
        answer = client.post("/fsi/api/1101", content=query, headers=tif_headers())
        rejected = client.post("/fsi/api/1101", content=b"{}")
        missing = client.get("/nowhere")
    return answer.status_code, answer.content, rejected.status_code, rejected.content, missing.status_code


def test_asgi_app_and_transport_give_the_same_bytes(clock: MutableClock) -> None:
    with MockPlatform(clock=clock) as served, MockPlatform(clock=clock) as in_process:
        assert asyncio.run(through_asgi(served)) == through_transport(in_process)
        assert b'"balc":1000.00' in through_transport(in_process)[1]


def test_concurrent_callers_share_one_store(platform: MockPlatform) -> None:
    # Callers on several threads (here the in-process transport's; served, the event loop's and the
    # platform's own methods') share one store: its lock must keep every answer whole.
    with httpx.Client(transport=platform.transport(), base_url="http://mock.local") as client:
        sign_no = client.post(SINGLE_URL, content=SIGN_IN, headers=tif_headers()).json()["output"][
            "signinoutb"
        ]["sign_no"]
        query = body(envelope("1101", QUERY, sign_no=sign_no))

        def one_call(_: int) -> str:
            answer = client.post(SINGLE_URL, content=query, headers=tif_headers()).json()
            assert answer["infcode"] == 0
            return str(answer["inf_refmsgid"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            refmsgids = list(pool.map(one_call, range(80)))
    assert len(set(refmsgids)) == 80

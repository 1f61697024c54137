"""The served mock as a real process (`python -m mock_platform serve --port 0 --db FILE`), plain HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.mock_platform.helpers import CST, SINGLE_URL, body, envelope, tif_headers
from tests.served import Served, served


@dataclass
class ServedMock:
    url: str
    running: Served
    db: Path

    def stop(self) -> int:
        return self.running.stop()

    def output_so_far(self) -> str:
        return self.running.output_so_far()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServedMock]:
    db = tmp_path / "served.db"
    with served([sys.executable, "-m", "mock_platform", "serve", "--port", "0", "--db", str(db)]) as running:
        yield ServedMock(running.url, running, db)


def post(
    client: httpx.Client, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    # The served mock uses the real clock: sign with the current time.
    now = datetime.now(CST)
    payload = payload | {"inf_time": now.strftime("%Y-%m-%d %H:%M:%S")}
    return client.post(SINGLE_URL, content=body(payload), headers=headers or tif_headers(now))


def test_served_mock_over_tcp(server: ServedMock) -> None:
    with httpx.Client(base_url=server.url, timeout=10.0) as client:
        assert client.get("/_mock/health").json()["status"] == "ok"
        sign_in = {"signIn": {"opter_no": "0001", "mac": "", "ip": "127.0.0.1"}}
        sign_no = post(client, envelope("9001", sign_in)).json()["output"]["signinoutb"]["sign_no"]

        for certno, psn_no in [
            ("640104196203152010", "64010000000000000001"),
            ("42010219881001204X", "42010000000000000008"),
        ]:
            query = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno}}
            answer = post(client, envelope("1101", query, sign_no=sign_no)).json()
            assert answer["infcode"] == 0
            assert answer["output"]["baseinfo"]["psn_no"] == psn_no

        p1_by_token = {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": "ec-demo-p1"}}
        assert b'"balc":1000.00' in post(client, envelope("1101", p1_by_token, sign_no=sign_no)).content

        query = {"data": {"psn_no": "64010000000000000001"}}
        filings = post(client, envelope("5301", query, sign_no=sign_no, insuplc_admdvs="640100")).json()
        assert [row["opsp_dise_code"] for row in filings["output"]["feedetail"]] == ["M01600", "M03900"]

        bad = tif_headers(datetime.now(CST), token="wrong")
        rejected = post(client, envelope("1101", p1_by_token, sign_no=sign_no), headers=bad)
        assert (rejected.status_code, rejected.json()) == (
            401,
            {"code": 401, "message": "签名不一致!", "header": "x-tif-signature"},
        )

    # SIGTERM: uvicorn stops gracefully, the store is closed (its WAL checkpointed away), exit status 128+15.
    assert server.stop() == 143
    assert server.db.exists()
    assert not server.db.with_name(server.db.name + "-wal").exists()


def test_faults_armed_over_http_drop_the_connection(server: ServedMock) -> None:
    with httpx.Client(base_url=server.url, timeout=10.0) as client:
        sign_in = {"signIn": {"opter_no": "0001", "mac": "", "ip": "127.0.0.1"}}
        sign_no = post(client, envelope("9001", sign_in)).json()["output"]["signinoutb"]["sign_no"]
        armed = client.post("/_mock/faults", content=b'{"infno": "2201", "kind": "drop_after_commit"}')
        assert armed.status_code == 200
        client.post("/_mock/faults", content=b'{"infno": "2201", "kind": "bad_gateway"}')
        registration = {
            "data": {
                "psn_no": "42010000000000000008",
                "insutype": "390",
                "begntime": "2026-11-22 09:00:00",
                "mdtrt_cert_type": "02",
                "mdtrt_cert_no": "42010219881001204X",
                "ipt_otp_no": "OP1",
                "dept_code": "K01",
                "dept_name": "内科",
                "caty": "A03",
            }
        }
        payload = envelope("2201", registration, sign_no=sign_no, msgid_serial=7)
        with pytest.raises(httpx.RemoteProtocolError):
            post(client, payload)
        bad = post(client, payload)
        assert (bad.status_code, bad.headers["content-type"].split(";")[0]) == (502, "text/html")
        answer = post(client, payload).json()  # the committed visit, answered again from the store
        assert answer["infcode"] == 0
        assert answer["output"]["data"]["mdtrt_id"].startswith("M420100")
        faults = [e["fault"] for e in client.get("/_mock/journal").json()["entries"] if e["infno"] == "2201"]
        assert faults == ["drop_after_commit", "bad_gateway", ""]
    assert server.stop() == 143
    server.running.reader.join(timeout=10)
    # The dropped connection is on purpose: uvicorn's "returned without completing response" is filtered.
    assert "ASGI callable" not in server.output_so_far()


@pytest.mark.parametrize("verbose", [False, True])
def test_python_m_mock_platform_logs_calls_only_with_verbose_and_never_on_stdout(
    tmp_path: Path, verbose: bool
) -> None:
    # stdout carries the listening line alone (a script waits for it); the per-call trace (infno, msgid,
    # infcode) goes to stderr, and only with -v, as `opsp mock serve` does it.
    command = [sys.executable, "-m", "mock_platform", "serve", "--port", "0", *(["-v"] if verbose else [])]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        listening = process.stdout.readline()
        assert listening.startswith("opsp mock platform listening on http://127.0.0.1:")
        url = listening.rsplit(" ", 1)[1].strip()
        with httpx.Client(base_url=url, timeout=10.0) as client:
            assert post(client, envelope("9001", {"signIn": {"opter_no": "0001"}})).status_code == 200
    finally:
        process.terminate()
        out, err = process.communicate(timeout=20)
    assert out == ""
    assert ("infno=9001" in err) is verbose
    assert ("transaction" in err) is verbose

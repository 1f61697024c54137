"""``opsp serve`` as a real process in front of ``opsp mock serve``: a curl client, a kill, the access log.

Both are real servers on loopback ports; the journal, key store and mock state are SQLite files.
P1's personal account starts at 1000.00 (DEMO_DATA.md); settling examples/visits/P1.json takes
114.00 + 84.00 + 32.20 from it, so exactly one settlement of each batch leaves 769.80.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapter import PlatformClient, decode, encode, load_settings
from adapter._embedded import demo_settings_path
from adapter.execution._journal_seal import new_key
from adapter.transactions import t1101
from tests.served import ROOT, Served, served

OPSP = str(Path(sys.executable).parent / "opsp")
SERVE_LISTENING = re.compile(r"opsp serve listening on (http://127\.0\.0\.1:\d+)")
TOKEN = "desk-1-token-served-test"
P1_CERT, P1_NAME = "640104196203152010", "马建国"


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.setenv("OPSP_JOURNAL_KEY", new_key())  # opsp serve seals credentials in its journal
    with served([OPSP, "mock", "serve", "--port", "0", "--db", str(tmp_path / "mock.sqlite3")]) as server:
        yield server


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "serve.toml"
    config.write_text(
        f'lease_seconds = 1.0\n[[desks]]\ndesk = "desk-1"\nopter = "0001"\ntoken = "{TOKEN}"\n',
        encoding="utf-8",
    )
    return config


def _serve(platform: Served, tmp_path: Path) -> list[str]:
    journal = str(tmp_path / "journal.sqlite3")
    config = str(_config(tmp_path))
    return [
        OPSP,
        "serve",
        "--config",
        config,
        "--platform",
        platform.url,
        "--journal",
        journal,
        "--port",
        "0",
    ]


def _balance(platform: Served) -> Decimal:
    settings = load_settings(demo_settings_path(), endpoint=platform.url + "/fsi/api/{infno}")
    with PlatformClient(settings) as client:
        query = t1101.PersonQuery(mdtrt_cert_type="02", mdtrt_cert_no=P1_CERT)
        balc: Decimal = client.call(t1101.TRANSACTION, t1101.Input(data=query)).output.insuinfo[0].balc
        return balc


def _headers(key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    return {**headers, "Idempotency-Key": key} if key else headers


def test_a_curl_client_settles_and_refunds(platform: Served, tmp_path: Path) -> None:
    with served(_serve(platform, tmp_path), listening=SERVE_LISTENING) as service:
        run = subprocess.run(
            ["sh", "tests/service/his_client.sh", service.url, TOKEN, "examples/visits/P1.json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        lines = run.stdout.splitlines()
        assert lines[:4] == [
            "psn_no 64010000000000000001",
            "statuses settled settled settled",
            '"cash_to_collect":15.00',
            "replay identical",
        ]
        assert lines[4] == "refund plan: refund refund resettle "
        assert lines[5] == '"complete":true'
        assert lines[6].startswith("resettled S")
        time.sleep(0.3)  # the last access line is written just after its answer
        log = service.output_so_far()
    # 1000.00 − 114.00 − 32.20: the 高血压 settlement (84.00) was refunded, 普通门诊 settled again.
    assert _balance(platform) == Decimal("853.80")
    # The access log has a line per request and no personal data.
    assert log.count("http_request") == 6  # openapi.json, lookup, settle twice, refund plan, refund
    assert "route=/v1/settlements" in log
    for personal in (P1_CERT, P1_NAME, "马*国"):
        assert personal not in log


def test_recover_after_the_server_process_is_killed(platform: Served, tmp_path: Path) -> None:
    visit = encode(decode((ROOT / "examples/visits/P1.json").read_bytes()))
    # The first 2207 takes 2 s at the platform: the service is killed while it waits.
    httpx.post(
        platform.url + "/_mock/faults", json={"infno": "2207", "kind": "delay", "times": 1, "seconds": 2}
    )
    with served(_serve(platform, tmp_path), listening=SERVE_LISTENING) as first:
        caught: list[BaseException] = []

        def settle() -> None:
            try:
                httpx.post(
                    first.url + "/v1/settlements", content=visit, headers=_headers("HIS-BILL-1"), timeout=30
                )
            except httpx.HTTPError as error:
                caught.append(error)

        thread = threading.Thread(target=settle)
        thread.start()
        _wait_for_call(platform, "2206")  # the platform logs a call once answered: batch 1 was pre-settled
        time.sleep(0.5)  # ... and its 2207 is now waiting out the delay
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        thread.join(timeout=30)
        assert caught, "the request should have died with the server"
    time.sleep(2.5)  # the platform finishes the delayed 2207 after the kill (it settled there)

    with served(_serve(platform, tmp_path), listening=SERVE_LISTENING) as second:
        # The dead process's lease (1 s) has run out, so the key is free — but its batch is in flight:
        # the service refuses to settle the bill again until recovery has run.
        refused = httpx.post(second.url + "/v1/settlements", content=visit, headers=_headers("HIS-BILL-1"))
        assert refused.status_code == 409, refused.text
        assert decode(refused.content)["error"]["code"] == "recovery_needed"
        assert decode(refused.content)["error"]["retryable"] is True
        recovered = decode(httpx.post(second.url + "/v1/recover", headers=_headers()).content)
        assert recovered["complete"] is True
        # The first batch died waiting for 2207 (journal: settling, no answer recorded): recover resolves it
        # with the platform — finishes it, or reverses it (2601) so it is safe to settle again.
        (action,) = recovered["actions"]
        assert action["before"] == "settling"
        assert action["after"] in ("settled", "unsettled")
        # The same key again: the rest of the bill is settled.
        reply = httpx.post(
            second.url + "/v1/settlements", content=visit, headers=_headers("HIS-BILL-1"), timeout=60
        )
        assert reply.status_code == 200, reply.text
        answer = decode(reply.content)
        assert answer["complete"] is True
        assert [b["status"] for b in answer["result"]["batches"]] == ["settled"] * 3
        replay = httpx.post(second.url + "/v1/settlements", content=visit, headers=_headers("HIS-BILL-1"))
        assert replay.content == reply.content
    # Exactly one settlement of each batch on the platform: 1000.00 − 114.00 − 84.00 − 32.20.
    assert _balance(platform) == Decimal("769.80")


def _wait_for_call(platform: Served, infno: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        traffic = httpx.get(platform.url + "/_mock/journal").text
        if f'"{infno}"' in traffic:
            return
        time.sleep(0.1)
    raise AssertionError(f"no {infno} reached the platform")

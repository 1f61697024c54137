"""Two ``opsp serve`` processes on one PostgreSQL journal behave as one service (issue #13, point 6).

Real processes: one served mock platform, two ``opsp serve`` in front of it sharing a PostgreSQL
journal (and so its key store), as two nodes behind a load balancer would. P1's personal account
starts at 1000.00 (DEMO_DATA.md); examples/visits/P1.json settles 114.00 + 84.00 + 32.20 from it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter import decode, encode
from adapter.execution._journal_seal import new_key
from tests.served import ROOT, Served, served

from .test_served import OPSP, SERVE_LISTENING, _balance

DESK1, DESK2 = "desk-1-token-served-pg", "desk-2-token-served-pg"
VISIT = encode(decode((ROOT / "examples/visits/P1.json").read_bytes()))


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.setenv("OPSP_JOURNAL_KEY", new_key())  # both processes share the hospital's one key
    with served([OPSP, "mock", "serve", "--port", "0", "--db", str(tmp_path / "mock.sqlite3")]) as server:
        yield server


def _serve(platform: Served, tmp_path: Path, journal: str) -> list[str]:
    config = tmp_path / "serve.toml"
    config.write_text(
        "lease_seconds = 5.0\n"
        f'[[desks]]\ndesk = "desk-1"\nopter = "0001"\ntoken = "{DESK1}"\n'
        f'[[desks]]\ndesk = "desk-2"\nopter = "0002"\ntoken = "{DESK2}"\n',
        encoding="utf-8",
    )
    return [
        OPSP,
        "serve",
        "--config",
        str(config),
        "--platform",
        platform.url,
        "--journal",
        journal,
        "--port",
        "0",
    ]


def _post(url: str, body: bytes, *, token: str, key: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key}
    return httpx.post(url, content=body, headers=headers, timeout=60)


def _day(url: str, token: str, day: str) -> list[dict[str, Any]]:
    reply = httpx.get(
        url + "/v1/settlements", params={"day": day}, headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 200, reply.text
    settlements: list[dict[str, Any]] = decode(reply.content)["settlements"]
    return settlements


def test_two_processes_on_one_postgres_journal_are_one_service(
    platform: Served, tmp_path: Path, postgres_url: str
) -> None:
    # The first 2207 takes a second at the platform, so both posts of the key overlap.
    httpx.post(
        platform.url + "/_mock/faults", json={"infno": "2207", "kind": "delay", "times": 1, "seconds": 1}
    )
    command = _serve(platform, tmp_path, postgres_url)
    with served(command, listening=SERVE_LISTENING) as a, served(command, listening=SERVE_LISTENING) as b:
        start = threading.Barrier(2)
        replies: dict[str, httpx.Response] = {}

        def post(name: str, url: str, token: str) -> None:
            start.wait()
            replies[name] = _post(url + "/v1/settlements", VISIT, token=token, key="HIS-BILL-PG-1")

        threads = [
            threading.Thread(target=post, args=("a", a.url, DESK1)),
            threading.Thread(target=post, args=("b", b.url, DESK2)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
        statuses = sorted(reply.status_code for reply in replies.values())
        # One did the work; the other saw the key in progress (409) or, if it came later, the stored answer.
        assert statuses in ([200, 200], [200, 409]), [r.text for r in replies.values()]
        for reply in replies.values():
            if reply.status_code == 409:
                assert decode(reply.content)["error"]["code"] == "in_progress"
        # Exactly one settlement of each batch: 1000.00 − 114.00 − 84.00 − 32.20 = 769.80.
        assert _balance(platform) == Decimal("769.80")
        winner = next(r for r in replies.values() if r.status_code == 200)
        settled = decode(winner.content)
        assert [x["status"] for x in settled["result"]["batches"]] == ["settled"] * 3
        settling_desk = settled["desk"]
        # The platform stamps the settlement time (the served mock: now); the day's list is by that day.
        (day,) = set(re.findall(r'"setl_time":"(\d{4}-\d{2}-\d{2})', winner.text))
        # The same key, now finished, replays the stored answer at either process, byte for byte.
        for url, token in ((a.url, DESK1), (b.url, DESK2)):
            again = _post(url + "/v1/settlements", VISIT, token=token, key="HIS-BILL-PG-1")
            assert again.status_code == 200
            assert again.content == winner.content
            assert again.headers["Idempotent-Replayed"] == "true"

        # Both processes show the same day: three settlements by the settling desk, under the one key.
        seen_a, seen_b = _day(a.url, DESK1, day), _day(b.url, DESK2, day)
        assert seen_a == seen_b
        assert [(s["desk"], s["idempotency_key"], s["active"]) for s in seen_a] == [
            (settling_desk, "HIS-BILL-PG-1", True)
        ] * 3

        # Settled through one process, refunded through the other: 高血压 (84.00), the middle of three.
        other_url, other_token, other_desk = (
            (b.url, DESK2, ("desk-2", "0002"))
            if replies["a"] is winner
            else (a.url, DESK1, ("desk-1", "0001"))
        )
        middle = settled["result"]["batches"][1]["receipt"]["setl_id"]
        body = encode({"setl_id": middle})
        refund = _post(other_url + "/v1/refunds", body, token=other_token, key="HIS-BILL-PG-1-R")
        assert refund.status_code == 200, refund.text
        assert decode(refund.content)["complete"] is True
        # The chain refunds 普通门诊 (32.20) and 高血压 (84.00), then settles 普通门诊 again (32.20):
        # 769.80 + 32.20 + 84.00 − 32.20 = 853.80.
        assert _balance(platform) == Decimal("853.80")
        # Both processes list who did what: the refunded one by the settling desk, the new one by the other.
        seen_a, seen_b = _day(a.url, DESK1, day), _day(b.url, DESK2, day)
        assert seen_a == seen_b
        by_id = {s["setl_id"]: s for s in seen_a}
        assert (by_id[middle]["desk"], by_id[middle]["active"]) == (settling_desk, False)
        resettled = [s for s in seen_a if s["operation"] == "resettle"]
        assert [((s["desk"], s["opter"]), s["idempotency_key"], s["active"]) for s in resettled] == [
            (other_desk, "HIS-BILL-PG-1-R", True)
        ]

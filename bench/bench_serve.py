"""Benchmark: what ``opsp serve`` adds over calling the library directly — plan, and a full settle.

Run from the repository root::

    .venv/bin/python bench/bench_serve.py [--requests 100] [--warm-up 10]

Both paths talk to one ``opsp mock serve --port 0`` (in-memory state) on a loopback port:

* **library**: ``Adapter(PlatformClient(settings), journal=SqliteJournal(file))`` in this process,
  ``adapter.plan(document)`` / ``adapter.settle(document)`` one after another;
* **service**: ``opsp serve --platform URL --journal FILE --port 0 --no-access-log`` as its own process,
  and this process posting the same documents as JSON over one kept-alive ``httpx.Client``
  (``POST /v1/plan``; ``POST /v1/settlements`` with a new ``Idempotency-Key`` per bill).

The bill is examples/visits/P1.json (three batches: 19 platform calls per settle), each settle with its
own ``ipt_otp_no``. The two adapters are separate billing nodes (``msgid_node`` 1 and 2), so their
msgids never collide at the mock. Figures: requests per second (one after another, as from one desk),
median and 95th percentile time per request, and the median added by the service (service − library).
The service's own overhead (HTTP, JSON both ways, auth, key store claim + finish, the desk's settlement
marks) is in that difference. Results go to stdout; this is a script, never a test assertion.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _machine import machine
from bench_client import CALL_SERVICE, mock_command, opsp_script, quiet_structlog

from adapter import Adapter, PlatformClient, encode, load_settings
from adapter._embedded import demo_settings_path
from adapter.execution import SqliteJournal
from adapter.execution._journal_seal import new_key, parse_key
from tests.served import served

VISIT_FILE = Path(__file__).resolve().parents[1] / "examples" / "visits" / "P1.json"
SERVE_LISTENING = re.compile(r"opsp serve listening on (http://127\.0\.0\.1:\d+)")
TOKEN = "bench-desk-token-0001"


@dataclass
class Figures:
    label: str
    seconds: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        return sorted(self.seconds)[int(len(self.seconds) * 0.95) - 1] * 1000

    @property
    def per_second(self) -> float:
        return len(self.seconds) / sum(self.seconds)


class Bills:
    def __init__(self, prefix: str) -> None:
        self._document: dict[str, Any] = json.loads(VISIT_FILE.read_text(encoding="utf-8"))
        self._prefix = prefix
        self.count = 0

    def next(self) -> dict[str, Any]:
        self.count += 1
        document = copy.deepcopy(self._document)
        document["visit"]["ipt_otp_no"] = f"{self._prefix}{self.count:06d}"
        return document


def timed(label: str, action: Callable[[], None], requests: int, warm_up: int) -> Figures:
    for _ in range(warm_up):
        action()
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return Figures(label, seconds)


def _discard(_: object) -> None:
    return None


def library_figures(url: str, journal: Path, requests: int, warm_up: int) -> list[Figures]:
    settings = load_settings(demo_settings_path(), endpoint=url + CALL_SERVICE, msgid_node=2)
    bills = Bills("BL")
    sql = SqliteJournal(journal, key=parse_key(new_key()))
    try:
        with PlatformClient(settings) as client:
            adapter = Adapter(client, journal=sql)
            plan = timed("library plan", lambda: _discard(adapter.plan(bills.next())), requests, warm_up)

            def settle() -> None:
                result = adapter.settle(bills.next())
                if [b.status for b in result.batches] != ["settled"] * 3:
                    raise RuntimeError(f"not settled: {result}")

            return [plan, timed("library settle", settle, requests, warm_up)]
    finally:
        sql.close()


def service_figures(url: str, requests: int, warm_up: int) -> list[Figures]:
    bills = Bills("BS")
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, headers=headers, timeout=30.0) as http:

        def plan() -> None:
            http.post("/v1/plan", content=encode(bills.next())).raise_for_status()

        def settle() -> None:
            bill = bills.next()
            key = {"Idempotency-Key": bill["visit"]["ipt_otp_no"]}
            answer = http.post("/v1/settlements", content=encode(bill), headers=key)
            answer.raise_for_status()
            if not answer.json()["complete"]:
                raise RuntimeError(f"not settled: {answer.text[:300]}")

        return [
            timed("service plan", plan, requests, warm_up),
            timed("service settle", settle, requests, warm_up),
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=100, help="timed requests of each kind (default 100)")
    parser.add_argument("--warm-up", type=int, default=10, help="untimed requests first (default 10)")
    args = parser.parse_args(argv)
    quiet_structlog()
    opsp = opsp_script()
    with tempfile.TemporaryDirectory() as tmp, served(mock_command(opsp)) as mock:
        config = Path(tmp) / "serve.toml"
        config.write_text(f'[[desks]]\ndesk = "bench"\nopter = "0001"\ntoken = "{TOKEN}"\n', encoding="utf-8")
        library = library_figures(mock.url, Path(tmp) / "library.sqlite3", args.requests, args.warm_up)
        command = [
            opsp,
            "serve",
            "--config",
            str(config),
            "--platform",
            mock.url,
            "--port",
            "0",
            "--journal",
            str(Path(tmp) / "service.sqlite3"),
            "--no-access-log",
        ]
        os.environ["OPSP_MSGID_NODE"] = "1"  # the served adapter's billing node (the library's is 2)
        os.environ["OPSP_JOURNAL_KEY"] = new_key()  # its journal seals credentials
        with served(command, listening=SERVE_LISTENING) as service:
            over_http = service_figures(service.url, args.requests, args.warm_up)
    print(machine())
    print(f"{args.requests} timed requests of each kind after {args.warm_up} warm-up, one after another\n")
    print(f"{'':18} {'req/s':>8} {'median ms':>10} {'p95 ms':>8}")
    for figures in [*library, *over_http]:
        print(f"{figures.label:18} {figures.per_second:8.1f} {figures.median_ms:10.1f} {figures.p95_ms:8.1f}")
    for kind, direct, http in zip(("plan", "settle"), library, over_http, strict=True):
        print(f"added by opsp serve, {kind}: {http.median_ms - direct.median_ms:+.1f} ms median")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the floor of the HTTP stack itself — what 19 round trips cost with nothing behind them.

Run from the repository root (about 30 s)::

    .venv/bin/python bench/bench_floor.py [--requests 2000] [--rounds 3]

A full visit (bench/bench_visits.py) is 19 platform calls. Before any adapter or platform work,
each call costs CPU in the HTTP client (httpx, the project's chosen client) and in the HTTP
server (uvicorn, which serves the mock). This script measures exactly that: an ``httpx.Client``
posting a 1 KB JSON envelope over keep-alive loopback TCP to uvicorn serving an ASGI app that
reads the body and answers a fixed 1 KB JSON envelope — no routing, no JSON parsing, no work.
The server runs in its own process with each of uvicorn's parsers and loops: h11 + asyncio (pure
Python) and httptools + uvloop (C), when installed. The client is measured three ways: httpx with
its default transport (httpcore + h11), httpx over the adapter's ``Http11Transport`` (what a
``PlatformClient`` uses unless the host injects its own client or transport), and the standard
library's bare ``http.client`` as a reference for what the client side could cost.

For each, per request: wall time, the client process's CPU and the server process's CPU (from
/proc). From those, two ceilings for a 19-call visit with *zero* application work:

- one desk (calls one after another): 1000 / (19 x wall per request) visits/s;
- all cores busy (many desks at once): cores x 1000 / (19 x (client CPU + server CPU)) visits/s.

Any real visit is slower than both. Results go to stdout; this is a script, never a test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from _empty_server import ANSWER
from _machine import machine, own_cpu_seconds, process_cpu_seconds

from adapter import Http11Transport

CALLS_PER_VISIT = 19
BODY = (
    b'{"infno":"1101","msgid":"H42010200001202611230930000001","input":{"data":{"pad":"'
    + b"x" * 900
    + b'"}}}'
)
SERVER = Path(__file__).with_name("_empty_server.py")


@dataclass(frozen=True)
class Floor:
    label: str
    wall: float  # seconds per request
    client_cpu: float
    server_cpu: float

    def one_desk(self) -> float:
        return 1 / (CALLS_PER_VISIT * self.wall)

    def all_cores(self, cores: int) -> float:
        return cores / (CALLS_PER_VISIT * (self.client_cpu + self.server_cpu))


def measure(label: str, post: Callable[[], None], server_pid: int, requests: int, rounds: int) -> Floor:
    """The median round of ``rounds``, each ``requests`` posts after 200 warm-up posts."""
    for _ in range(200):
        post()
    samples = []
    for _ in range(rounds):
        client, server, started = own_cpu_seconds(), process_cpu_seconds(server_pid), time.perf_counter()
        for _ in range(requests):
            post()
        wall = time.perf_counter() - started
        samples.append(
            Floor(
                label,
                wall / requests,
                (own_cpu_seconds() - client) / requests,
                (process_cpu_seconds(server_pid) - server) / requests,
            )
        )
    return sorted(samples, key=lambda floor: floor.wall)[len(samples) // 2]


def available(http: str, loop: str) -> bool:
    modules = {"httptools": "httptools", "uvloop": "uvloop"}
    for name in (http, loop):
        if name in modules:
            try:
                __import__(modules[name])
            except ImportError:
                return False
    return True


def run_stack(http_impl: str, loop: str, requests: int, rounds: int) -> list[Floor]:
    server = subprocess.Popen(
        [sys.executable, str(SERVER), http_impl, loop], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        url = f"http://127.0.0.1:{port}/fsi/api/rsfComIfsService/callService"
        headers = {"content-type": "application/json"}
        floors = []
        for client_label, transport in (("httpx", None), ("httpx/Http11", Http11Transport())):
            with httpx.Client(transport=transport) as client:

                def post_httpx() -> None:
                    answer = client.post(url, content=BODY, headers=headers)
                    if answer.status_code != 200 or answer.content != ANSWER:
                        raise RuntimeError("unexpected answer")

                label = f"{client_label} -> {http_impl}+{loop}"
                floors.append(measure(label, post_httpx, server.pid, requests, rounds))
        connection = http.client.HTTPConnection("127.0.0.1", port)

        def post_stdlib() -> None:
            connection.request("POST", url, body=BODY, headers=headers)
            if connection.getresponse().read() != ANSWER:
                raise RuntimeError("unexpected answer")

        label = f"http.client -> {http_impl}+{loop}"
        floors.append(measure(label, post_stdlib, server.pid, requests, rounds))
        connection.close()
        return floors
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is shown (default 3)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"machine: {machine()}")
    print(
        f"parameters: {args.requests} requests per round, median of {args.rounds} rounds; "
        f"1 KB envelope each way; a visit = {CALLS_PER_VISIT} calls"
    )
    print(
        f"\n{'client -> server stack':<34} {'wall us':>8} {'client CPU us':>14} {'server CPU us':>14}"
        f" {'1 desk visits/s':>16} {f'{cores} cores visits/s':>17}"
    )
    for http_impl, loop in (("h11", "asyncio"), ("httptools", "uvloop")):
        if not available(http_impl, loop):
            print(f"{http_impl}+{loop}: not installed")
            continue
        for floor in run_stack(http_impl, loop, max(1, args.requests), max(1, args.rounds)):
            print(
                f"{floor.label:<34} {floor.wall * 1e6:>8.0f} {floor.client_cpu * 1e6:>14.0f}"
                f" {floor.server_cpu * 1e6:>14.0f} {floor.one_desk():>16.0f} {floor.all_cores(cores):>17.0f}"
            )
    print("ceilings for a visit with no application work at all; see bench/bench_visits.py for real visits")
    return 0


if __name__ == "__main__":
    sys.exit(main())

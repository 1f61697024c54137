"""Benchmark: per-call overhead of ``PlatformClient.call`` against a plain httpx post of the same bytes.

Run from the repository root::

    .venv/bin/python bench/bench_client.py [--calls 200] [--rounds 7]

Two query transactions, 1101 (person by ID card, demo person P1) and 5301 (P1's filings), are made
``--calls`` times per round, warm (signed in, connection open, every code path run once), in two ways,
each over a kept-alive connection (the clients per platform are named below):

(a) ``PlatformClient.call(transaction, payload)``: input model validation, envelope building and
    encoding, TIF headers, the tenacity retry wrapper, answer parsing into the output model, logging;
(b) ``httpx.Client.post(url, content=body, headers=...)`` of envelope bytes built before the round
    with the client's own request builder (one fresh msgid per call, as the adapter sends),
    with the TIF headers computed per request with ``tif_signature``, and only a check that the
    answer says ``"infcode":0``.

Rounds of (a) and (b) alternate (a b, b a, a b, ...) to cancel drift. Each call is timed on its own;
the figures are the median per call over all rounds and the ratio of the medians (a)/(b); the target
(docs/benchmarks.md) is at most 1.3x over TCP. The CPU columns are this thread's CPU time per call
(``time.thread_time`` over each round, the median of the rounds): on a machine whose cores are shared,
wall time moves with the neighbours' load and CPU time much less; the target for the CPU ratio is at
most 1.15x (issue #18). Two platforms, in this order:

* ``opsp mock serve --port 0`` on a loopback port (in-memory state) — the headline figure. The
  adapter builds its own client (``Http11Transport``, posted below ``httpx.Client.post``: what a host
  that injects no client gets), and (b) is shown twice: posted with a plain ``httpx.Client()``
  (httpcore + h11, its own connection), and with ``httpx.Client(transport=Http11Transport())``; a
  third table has (a) post through a host's ``httpx.Client(transport=Http11Transport())`` instead
  (``Client.post``, what a host that injects its own client gets);
* the mock's in-process transport, where the platform's own cost is smaller and the adapter's share
  larger;
* canned answers: an ``httpx.MockTransport`` replaying the bytes the in-process mock answered each
  query once, so nothing but the client runs and (a)-(b) is the adapter's own cost per call.

This benchmark found that the served mock left TCP_NODELAY off on its connections; since
``mock_platform/_server.py`` creates its socket with ``IPPROTO_TCP`` and sets TCP_NODELAY, the earlier
~40 ms delayed-ACK stall on every kept-alive answer is gone.

``--platforms served,canned`` picks platforms; ``--profile CALLS`` instead runs CALLS canned-answer
calls of each query under cProfile (thread CPU) and prints the client's own time by part (read the
answer, the output model, the request bytes, TIF headers, msgid, structlog, the rest).

structlog is configured to drop info events (as a host does in production with
``structlog.make_filtering_bound_logger(logging.WARNING)``); the served mock is a separate process
and logs every transaction as it does by default. Results go to stdout; this is a script, never a
test assertion.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import structlog
from _machine import machine

from adapter import Http11Transport, PlatformClient, load_settings
from adapter._client import _timeout
from adapter._embedded import demo_settings_path
from adapter._gateway import tif_signature
from adapter._settings import AdapterSettings
from adapter.transactions import InputModel, Transaction, t1101, t5301
from mock_platform import MockPlatform
from tests.served import served

CALL_SERVICE = "/fsi/api/rsfComIfsService/callService"
IN_PROCESS_URL = "http://mock.local" + CALL_SERVICE
P1_CERTNO = "640104196203152010"  # config/demo/people.toml P1 (synthetic)
P1_PSN_NO = "64010000000000000001"
P1_INSURED_PLACE = "640100"
WARM_UP_CALLS = 20


@dataclass(frozen=True)
class Query:
    label: str
    transaction: Transaction[Any, Any]
    payload: InputModel
    insuplc_admdvs: str


QUERIES = (
    Query(
        "1101 by ID card",
        t1101.TRANSACTION,
        t1101.Input(data=t1101.PersonQuery(mdtrt_cert_type="02", mdtrt_cert_no=P1_CERTNO)),
        "",
    ),
    Query(
        "5301 filings",
        t5301.TRANSACTION,
        t5301.Input(data=t5301.PersonRef(psn_no=P1_PSN_NO)),
        P1_INSURED_PLACE,
    ),
)


@dataclass(frozen=True)
class Result:
    label: str
    adapter_us: float
    plain_us: float
    adapter_cpu_us: float = 0.0
    """Thread CPU per call, median of the rounds: what the call costs this process, whatever the load."""
    plain_cpu_us: float = 0.0

    @property
    def ratio(self) -> float:
        return self.adapter_us / self.plain_us

    @property
    def cpu_ratio(self) -> float:
        return self.adapter_cpu_us / self.plain_cpu_us


class PlainCaller:
    """What a hand-written client does at the least: post pre-built bytes with fresh TIF headers."""

    def __init__(self, http: httpx.Client, settings: AdapterSettings, client: PlatformClient) -> None:
        self._http = http
        self._settings = settings
        self._client = client
        self._paasid = settings.gateway.tif_paasid
        self._token = settings.gateway.tif_token.get_secret_value()

    def bodies(self, query: Query, count: int) -> list[bytes]:
        """``count`` envelopes as the adapter builds them, each with its own msgid (built untimed)."""
        sign_no = self._client.sign_no()
        infno = query.transaction.infno
        return [
            # The client's own envelope builder, so that the bytes are exactly what (a) sends.
            self._client._body(infno, query.payload, query.insuplc_admdvs, self._client.new_msgid(), sign_no)
            for _ in range(count)
        ]

    def post(self, url: str, body: bytes) -> None:
        timestamp = str(int(time.time()))
        nonce = uuid.uuid4().hex
        headers = {
            "Content-Type": "application/json;charset=utf-8",
            "x-tif-paasid": self._paasid,
            "x-tif-timestamp": timestamp,
            "x-tif-nonce": nonce,
            "x-tif-signature": tif_signature(timestamp, self._token, nonce),
        }
        response = self._http.post(url, content=body, headers=headers)
        if response.status_code != 200 or b'"infcode":0' not in response.content:
            raise RuntimeError(f"plain call failed: HTTP {response.status_code} {response.content[:200]!r}")


def timed(calls: list[Callable[[], object]], samples: list[float], cpu: list[float]) -> None:
    """Each call's wall time into ``samples``; the round's thread CPU per call into ``cpu``."""
    began = time.thread_time()
    for call in calls:
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    cpu.append((time.thread_time() - began) / len(calls))


def measure(
    settings: AdapterSettings,
    http: httpx.Client | None,
    calls: int,
    rounds: int,
    plain_http: httpx.Client | None = None,
) -> list[Result]:
    """Median per-call time of (a) and (b) for each query, over ``rounds`` interleaved rounds. (a) posts
    through ``http`` when given (a host's client: ``Client.post``), else through the client
    ``PlatformClient`` builds itself (its direct way below ``Client.post``); (b) posts through
    ``plain_http`` when given (another client, its own connection), else through ``http``."""
    results = []
    with PlatformClient(settings, http_client=http) as client:
        client.sign_no()  # 9001 once, as a cashier's first call of the day does
        plain_through = plain_http or http
        if plain_through is None:
            raise ValueError("(b) needs an httpx.Client: give plain_http when the adapter builds its own")
        plain = PlainCaller(plain_through, settings, client)
        for query in QUERIES:
            url = settings.url_for(query.transaction.infno)

            def adapter_call(query: Query = query) -> object:
                return client.call(query.transaction, query.payload, insuplc_admdvs=query.insuplc_admdvs)

            for body in plain.bodies(query, WARM_UP_CALLS):
                adapter_call()
                plain.post(url, body)
            adapter_samples: list[float] = []
            plain_samples: list[float] = []
            adapter_cpu: list[float] = []
            plain_cpu: list[float] = []
            for round_ in range(rounds):
                bodies = plain.bodies(query, calls)
                plain_calls: list[Callable[[], object]] = [partial(plain.post, url, body) for body in bodies]
                adapter_calls: list[Callable[[], object]] = [adapter_call] * calls
                if round_ % 2 == 0:
                    timed(adapter_calls, adapter_samples, adapter_cpu)
                    timed(plain_calls, plain_samples, plain_cpu)
                else:
                    timed(plain_calls, plain_samples, plain_cpu)
                    timed(adapter_calls, adapter_samples, adapter_cpu)
            results.append(
                Result(
                    query.label,
                    statistics.median(adapter_samples) * 1e6,
                    statistics.median(plain_samples) * 1e6,
                    statistics.median(adapter_cpu) * 1e6,
                    statistics.median(plain_cpu) * 1e6,
                )
            )
    return results


def _infno(request: httpx.Request) -> str:
    return request.read().split(b'"infno":"', 1)[1][:4].decode()


class _Recording(httpx.BaseTransport):
    """Passes requests to ``inner`` and keeps each transaction's answer bytes."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.answers: dict[str, bytes] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        content = response.read()
        self.answers[_infno(request)] = content
        return httpx.Response(response.status_code, headers=response.headers, content=content)


def canned_answers(settings: AdapterSettings) -> httpx.MockTransport:
    """A transport answering each transaction with the bytes the in-process mock answered it once."""
    mock = MockPlatform()
    recording = _Recording(mock.transport())
    try:
        with (
            httpx.Client(transport=recording, timeout=10.0) as http,
            PlatformClient(settings, http_client=http) as client,
        ):
            for query in QUERIES:  # signs in (9001) first
                client.call(query.transaction, query.payload, insuplc_admdvs=query.insuplc_admdvs)
    finally:
        mock.close()
    answers = recording.answers
    return httpx.MockTransport(lambda request: httpx.Response(200, content=answers[_infno(request)]))


def quiet_structlog() -> None:
    """Drop info (and debug) events, as a host does in production."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def report(title: str, results: list[Result]) -> None:
    print(f"\n{title}")
    print(
        f"{'query':<18} {'(a) adapter':>14} {'(b) plain httpx':>16} {'(a)-(b)':>10} {'(a)/(b)':>8}"
        f" {'(a) CPU':>10} {'(b) CPU':>10} {'CPU (a)/(b)':>12}"
    )
    for result in results:
        print(
            f"{result.label:<18} {result.adapter_us:>11.0f} µs {result.plain_us:>13.0f} µs "
            f"{result.adapter_us - result.plain_us:>7.0f} µs {result.ratio:>7.2f}x"
            f" {result.adapter_cpu_us:>7.0f} µs {result.plain_cpu_us:>7.0f} µs {result.cpu_ratio:>11.2f}x"
        )


def mock_command(opsp: str, *args: str) -> list[str]:
    """The served mock on a free loopback port: ``opsp mock serve --port 0 [args]``."""
    return [opsp, "mock", "serve", "--port", "0", *args]


def opsp_script() -> str:
    opsp = shutil.which("opsp", path=str(Path(sys.executable).parent))
    if opsp is None:
        raise SystemExit("the opsp console script is not installed beside this Python (pip install -e .)")
    return opsp


PLATFORMS = ("served", "in-process", "canned")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=200, help="calls per round for each way (default 200)")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument(
        "--platforms",
        default=",".join(PLATFORMS),
        help=f"which platforms, comma-separated (default {','.join(PLATFORMS)})",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="CALLS",
        help="instead: cProfile CALLS canned-answer calls of each query; print the client's own time by part",
    )
    args = parser.parse_args()
    calls, rounds = max(1, args.calls), max(1, args.rounds)
    platforms = [name.strip() for name in args.platforms.split(",") if name.strip()]
    if unknown := set(platforms) - set(PLATFORMS):
        parser.error(f"unknown platform(s): {', '.join(sorted(unknown))}")

    quiet_structlog()
    print(f"machine: {machine()}")
    if args.profile:
        profile(args.profile)
        return 0
    print(
        f"parameters: {calls} calls per round x {rounds} rounds for each way and query, after "
        f"{WARM_UP_CALLS} warm-up calls; structlog drops info events in this process"
    )
    started = time.perf_counter()
    if "served" in platforms:
        with served(mock_command(opsp_script())) as server:
            settings = load_settings(demo_settings_path(), endpoint=server.url + CALL_SERVICE)
            # (a) as a host that injects nothing gets it: the client PlatformClient builds itself
            # (Http11Transport, posted below Client.post); and as a host injecting that same transport
            # in its own httpx.Client gets it (through Client.post).
            with (
                httpx.Client(transport=Http11Transport(), timeout=_timeout(settings)) as lean,
                httpx.Client(timeout=10.0) as stock,
            ):
                against_stock = measure(settings, None, calls, rounds, plain_http=stock)
                against_lean = measure(settings, None, calls, rounds, plain_http=lean)
                injected = measure(settings, lean, calls, rounds, plain_http=lean)
        report(
            f"served mock ({server.url}, in-memory state), (a) the adapter's own client (Http11Transport,"
            " posted directly), (b) plain httpx.Client() (httpcore + h11), median per call:",
            against_stock,
        )
        report(
            "the same, (b) plain httpx.Client(transport=Http11Transport()), median per call:", against_lean
        )
        report(
            "the same, (a) through a host's httpx.Client(transport=Http11Transport()) (Client.post),"
            " (b) as above, median per call:",
            injected,
        )

    if "in-process" in platforms:
        mock = MockPlatform()
        try:
            settings = load_settings(demo_settings_path(), endpoint=IN_PROCESS_URL)
            with httpx.Client(transport=mock.transport(), timeout=10.0) as http:
                in_process = measure(settings, http, calls, rounds)
        finally:
            mock.close()
        report(
            "in-process mock (MockPlatform().transport(); the mock's own cost is smaller), median per call:",
            in_process,
        )

    if "canned" in platforms:
        settings = load_settings(demo_settings_path(), endpoint=IN_PROCESS_URL)
        with httpx.Client(transport=canned_answers(settings), timeout=10.0) as http:
            canned = measure(settings, http, calls, rounds)
        report(
            "canned answers (httpx.MockTransport replaying the mock's answer bytes: no platform work at all,"
            " so (a)-(b) is the adapter's own cost), median per call:",
            canned,
        )
    print(
        f"\ntotal time {time.perf_counter() - started:.1f} s; targets (a)/(b) <= 1.3x over TCP,"
        " CPU (a)/(b) <= 1.15x"
    )
    return 0


# Where the client's own time goes, by the function that owns it (module path part, name): cumulative
# time, so a part includes what it calls. httpx.Client.post is subtracted from PlatformClient.call.
PROFILE_PARTS = (
    ("reading the answer (decode + ResponseEnvelope)", ("adapter/_envelope.py", "read_answer")),
    ("  of which decode", ("adapter/_codec.py", "decode")),
    ("the output model (parse_output)", ("adapter/transactions/_base.py", "parse_output")),
    ("request bytes (to_wire, envelope, encode)", ("adapter/_client.py", "_body")),
    ("TIF headers", ("adapter/_gateway.py", "headers")),
    ("msgid", ("adapter/_msgid.py", "__call__")),
    ("sign_no (cached)", ("adapter/_client.py", "sign_no")),
)


def profile(calls: int) -> None:
    """cProfile (thread CPU) of ``calls`` canned-answer calls per query: the client's own time by part."""
    settings = load_settings(demo_settings_path(), endpoint=IN_PROCESS_URL)
    with (
        httpx.Client(transport=canned_answers(settings), timeout=10.0) as http,
        PlatformClient(settings, http_client=http) as client,
    ):
        client.sign_no()
        for query in QUERIES:
            for _ in range(WARM_UP_CALLS):
                client.call(query.transaction, query.payload, insuplc_admdvs=query.insuplc_admdvs)
        print(f"cProfile of {calls} calls per query, canned answers (times inflated by the profiler):")
        for query in QUERIES:
            profiler = cProfile.Profile(time.thread_time)
            profiler.enable()
            for _ in range(calls):
                client.call(query.transaction, query.payload, insuplc_admdvs=query.insuplc_admdvs)
            profiler.disable()
            report_profile(query.label, pstats.Stats(profiler), calls)


def report_profile(label: str, stats: pstats.Stats, calls: int) -> None:
    table: dict[tuple[str, int, str], tuple[int, int, float, float, object]] = stats.stats  # type: ignore[attr-defined]

    def cumulative(path: str, function: str) -> float:
        return sum(row[3] for key, row in table.items() if key[0].endswith(path) and key[2] == function)

    post = cumulative("httpx/_client.py", "post")
    own = cumulative("adapter/_client.py", "call") - post
    structlog_own = sum(row[2] for key, row in table.items() if "/structlog/" in key[0])
    print(f"\n{label}: httpx.Client.post {post / calls * 1e6:.0f} us, the client's own", end=" ")
    print(f"{own / calls * 1e6:.0f} us")
    rows = [(name, cumulative(path, function)) for name, (path, function) in PROFILE_PARTS]
    rows.append(("structlog (its own functions)", structlog_own))
    rows.append(
        ("the rest (call path, Reply, clock, ...)", own - sum(t for n, t in rows if not n.startswith(" ")))
    )
    for name, spent in rows:
        print(f"  {name:<50} {spent / calls * 1e6:6.1f} us {100 * spent / own:5.1f} %")


if __name__ == "__main__":
    sys.exit(main())

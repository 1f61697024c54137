"""A generative fault test: random settle / refund / recover under random faults and crashes.

A hypothesis state machine drives one adapter (restarted after every crash, on the same
journal) against the in-process mock. Each step may first arm faults (any kind of
``mock_platform/backend/faults.py`` on any infno the adapter uses) and a crash at any
checkpoint (``before``/``after``/``recorded`` of every state-changing call, ``ledger 2207``),
then settles a new bill, settles an earlier bill again, refunds a settlement, or recovers.
After every step platform and journal must agree:

* nothing is settled twice: at most one settlement in effect per batch of a bill;
* no registration is open on the platform without a batch in flight in the journal;
* the platform's accumulators equal the sum over the settlements in effect (count and fees),
  and, when nothing is in flight, the journal's settlements in effect are the platform's;
* no msgid is used for two different requests; a finished batch has no call left open;
* nothing but the adapter's own errors escapes (``AdapterError``).

The bounded run is ``tests/execution/test_fault_machine.py`` (in the suite). A longer one::

    .venv/bin/python -m tests.execution.fault_machine --examples 300 --steps 12 --seed 1

prints the failing sequence (hypothesis shrinks it) and exits 1 if an invariant breaks.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as with_seed
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from adapter import Adapter, AdapterError, PlatformClient, load_settings
from adapter._embedded import demo_settings_path
from adapter.execution import SqliteJournal
from mock_platform import MockPlatform

from .helpers import NOW, bill, mock_config

P1_PSN, INSUTYPE, YEAR = "64010000000000000001", "310", 2026
VISIT_KEY = "H42010200001:{}"
EXAMPLE = "examples/visits/P1.json"
# Bills: the example (three batches: M01600, M03900, ordinary) and a one-line diabetes bill
# (Y001 0.40 × 60 = 24.00). Both the person's account and the fund pay, so refunds must
# restore both.
ONE_LINE = [("Y001", "0.40", "60")]

STATE_CHANGING = ("2201", "2202", "2203", "2204", "2205", "2206", "2207", "2208", "2601")
QUERIES = ("5201", "5204", "1101", "5301", "2001", "9001")
CRASH_POINTS = [f"{moment} {infno}" for infno in STATE_CHANGING for moment in ("before", "after", "recorded")]
CRASH_POINTS.append("ledger 2207")
FAULT_KINDS = (
    "drop_after_commit",
    "timeout_after_commit",
    "fail_before_commit",
    "error",
    "maintenance",
    "bad_gateway",
    "gateway_auth",
    "delay",
)
_BATCH = re.compile(r"^(?P<base>.+-\d+)(?:R\d+)?$")


OUTCOMES: Counter[str] = Counter()
"""What the steps ended in, over a run (the script prints it: a run that only ever refuses proves little)."""


class SimulatedCrash(BaseException):
    """A kill: not an Exception, so no handler in the adapter runs (as none would)."""


@dataclass
class Crash:
    point: str
    nth: int
    seen: int = 0

    def __call__(self, name: str) -> None:
        if name == self.point:
            self.seen += 1
            if self.seen == self.nth:
                raise SimulatedCrash(name)


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Armed:
    crash: Crash | None = None
    log: list[str] = field(default_factory=list)

    def checkpoint(self, name: str) -> None:
        if self.crash is not None:
            self.crash(name)


faults = st.lists(
    st.tuples(st.sampled_from(STATE_CHANGING + QUERIES), st.sampled_from(FAULT_KINDS), st.integers(1, 2)),
    max_size=2,
)
crashes = st.none() | st.builds(Crash, st.sampled_from(CRASH_POINTS), st.integers(1, 3))
ticks = st.sampled_from([0, 0, 1, 60])  # restarts within the same second are the hard case


class FaultMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.mock = MockPlatform(clock=self.clock, config=mock_config(), sleep=lambda _s: None)
        self.journal = SqliteJournal(":memory:")
        self.armed = Armed()
        self.client: PlatformClient | None = None
        self.adapter = self._start()
        self.visits: list[str] = []

    def _start(self) -> Adapter:
        if self.client is not None:
            self.client.close()
        self.client = PlatformClient(
            load_settings(demo_settings_path()),
            transport=self.mock.transport(),
            clock=self.clock,
            sleep=lambda _s: None,
        )
        return Adapter(self.client, clock=self.clock, journal=self.journal, checkpoint=self.armed.checkpoint)

    def teardown(self) -> None:
        if self.client is not None:
            self.client.close()
        self.journal.close()
        self.mock.close()

    # -- steps --------------------------------------------------------------------------

    def _run(
        self, action: Any, armed_faults: list[tuple[str, str, int]], crash: Crash | None, tick: int
    ) -> Any:
        self.clock.now += timedelta(seconds=tick)
        for infno, kind, times in armed_faults:
            self.mock.faults.add(infno, kind, times=times, seconds=1 if kind == "delay" else None)
        self.armed.crash = crash
        try:
            result = action()
        except SimulatedCrash:
            OUTCOMES["crash"] += 1
            self.adapter = self._start()  # a new process on the same journal and platform
            return None
        except AdapterError as error:
            OUTCOMES[type(error).__name__] += 1
            return None  # a typed refusal is an acceptable end of a step
        finally:
            self.armed.crash = None
            self.mock.faults.clear()
        for batch in getattr(result, "batches", ()):
            OUTCOMES[f"batch {batch.status}"] += 1
        if hasattr(result, "status") and not hasattr(result, "batches"):
            OUTCOMES[f"refund {result.status}"] += 1
        return result

    @rule(kind=st.sampled_from(["example", "one_line"]), armed=faults, crash=crashes, tick=ticks)
    def settle_new(
        self, kind: str, armed: list[tuple[str, str, int]], crash: Crash | None, tick: int
    ) -> None:
        number = f"FZ{len(self.visits) + 1:03d}"
        self.visits.append(number)
        document = bill(number, ONE_LINE) if kind == "one_line" else _example(number)
        self._run(lambda: self.adapter.settle(document), armed, crash, tick)

    @rule(which=st.integers(0, 50), armed=faults, crash=crashes, tick=ticks)
    def settle_again(
        self, which: int, armed: list[tuple[str, str, int]], crash: Crash | None, tick: int
    ) -> None:
        if not self.visits:
            return
        number = self.visits[which % len(self.visits)]
        records = self.journal.batches_of_visit(VISIT_KEY.format(number))
        document = bill(number, ONE_LINE) if len({r.batch_number for r in records}) <= 1 else _example(number)
        self._run(lambda: self.adapter.settle(document), armed, crash, tick)

    @rule(which=st.integers(0, 50), armed=faults, crash=crashes, tick=ticks)
    def refund(self, which: int, armed: list[tuple[str, str, int]], crash: Crash | None, tick: int) -> None:
        active = [s.setl_id for s in self.journal.settlements_in_scope(P1_PSN, INSUTYPE, YEAR) if s.active]
        if not active:
            return
        target = active[which % len(active)]
        self._run(lambda: self.adapter.refund(target), armed, crash, tick)

    @rule(armed=faults, crash=crashes, tick=ticks)
    def recover(self, armed: list[tuple[str, str, int]], crash: Crash | None, tick: int) -> None:
        self._run(self.adapter.recover, armed, crash, tick)

    # -- what must hold after every step -------------------------------------------------

    def _platform(self, sql: str, *args: Any) -> list[Any]:
        connection = self.mock._backend.store._connection  # white-box: the platform's own truth
        return list(connection.execute(sql, args).fetchall())

    def _in_flight(self) -> bool:
        return bool(self.journal.unfinished_batches() or self.journal.unfinished_chains())

    @invariant()
    def nothing_settled_twice(self) -> None:
        active = self._platform(
            "SELECT chrg_bchno FROM settlement WHERE kind = 'settlement' AND status = 'active'"
        )
        per_batch = Counter(_batch_of(row["chrg_bchno"]) for row in active)
        twice = {batch: count for batch, count in per_batch.items() if count > 1}
        assert not twice, f"settled more than once on the platform: {twice}"

    @invariant()
    def no_registration_open_without_a_batch_in_flight(self) -> None:
        open_visits = self._platform(
            "SELECT v.mdtrt_id, v.ipt_otp_no FROM visit v WHERE v.status = 'active' AND NOT EXISTS"
            " (SELECT 1 FROM settlement s WHERE s.mdtrt_id = v.mdtrt_id AND s.kind = 'settlement'"
            " AND s.status = 'active')"
        )
        if not open_visits or self.journal.unfinished_chains():
            return
        in_flight = self.journal.unfinished_batches()
        known = {r.mdtrt_id for r in in_flight} | {r.chrg_bchno for r in in_flight}
        dangling = [
            (row["mdtrt_id"], row["ipt_otp_no"])
            for row in open_visits
            if row["mdtrt_id"] not in known and row["ipt_otp_no"] not in known
        ]
        assert not dangling, f"registrations open on the platform with no batch in flight: {dangling}"

    @invariant()
    def accumulators_equal_the_live_settlements(self) -> None:
        live = self._platform(
            "SELECT setl_id FROM settlement WHERE kind = 'settlement' AND status = 'active' AND psn_no = ?",
            P1_PSN,
        )
        totals = _accumulators(self._platform("SELECT cum_type_code, amount FROM accumulator_entry"))
        assert totals.get("C0000", Decimal(0)) == len(live), (
            f"C0000 {totals.get('C0000')} vs {len(live)} live"
        )
        if self._in_flight():
            return
        ledger = [s for s in self.journal.settlements_in_scope(P1_PSN, INSUTYPE, YEAR) if s.active]
        assert sorted(s.setl_id for s in ledger) == sorted(row["setl_id"] for row in live), (
            "journal and platform disagree on the settlements in effect"
        )
        fees = sum((s.medfee_sumamt for s in ledger), Decimal(0))
        assert totals.get("S0000", Decimal(0)) == fees, f"S0000 {totals.get('S0000')} vs Σ medfee {fees}"

    @invariant()
    def no_msgid_reused(self) -> None:
        reused = self._platform(
            "SELECT msgid, group_concat(DISTINCT infno) AS infnos FROM traffic WHERE msgid != ''"
            " GROUP BY msgid HAVING count(DISTINCT infno) > 1"
        )
        assert not reused, f"msgids used for different calls: {[tuple(row) for row in reused]}"
        refused = self._platform(
            "SELECT msgid, infno, err_msg FROM traffic WHERE err_msg LIKE '%报文ID%重复%'"
        )
        assert not refused, f"the platform refused a reused msgid: {[tuple(row) for row in refused]}"

    @invariant()
    def finished_batches_leave_no_call_open(self) -> None:
        for call in self.journal.open_calls():
            if call.batch_id is not None:
                record = self.journal.batch(call.batch_id)
                assert not record.state.terminal, (
                    f"{call.infno} {call.msgid} still {call.status} on a {record.state} batch"
                )


def _example(number: str) -> dict[str, Any]:
    import json
    from pathlib import Path

    document: dict[str, Any] = json.loads(Path(EXAMPLE).read_text(encoding="utf-8"))
    document["visit"]["ipt_otp_no"] = number
    return document


def _batch_of(chrg_bchno: str) -> str:
    match = _BATCH.match(chrg_bchno)
    return match.group("base") if match else chrg_bchno


def _accumulators(rows: list[Any]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in rows:
        totals[row["cum_type_code"]] = totals.get(row["cum_type_code"], Decimal(0)) + Decimal(row["amount"])
    return totals


def machine_settings(*, examples: int, steps: int, derandomize: bool, shrink: bool = True) -> settings:
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=derandomize,
        database=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=300, help="sequences to run (default 300)")
    parser.add_argument("--steps", type=int, default=12, help="steps per sequence at most (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed: the same seed, the same run")
    parser.add_argument("--no-shrink", action="store_true", help="report the first failing sequence as found")
    args = parser.parse_args(argv)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))

    seeded = type("SeededFaultMachine", (FaultMachine,), {})
    with_seed(args.seed)(seeded)  # run_state_machine_as_test reads the seed off the machine class
    try:
        run_state_machine_as_test(
            seeded,
            settings=machine_settings(
                examples=args.examples, steps=args.steps, derandomize=False, shrink=not args.no_shrink
            ),
        )
    except AssertionError as error:
        steps = "\n".join(getattr(error, "__notes__", []))
        print(f"invariant broken: {error}\n{steps}", file=sys.stderr)
        return 1
    print(f"{args.examples} sequences of up to {args.steps} steps (seed {args.seed}): every invariant held")
    print("step outcomes: " + ", ".join(f"{name} {count}" for name, count in OUTCOMES.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

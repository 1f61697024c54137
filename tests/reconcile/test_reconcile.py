"""Reconciliation (3201/3202) against the mock: a busy day balances, each injected difference is found,
classified, repaired, and the next reconcile balances.

The mock counts a settlement on the day of its setl_time and its refund (negated amounts) on the refund's
day (PROTOCOL.md §6.7); the tests move one clock both sides read.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from adapter import Adapter
from adapter.execution import BatchState, ExecutionPolicy
from adapter.reconcile import DifferenceKind, RepairAction, RepairStatus, render_html

from .helpers import DAY, World, at, example_visit, next_day, settle, settle_one, world

# Persons across insutypes (310 职工 / 390 居民) and insured places (640100, 150300, 420500, 420100).
PEOPLE = ("P1", "P2", "P3", "P4", "P5", "P7", "P8", "P9", "P10")


def test_a_day_of_40_settlements_and_6_refunds_across_insutypes_balances(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        settled: list[str] = []
        minute = 0
        while len(settled) < 40:
            person = PEOPLE[minute % len(PEOPLE)]
            settled += settle(w, person, minute, DAY, minute)
            minute += 1
        settled = settled[:40] if len(settled) == 40 else settled
        w.clock.set(DAY, 16)
        refunded = 0
        for setl_id in reversed(settled):  # the newest of each person first: no chain needed
            record = w.journal.settlement(setl_id)
            assert record is not None
            scope = w.journal.settlements_in_scope(record.psn_no, record.insutype, record.year)
            if [s.setl_id for s in scope if s.active][-1] != setl_id or refunded == 6:
                continue
            assert w.adapter().refund(setl_id).status == "done"
            refunded += 1
        assert refunded == 6
        w.clock.set(DAY, 18)
        report = w.reconcile(DAY)
        assert report.balanced, [g.stmt_rslt_dscr for g in report.groups if not g.balanced]
        counted = sum(group.totals.count for group in report.groups)
        # Each refund adds its reverse row on the same day; every re-settled remainder adds a new settlement.
        ledger = w.journal.settlements_between(DAY, DAY)
        assert counted == len(ledger) + sum(1 for s in ledger if s.refund_setl_id)
        assert {g.insutype for g in report.groups} == {"310", "390"}
        assert len(settled) >= 40


def test_outside_his_settlement_is_found_and_imported(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        original = settle_one(w)
        w.clock.set(DAY, 11)
        made = w.control("reconcile/outside_settlement", {"like_setl_id": original})
        w.clock.set(DAY, 18)
        report = w.reconcile(DAY)
        assert not report.balanced
        (difference,) = report.differences
        assert (difference.kind, difference.cause) == (DifferenceKind.PLATFORM_ONLY, "outside_his")
        assert difference.setl_id == made["setl_id"]
        assert difference.msgid == made["msgid"]
        assert difference.repair.action == RepairAction.IMPORT
        repaired = w.reconcile(DAY, repair=True)
        assert [d.repair.status for d in repaired.differences] == [RepairStatus.DONE]
        imported = w.journal.settlement(made["setl_id"])
        assert imported is not None
        assert imported.msgid == made["msgid"]
        assert [a.reason for a in w.journal.amendments(made["setl_id"])] == ["reconcile:import"]
        assert w.reconcile(DAY).balanced


def test_refund_outside_his_is_found_and_imported(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        setl_id = settle_one(w)
        w.clock.set(DAY, 12)
        refund = w.control("reconcile/outside_refund", {"setl_id": setl_id})
        w.clock.set(DAY, 18)
        (difference,) = w.reconcile(DAY).differences
        assert (difference.kind, difference.refd_setl_flag) == (DifferenceKind.REFUND_ONE_SIDE, "1")
        assert difference.setl_id == refund["setl_id"]
        assert difference.repair.action == RepairAction.IMPORT
        w.reconcile(DAY, repair=True)
        ledger = w.journal.settlement(setl_id)
        assert ledger is not None
        assert not ledger.active
        assert ledger.refund_setl_id == refund["setl_id"]
        assert w.reconcile(DAY).balanced


def test_amount_changed_after_the_fact_is_found_and_the_platform_amounts_imported(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        setl_id = settle_one(w)
        before = w.journal.settlement(setl_id)
        assert before is not None
        # P7's bill: the platform now says 10.00 less was paid from the account (cash 10.00 more).
        w.control(
            "reconcile/alter",
            {
                "setl_id": setl_id,
                "acct_pay": str(before.acct_pay - Decimal("10.00")),
                "psn_cash_pay": str(before.psn_cash_pay + Decimal("10.00")),
            },
        )
        w.clock.set(DAY, 18)
        report = w.reconcile(DAY)
        (group,) = [g for g in report.groups if not g.balanced]
        assert "个人账户支付金额" in group.stmt_rslt_dscr
        (difference,) = report.differences
        assert difference.kind == DifferenceKind.AMOUNT_MISMATCH
        assert difference.platform is not None
        assert difference.journal is not None
        assert difference.journal.acct_pay - difference.platform.acct_pay == Decimal("10.00")
        html = render_html(report, hospital="演示医院")
        assert "金额不一致" in html
        assert "以医保中心记录补入医院账" in html
        assert "个人账户支付金额" in html  # the 3201 reason the platform gave
        w.reconcile(DAY, repair=True)
        after = w.journal.settlement(setl_id)
        assert after is not None
        assert (after.acct_pay, after.psn_cash_pay) == (
            before.acct_pay - Decimal("10.00"),
            before.psn_cash_pay + Decimal("10.00"),
        )
        (amendment,) = w.journal.amendments(setl_id)
        assert amendment.before["acct_pay"] == str(before.acct_pay)
        assert w.reconcile(DAY).balanced


def test_settled_on_another_day_than_the_journal_thinks(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        setl_id = settle_one(w)
        w.control("reconcile/alter", {"setl_id": setl_id, "setl_time": "2026-11-24 00:00:05"})
        w.clock.set(next_day(DAY), 18)
        (difference,) = w.reconcile(DAY).differences
        assert (difference.kind, difference.repair.action) == (
            DifferenceKind.DIFFERENT_DAY,
            RepairAction.IMPORT,
        )
        w.reconcile(DAY, repair=True)
        ledger = w.journal.settlement(setl_id)
        assert ledger is not None
        assert ledger.setl_time.date() == next_day(DAY)
        assert w.reconcile(DAY).balanced
        assert w.reconcile(next_day(DAY)).balanced


def test_a_refund_counted_on_another_day_than_the_journal_thinks(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        setl_id = settle_one(w)
        w.clock.set(DAY, 23, 59)
        assert w.adapter().refund(setl_id).status == "done"
        refunded = w.journal.settlement(setl_id)
        assert refunded is not None
        # The platform books the refund just after midnight (its own setl_time), the journal kept 23:59.
        w.control("reconcile/alter", {"setl_id": refunded.refund_setl_id, "setl_time": "2026-11-24 00:00:03"})
        w.clock.set(next_day(DAY), 18)
        (difference,) = w.reconcile(DAY).differences
        assert (difference.kind, difference.refd_setl_flag, difference.setl_id) == (
            DifferenceKind.DIFFERENT_DAY,
            "1",
            refunded.refund_setl_id,
        )
        assert difference.repair.action == RepairAction.IMPORT
        (done,) = w.reconcile(DAY, repair=True).differences
        assert done.repair.status == RepairStatus.DONE, done.repair.detail
        ledger = w.journal.settlement(setl_id)
        assert ledger is not None
        assert ledger.refund_time is not None
        assert ledger.refund_time.isoformat() == "2026-11-24T00:00:03"
        # The settlement stays on 11-23, its refund moves to 11-24: both days balance.
        assert w.reconcile(DAY).balanced
        assert w.reconcile(next_day(DAY)).balanced


def _lose_the_answer(w: World, minute: int) -> None:
    """2207 commits on the platform, its answer is lost, and the 2601 that follows is refused."""
    w.mock.faults.add("2207", "drop_after_commit")
    w.mock.faults.add("2601", "error", times=5, message="冲正服务暂不可用")


def test_lost_answer_same_day_is_reversed_with_2601_and_the_original_msgid(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        _lose_the_answer(w, 0)
        assert settle(w, "P7", 0, DAY, 0) == []
        w.mock.faults.clear()
        w.clock.set(DAY, 18)
        (difference,) = w.reconcile(DAY).differences
        assert (difference.kind, difference.cause) == (DifferenceKind.PLATFORM_ONLY, "lost_answer")
        assert difference.repair.action == RepairAction.REVERSE_2601
        lost = w.journal.call(difference.msgid)
        assert lost is not None
        assert lost.infno == "2207"
        (done,) = w.reconcile(DAY, repair=True).differences
        assert done.repair.status == RepairStatus.DONE, done.repair.detail
        assert done.repair.detail == f"2601 omsgid={difference.msgid}"
        assert w.reconcile(DAY).balanced
        assert w.journal.batch(lost.batch_id or 0).state == BatchState.UNSETTLED


def test_lost_answer_found_the_next_day_is_refunded_newest_first(tmp_path: Path) -> None:
    with world(tmp_path, policy=ExecutionPolicy(use_reversal=False)) as w:
        # P7 settles at 9:00 (answer lost), then at 9:30 (kept): the same accumulator scope.
        w.mock.faults.add("2207", "drop_after_commit")
        assert settle(w, "P7", 0, DAY, 0) == []
        later = settle_one(w, minute=30)
        w.clock.set(next_day(DAY), 8)
        (difference,) = w.reconcile(DAY).differences
        # The lost one is older than 9:30's, which is still in effect: 2208 would break newest-first.
        assert difference.repair.action == RepairAction.MANUAL
        assert difference.repair.reason == f"newest_first:{later}"
        # Once 9:30's is refunded (newest first), the lost one is the newest and 2208 repairs it.
        assert w.adapter().refund(later).status == "done"
        w.clock.set(next_day(DAY), 9)
        (difference,) = w.reconcile(DAY).differences
        assert difference.repair.action == RepairAction.REFUND_2208
        (done,) = w.reconcile(DAY, repair=True).differences
        assert done.repair.status == RepairStatus.DONE, done.repair.detail
        assert w.reconcile(DAY).balanced
        assert w.reconcile(next_day(DAY)).balanced
        # The lost 2207 (the platform's row carries its msgid) is resolved by the 2208 that refunded it.
        lost = w.journal.call(difference.msgid)
        assert lost is not None
        assert lost.batch_id is not None
        refunds = [c.msgid for c in w.journal.calls(lost.batch_id) if c.infno == "2208"]
        assert lost.detail.resolved_by == refunds[-1]


class _Crash(BaseException):
    """The process dies (not an Exception: nothing catches it)."""


def test_a_day_with_a_crash_in_the_middle_recovered_the_next_morning_balances(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        before = settle_one(w, "P8", minute=0)

        def die_after_2207(name: str) -> None:
            if name == "after 2207":
                raise _Crash

        w.clock.set(DAY, 10)
        crashing = Adapter(w.client, clock=w.clock, journal=w.journal, checkpoint=die_after_2207)
        with pytest.raises(_Crash):
            crashing.settle(example_visit("P7", 1, at(DAY, 10)))
        after = settle_one(w, "P9", minute=90)
        w.clock.set(next_day(DAY), 8)
        (action,) = w.adapter().recover()  # the next morning: 2601 of the crashed 2207, then unwind
        assert action.after == BatchState.UNSETTLED
        again = settle_one(w, "P7", day=next_day(DAY), minute=15)  # the cashier settles the bill again
        first, second = w.reconcile(DAY), w.reconcile(next_day(DAY))
        assert first.balanced
        assert second.balanced
        assert sum(g.totals.count for g in first.groups) == 2  # before, after; the crashed one is undone
        assert {before, after} == {s.setl_id for s in w.journal.settlements_between(DAY, DAY)}
        assert [s.setl_id for s in w.journal.settlements_between(next_day(DAY), next_day(DAY))] == [again]

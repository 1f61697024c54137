"""Differences only the journal holds: the platform undid a settlement or a refund after answering it OK
(`/_mock/reconcile/rollback`, a platform-side rollback or a 2208 acknowledged but not applied).

* a settlement only in the journal, no cash taken → voided in the ledger with the 5203/5204 evidence, its
  batch released; with cash taken → a manual case naming the cash (seed 002 三(六): the fund pays what the
  platform clears; DOMAIN.md §1.9: the patient may claim it at the insured place);
* a refund only in the journal → 2208 of the settlement again, newest first (seed 002 "应按时间倒序依次退费").
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx

from adapter.execution import BatchState, CallStatus
from adapter.reconcile import DifferenceKind, RepairAction, RepairStatus, render_html

from .helpers import DAY, World, next_day, settle, settle_one, world


def _refund_2208s(w: World, setl_ids: list[str]) -> list[tuple[int, str]]:
    """(journal seq, setl_id) of every answered 2208 of these settlements, in the order they were sent."""
    found = []
    for setl_id in setl_ids:
        ledger = w.journal.settlement(setl_id)
        assert ledger is not None
        for call in w.journal.calls(ledger.batch_id):
            if call.infno == "2208" and call.status == CallStatus.OK and call.keys["setl_id"] == setl_id:
                found.append((call.seq, setl_id))
    return sorted(found)


def test_a_settlement_the_platform_rolled_back_with_no_cash_taken_is_voided(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        # P1 (职工 310, 640100) settles three batches, all from the account: 114.00 (M01600), 84.00 (M03900)
        # and 32.20 普通门诊; the platform then rolls back the newest, the 普通门诊 one.
        chronic_a, chronic_b, ordinary = settle(w, "P1", 0, DAY, 0)
        rolled = w.control("reconcile/rollback", {"setl_id": ordinary})
        assert rolled["setl_id"] == ordinary
        w.clock.set(DAY, 18)
        report = w.reconcile(DAY)
        (group,) = [g for g in report.groups if not g.balanced]
        assert (group.clr_type, group.totals.medfee_sumamt) == ("11", Decimal("32.20"))
        (difference,) = report.differences
        assert (difference.kind, difference.cause, difference.setl_id) == (
            DifferenceKind.JOURNAL_ONLY,
            "journal_only",
            ordinary,
        )
        assert (difference.repair.action, difference.repair.reason) == (
            RepairAction.VOID,
            "platform_rolled_back",
        )
        assert "作废医院账记录" in render_html(report, hospital="演示医院")

        (done,) = w.reconcile(DAY, repair=True).differences
        assert done.repair.status == RepairStatus.DONE, done.repair.detail
        ledger = w.journal.settlement(ordinary)
        assert ledger is not None
        assert (ledger.voided, ledger.active, ledger.medfee_sumamt) == (True, False, Decimal("32.20"))
        (amendment,) = w.journal.amendments(ordinary)
        assert amendment.reason == "reconcile:void"
        assert amendment.evidence["5203"] is None  # the platform holds no such settlement
        assert amendment.evidence["5204"] == {"lines": 2, "setl_ids": []}  # its two lines wait unsettled
        assert amendment.evidence["3202"]["stmt_rslt"] == "2"
        batch = w.journal.batch(ledger.batch_id)
        assert batch.state == BatchState.UNSETTLED  # the cashier settles the bill again
        assert [c.infno for c in w.journal.calls(batch.id)][-2:] == ["2205", "2202"]

        after = w.reconcile(DAY)
        assert after.balanced
        # 114.00 + 84.00 = 198.00 of 慢特病 remain; the 普通门诊 key now holds nothing on either side.
        totals = {g.clr_type: g.totals.medfee_sumamt for g in after.groups if g.insutype == "310"}
        assert totals == {"14": Decimal("198.00"), "11": Decimal("0.00")}
        assert {s.setl_id for s in w.journal.settlements_between(DAY, DAY) if s.active} == {
            chronic_a,
            chronic_b,
        }
        day = w.adapter().day(DAY)
        assert day.totals["medfee_sumamt"] == Decimal("198.00")


def test_a_settlement_the_platform_rolled_back_after_cash_was_taken_is_a_manual_case(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        setl_id = settle_one(w, "P8")  # 居民 390: 38.20 普通门诊, all cash (no fund, no account)
        w.control("reconcile/rollback", {"setl_id": setl_id})
        w.clock.set(DAY, 18)
        (difference,) = w.reconcile(DAY).differences
        assert (difference.kind, difference.repair.action) == (
            DifferenceKind.JOURNAL_ONLY,
            RepairAction.MANUAL,
        )
        assert difference.repair.reason == "cash_collected:38.20"
        repaired = w.reconcile(DAY, repair=True)
        (kept,) = repaired.differences
        assert kept.repair.status == RepairStatus.PROPOSED  # nothing done: a person decides
        assert not repaired.balanced
        ledger = w.journal.settlement(setl_id)
        assert ledger is not None
        assert (ledger.active, ledger.voided) == (True, False)
        assert w.journal.amendments(setl_id) == []
        assert "已向患者收取现金38.20元" in render_html(repaired, hospital="演示医院")


def test_a_refund_the_platform_did_not_apply_is_sent_again(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        setl_id = settle_one(w)
        w.clock.set(DAY, 11)
        assert w.adapter().refund(setl_id).status == "done"
        first = w.journal.settlement(setl_id)
        assert first is not None
        w.control("reconcile/rollback", {"setl_id": first.refund_setl_id})  # acknowledged, not applied
        w.clock.set(DAY, 18)
        (difference,) = w.reconcile(DAY).differences
        assert (difference.kind, difference.cause, difference.refd_setl_flag) == (
            DifferenceKind.REFUND_ONE_SIDE,
            "journal_refund",
            "1",
        )
        assert difference.setl_id == first.refund_setl_id
        assert (difference.repair.action, difference.repair.reason) == (
            RepairAction.REFUND_2208,
            "refund_not_applied",
        )
        (done,) = w.reconcile(DAY, repair=True).differences
        assert done.repair.status == RepairStatus.DONE, done.repair.detail
        ledger = w.journal.settlement(setl_id)
        assert ledger is not None
        assert not ledger.active
        assert ledger.refund_setl_id not in ("", first.refund_setl_id)
        assert ledger.refund_time is not None
        assert ledger.refund_time.date() == DAY
        (amendment,) = w.journal.amendments(setl_id)
        assert amendment.reason == "reconcile:journal_refund"
        assert amendment.before["refund_setl_id"] == first.refund_setl_id
        journal_side = amendment.evidence["journal"]
        assert journal_side["refund_setl_id"] == first.refund_setl_id
        (sent_first, sent_again) = _refund_2208s(w, [setl_id])
        assert journal_side["2208_msgid"] != ""
        assert sent_first < sent_again
        assert w.reconcile(DAY).balanced


def test_refunds_the_platform_did_not_apply_are_sent_again_newest_first(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        # P7 settles A at 9:00 and B at 9:30 (one accumulator scope); HIS refunds B then A, newest first.
        older = settle_one(w, minute=0)
        newer = settle_one(w, minute=30)
        w.clock.set(DAY, 11)
        assert w.adapter().refund(newer).status == "done"
        assert w.adapter().refund(older).status == "done"
        refunds = {}
        for setl_id in (older, newer):  # the platform rolls both back, the newest refund first
            ledger = w.journal.settlement(setl_id)
            assert ledger is not None
            refunds[setl_id] = ledger.refund_setl_id
            w.control("reconcile/rollback", {"setl_id": ledger.refund_setl_id})
        w.clock.set(next_day(DAY), 8)
        report = w.reconcile(DAY)
        assert {(d.setl_id, d.kind, d.repair.action) for d in report.differences} == {
            (refunds[older], DifferenceKind.REFUND_ONE_SIDE, RepairAction.REFUND_2208),
            (refunds[newer], DifferenceKind.REFUND_ONE_SIDE, RepairAction.REFUND_2208),
        }
        repaired = w.reconcile(DAY, repair=True)
        assert [d.repair.status for d in repaired.differences] == [RepairStatus.DONE, RepairStatus.DONE]
        # Sent again newest first: B's 2208, then A's (the platform would refuse A's while B is in effect).
        resent = _refund_2208s(w, [older, newer])[2:]
        assert [setl_id for _seq, setl_id in resent] == [newer, older]
        for setl_id in (older, newer):
            ledger = w.journal.settlement(setl_id)
            assert ledger is not None
            assert ledger.refund_time is not None
            assert ledger.refund_time.date() == next_day(DAY)  # the refunds now count on the day applied
        assert w.reconcile(DAY).balanced
        assert w.reconcile(next_day(DAY)).balanced


def test_a_refund_the_platform_lacks_behind_a_later_settlement_is_a_manual_case(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        older = settle_one(w, minute=0)
        w.clock.set(DAY, 10)
        assert w.adapter().refund(older).status == "done"
        ledger = w.journal.settlement(older)
        assert ledger is not None
        w.control("reconcile/rollback", {"setl_id": ledger.refund_setl_id})
        later = settle_one(w, minute=120)  # 11:00, in effect on both sides
        w.clock.set(DAY, 18)
        (difference,) = w.reconcile(DAY).differences
        assert difference.kind == DifferenceKind.REFUND_ONE_SIDE
        assert (difference.repair.action, difference.repair.reason) == (
            RepairAction.MANUAL,
            f"refund_newest_first:{later}",
        )
        assert f"其后仍有有效结算[{later}]" in render_html(w.reconcile(DAY), hospital="演示医院")


def test_a_rollback_the_platform_cannot_make_is_refused_naming_why(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        older = settle_one(w, minute=0)
        newer = settle_one(w, minute=30)
        with httpx.Client(transport=w.mock.transport(), base_url="http://mock") as http:
            out_of_order = http.post("/_mock/reconcile/rollback", json={"setl_id": older})
            unknown = http.post("/_mock/reconcile/rollback", json={"setl_id": "S000"})
            not_an_object = http.post("/_mock/reconcile/rollback", json=["S000"])
        assert out_of_order.status_code == 400
        assert out_of_order.json()["message"] == f"请按时间倒序回退：须先回退[{newer}]"
        assert (unknown.status_code, unknown.json()["message"]) == (400, "结算ID[S000]不存在")
        assert (not_an_object.status_code, not_an_object.json()["message"]) == (
            400,
            "the body must be a JSON object",
        )
        w.control("reconcile/rollback", {"setl_id": newer})
        with httpx.Client(transport=w.mock.transport(), base_url="http://mock") as http:
            twice = http.post("/_mock/reconcile/rollback", json={"setl_id": newer})
        assert (twice.status_code, twice.json()["message"]) == (400, f"结算ID[{newer}]不存在")

"""The settlement ledger: every committed 2207, kept for receipts, refunds and reconciliation.

Refund ordering needs to know every settlement of a person's accumulator scope
(person, insurance type, year: DOMAIN.md §4.2), in the order they happened.
"""

from __future__ import annotations

from ..transactions._settlement import FundAmounts, SettlementInfo
from ._journal import Journal
from ._records import BatchRecord, SettlementRecord

__all__ = ["record_settlement"]


def record_settlement(
    journal: Journal, batch: BatchRecord, info: SettlementInfo, *, msgid: str, year: int
) -> None:
    """Add a settlement to the ledger (once: a recovery replay finds it already there, and keeps it).

    The journal skips a settlement it holds in the INSERT itself (``once``), not after a lookup
    of its own: one statement per 2207 instead of two (a round trip less on a server journal).
    """
    journal.record_settlement(
        SettlementRecord(
            setl_id=info.setl_id,
            batch_id=batch.id,
            psn_no=batch.psn_no,
            insutype=batch.insutype,
            year=year,
            mdtrt_id=info.mdtrt_id or batch.mdtrt_id,
            chrg_bchno=batch.chrg_bchno,
            msgid=msgid,
            setl_time=info.setl_time or batch.updated_at,
            medfee_sumamt=info.medfee_sumamt,
            fund_pay_sumamt=info.fund_pay_sumamt,
            acct_pay=info.acct_pay,
            psn_cash_pay=info.psn_cash_pay,
            active=True,
            refund_setl_id="",
            funds=FundAmounts.of(info),
            clr_type=info.clr_type,
            clr_optins=info.clr_optins,
        ),
        once=True,
    )

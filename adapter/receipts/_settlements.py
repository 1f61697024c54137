"""Naming a settlement by its 结算ID, or by the 收费批次号 printed with it (the CLI and `opsp serve`).

A cashier reads ``收费批次号 MZ20261122001-2`` on the screen and the receipt; the platform's
结算ID carries the date and a sequence. Either names the settlement; a 收费批次号 names the
batch's settlement now standing (after a refund chain re-settled it, the new one).
"""

from __future__ import annotations

import re

from .._settings import AdapterSettings
from ..execution import Journal

__all__ = ["resolve_settlement"]

_BATCH = re.compile(r"(?P<visit>.+)-(?P<number>\d+)(R\d+)?")


def resolve_settlement(journal: Journal, settings: AdapterSettings, reference: str) -> str:
    """The 结算ID ``reference`` names: itself, or the live settlement of the batch it numbers."""
    reference = reference.strip()
    if journal.settlement(reference) is not None:
        return reference
    match = _BATCH.fullmatch(reference)
    if match is None:
        return reference  # unknown either way: the command's own error names it
    visit_key = f"{settings.fixmedins_code}:{match['visit']}"
    number = int(match["number"])
    attempts = [r for r in journal.batches_of_visit(visit_key) if r.batch_number == number and r.setl_id]
    newest_first = sorted(attempts, key=lambda r: r.id, reverse=True)
    for record in newest_first:
        found = journal.settlement(record.setl_id)
        if found is not None and found.active:
            return found.setl_id
    # Refunded with nothing standing: its last settlement (a receipt prints it marked 已退费).
    return newest_first[0].setl_id if newest_first else reference

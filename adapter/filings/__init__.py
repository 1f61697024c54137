"""Chronic-disease filings this hospital makes (2503) and revokes (2504), journaled (issue #16).

Seed 000 二(一): a 二级-and-above designated hospital may accept a patient's application after its own
assessment; the insurer approves the filing later, and only a filing not yet approved can be revoked
(PROTOCOL.md §3.17).
"""

from ._model import FilingOutcome, FilingRequest, FilingStatus, RevocationOutcome, RevocationRequest
from ._run import file_disease, recover_filings, revoke_filing

__all__ = [
    "FilingOutcome",
    "FilingRequest",
    "FilingStatus",
    "RevocationOutcome",
    "RevocationRequest",
    "file_disease",
    "recover_filings",
    "revoke_filing",
]

"""Journaled calls: intent committed before sending, outcome after, crash points in between.

``checkpoint(name)`` is called at ``before NNNN`` (intent durable, nothing sent),
``after NNNN`` (the platform answered, outcome not yet written) and ``recorded NNNN``
(outcome written; inside a journal group it is committed with the next intent or
settlement, so a crash here can still lose it, as at ``after NNNN``). A query (5201,
2206 …) has only ``after NNNN``: its msgid was used but no intent records it. Settling adds
``ledger 2207``: the settlement and its outcome are on disk. Tests make the checkpoints
kill the process to prove that ``recover`` copes with a crash anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from .._client import PlatformClient, Reply
from .._clock import Clock
from .._errors import AdapterError, OutcomeUnknownError
from ..transactions import InputModel, OutputModel, Transaction
from ._journal import Journal
from ._records import CallDetail, CallStatus

__all__ = ["Checkpoint", "JournaledCalls", "no_checkpoint"]

InT = TypeVar("InT", bound=InputModel)
OutT = TypeVar("OutT", bound=OutputModel)
Checkpoint = Callable[[str], None]


def no_checkpoint(_name: str) -> None:
    """The default: crash points do nothing."""


class JournaledCalls:
    """Makes platform calls, journaling every state-changing one around the call."""

    def __init__(
        self, client: PlatformClient, journal: Journal, *, clock: Clock, checkpoint: Checkpoint
    ) -> None:
        self.client = client
        self.journal = journal
        self.clock = clock
        self.checkpoint = checkpoint

    def call(
        self,
        transaction: Transaction[InT, OutT],
        payload: InT,
        *,
        batch_id: int | None,
        insuplc_admdvs: str,
        keys: Mapping[str, str] | None = None,
        summary: Callable[[OutT], CallDetail] | None = None,
    ) -> Reply[OutT]:
        """One call; for a state-changing transaction, intent first and outcome after."""
        if not transaction.changes_state:
            # A query can wait on the network (and its retries) for a while: the journal's
            # write lock is never held across it (outcomes waiting in memory may stay there).
            self.journal.flush()
            answer = self.client.call(transaction, payload, insuplc_admdvs=insuplc_admdvs)
            self.checkpoint(f"after {transaction.infno}")  # its msgid is used, and journaled nowhere
            return answer
        infno = transaction.infno
        msgid = self.client.new_msgid()
        self.journal.record_intent(msgid, batch_id=batch_id, infno=infno, keys=keys or {}, now=self.clock())
        self.checkpoint(f"before {infno}")
        try:
            reply = self.client.call(transaction, payload, insuplc_admdvs=insuplc_admdvs, msgid=msgid)
        except OutcomeUnknownError as error:
            self.journal.record_outcome(
                msgid, status=CallStatus.UNKNOWN, now=self.clock(), detail=CallDetail(error=str(error))
            )
            raise
        except AdapterError as error:  # refused, or never reached the platform: nothing was done
            self.journal.record_outcome(
                msgid, status=CallStatus.FAILED, now=self.clock(), detail=CallDetail(error=str(error))
            )
            raise
        self.checkpoint(f"after {infno}")
        detail = summary(reply.output) if summary else None
        self.journal.record_outcome(msgid, status=CallStatus.OK, now=self.clock(), detail=detail)
        self.checkpoint(f"recorded {infno}")
        return reply

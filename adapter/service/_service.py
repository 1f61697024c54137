"""``Service``: the adapter behind the routes — one ``Adapter``, its journal, the key store, the desks.

State-changing work (settle, dry run, refund, recover) runs one at a time per process: the journal's
groups and the platform's strict per-person order are simplest kept that way, and a desk's request is
seconds, not minutes. Lookups and plans run concurrently. An idempotency key is claimed *before*
waiting for that turn, so a repeated request answers "in progress" at once.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import Response
from pydantic import BaseModel

from .._adapter import Adapter
from .._clock import Clock, china_now
from ..execution import Journal
from ._errors import ServiceError
from ._http import answer, encode_model
from ._idempotency import KeyStore, request_hash
from ._models import DaySettlement, DaySettlements
from ._settings import Desk, ServiceSettings

__all__ = ["Service"]


class Service:
    def __init__(
        self,
        adapter: Adapter,
        *,
        journal: Journal,
        keys: KeyStore,
        settings: ServiceSettings,
        clock: Clock = china_now,
    ) -> None:
        self.adapter = adapter
        self.journal = journal
        self.keys = keys
        self.settings = settings
        self.clock = clock
        self._turn = threading.Lock()
        self._heartbeat_stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def desk_for(self, token: str) -> Desk | None:
        """The desk whose token this is (compared in constant time, every desk checked)."""
        found = None
        for desk in self.settings.desks:
            if hmac.compare_digest(desk.token.get_secret_value().encode(), token.encode()):
                found = desk
        return found

    def now(self) -> datetime:
        return self.clock().replace(tzinfo=None, microsecond=0)

    def exclusive(self, work: Callable[[], Any]) -> Any:
        """Run state-changing work alone in this process."""
        with self._turn:
            return work()

    def idempotent(
        self,
        key: str,
        *,
        operation: str,
        canonical: object,
        desk: Desk,
        work: Callable[[], BaseModel],
    ) -> Response:
        """Run ``work`` once per key: replay its stored answer, or say it is in progress, or refuse."""
        claim = self.keys.claim(
            key,
            operation=operation,
            request_hash=request_hash(operation, canonical),
            desk=desk.desk,
            opter=desk.opter,
        )
        if claim.kind == "mismatch":
            raise ServiceError(
                "idempotency_key_reused",
                f"key {key} was used for a different {operation} request",
                "Idempotency-Key",
            )
        if claim.kind == "replay":
            return Response(
                claim.answer,
                status_code=claim.status,
                media_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        if claim.kind == "in_progress":
            retry = str(self.settings.retry_after_seconds)
            raise ServiceError("in_progress", f"key {key} is being processed", headers={"Retry-After": retry})
        try:
            model = self.exclusive(work)
        except BaseException:
            self.keys.release(key)  # nothing stored: the same key may be sent again
            raise
        self.keys.finish(key, status=200, answer=encode_model(model))
        return answer(model)

    def require_settled_state(self, ipt_otp_no: str | None = None) -> None:
        """Refuse (409 ``recovery_needed``) while the journal shows this visit, or a refund chain, unfinished.

        A key taken over from a dead process lands here when that process left work in flight. The
        service does not recover by itself: with several processes on one journal, the batch may be
        another live process's; ``POST /v1/recover`` is the operator's (or the HIS's) decision.
        """
        if ipt_otp_no is not None:
            visit_key = f"{self.adapter.settings.fixmedins_code}:{ipt_otp_no}"
            busy = [b for b in self.journal.batches_of_visit(visit_key) if not b.state.terminal]
            if busy:
                states = ", ".join(f"batch {b.batch_number} {b.state}" for b in busy)
                raise ServiceError("recovery_needed", f"visit {ipt_otp_no}: {states}")
        elif self.journal.unfinished_chains():
            raise ServiceError("recovery_needed", "a refund chain is unfinished")

    def day_settlements(self, day: date) -> DaySettlements:
        rows = []
        for mark in self.keys.settlements_on(day):
            record = self.journal.settlement(mark.setl_id)
            rows.append(
                DaySettlement(
                    setl_id=mark.setl_id,
                    ipt_otp_no=mark.ipt_otp_no,
                    operation=mark.operation,
                    idempotency_key=mark.key,
                    desk=mark.desk,
                    opter=mark.opter,
                    recorded_at=mark.recorded_at,
                    setl_time=record.setl_time if record else None,
                    active=bool(record and record.active),
                    refund_setl_id=record.refund_setl_id if record else "",
                    medfee_sumamt=record.medfee_sumamt if record else None,
                    fund_pay_sumamt=record.fund_pay_sumamt if record else None,
                    acct_pay=record.acct_pay if record else None,
                    psn_cash_pay=record.psn_cash_pay if record else None,
                )
            )
        return DaySettlements(day=day, settlements=tuple(rows))

    def start_heartbeat(self) -> None:
        """Renew this process's key leases every third of a lease, until ``stop_heartbeat``."""
        interval = self.settings.lease_seconds / 3

        def beat() -> None:
            while not self._heartbeat_stop.wait(interval):
                self.keys.renew()

        self._heartbeat = threading.Thread(target=beat, name="opsp-serve-heartbeat", daemon=True)
        self._heartbeat.start()

    def stop_heartbeat(self) -> None:
        self._heartbeat_stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)

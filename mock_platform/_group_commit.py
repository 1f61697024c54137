"""Group commit for the served app: the calls processed close together share one COMMIT (one fsync).

A file store commits each platform call with its own COMMIT, and with ``synchronous=FULL`` that COMMIT waits
for an fsync — while the event loop, running the synchronous core inline, waits with it. Served, the app
instead keeps one batch transaction open (`Store.begin_batch`): each call's `store.transaction()` becomes a
SAVEPOINT in it, and the batch is committed once, a few event-loop iterations after it began, so that the
requests already received meanwhile are processed into it first.

Durability is unchanged: a call's answer waits (`flushed`) until the COMMIT holding its work has returned,
and nothing else of the call is awaited before (the app does no other await between a core step and its
`flushed`). A failed COMMIT rolls the whole batch back; every call waiting on it is told (`flushed` returns
False) and answered as a store failure, never with the answer it computed.

Why a few iterations: a step that begins a batch schedules its commit with `call_soon`; a request read by the
event loop's next poll is a task step scheduled *after* that callback, so a single `call_soon` would commit
before it. The commit is therefore re-scheduled `hops` times, each hop one more poll for requests to arrive
and be processed into the batch; while any request is being processed the batch stays open at most that many
iterations, and never across an idle loop (the callbacks keep the loop spinning until the commit ran).
"""

from __future__ import annotations

import asyncio

import structlog

from mock_platform.backend.store import Store

log = structlog.get_logger(__name__)

# Loop iterations a batch stays open for more requests (see the module's docstring; measured, issue #18).
DEFAULT_HOPS = 1


class GroupCommit:
    """The open batch of a served app's store, if any, and the calls waiting for its COMMIT."""

    def __init__(self, store: Store, *, hops: int = DEFAULT_HOPS) -> None:
        self._store = store
        self._hops = hops
        self._waiting: list[asyncio.Future[bool]] | None = None  # None: no batch open
        self._hops_left = 0

    def join(self) -> None:
        """Make sure a batch is open for the step about to run (call on the event loop, then `flushed`).

        When the batch cannot begin, the step runs without one and commits on its own (a failing store
        then fails its call as before)."""
        if self._waiting is not None:
            return
        try:
            self._store.begin_batch()
        except Exception:
            log.exception("batch_not_begun")
            return
        self._waiting = []
        self._hops_left = self._hops
        asyncio.get_running_loop().call_soon(self._flush)

    async def flushed(self) -> bool:
        """Wait until what the step just run wrote is committed: True, or False when its batch failed and
        nothing of it is stored. Call right after the step, with no await in between."""
        waiting = self._waiting
        if waiting is None:  # no batch open: the step committed on its own (or wrote nothing)
            return True
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        waiting.append(future)
        return await future

    async def idle(self) -> None:
        """Wait until no batch is open, so that a step run right after (no await in between) commits on its
        own."""
        while self._waiting is not None:
            await self.flushed()

    def _flush(self) -> None:
        if self._hops_left > 0:
            self._hops_left -= 1
            asyncio.get_running_loop().call_soon(self._flush)
            return
        waiting, self._waiting = self._waiting, None
        assert waiting is not None
        try:
            self._store.end_batch()
            committed = True
        except Exception:
            log.exception("batch_not_committed", calls=len(waiting))
            committed = False
        for future in waiting:
            if not future.done():  # its task was cancelled (the server shutting down)
                future.set_result(committed)

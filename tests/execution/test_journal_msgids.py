"""A msgid is never issued twice, even by a process restarted within the same second (issue #10 item 1).

A query the platform remembers by msgid (2206) is not journaled. Before the journal
reserved msgids, a restart resumed after the last *journaled* id and issued the 2206's id
again: ``recover`` then failed with 发送方报文ID重复 and the batch stayed ``unwinding``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.execution import BatchState, SqliteJournal
from tests.journal_contract._implementations import TEST_KEY

from .helpers import world
from .test_recover import SimulatedCrash, crash_at

P1_PSN, P1_PLACE = "64010000000000000001", "640100"


def test_a_restart_in_the_same_second_never_reuses_the_id_of_an_unjournaled_2206(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    with world(journal=journal, checkpoint=crash_at("after 2206")) as crashed:  # type: ignore[arg-type]
        with pytest.raises(SimulatedCrash):
            crashed.adapter.settle("examples/visits/P1.json")
        (in_flight,) = journal.unfinished_batches()
        journaled = {call.msgid for call in journal.calls(in_flight.id)}
        journal.close()
        restarted_journal = SqliteJournal(path, key=TEST_KEY)  # a new process: same file, same frozen second
        with world(journal=restarted_journal, mock=crashed.mock) as restarted:
            (action,) = restarted.adapter.recover()
            # The 2204 outcome waited in memory across the 2206 (no commit before a query): the crash
            # lost it, as a crash at ``recorded 2204`` does, and recovery resolved the open 2204 intent.
            assert (action.before, action.after) == (BatchState.VISIT_UPLOADED, BatchState.UNSETTLED), action
            assert "重复" not in action.message
            recovery_ids = {call.msgid for call in restarted_journal.calls(in_flight.id)} - journaled
            assert len(recovery_ids) == 2  # 2205 and 2202, each with an id no one used before
            assert restarted.visits(P1_PSN, P1_PLACE) == []  # nothing of the attempt left on the platform
        restarted_journal.close()

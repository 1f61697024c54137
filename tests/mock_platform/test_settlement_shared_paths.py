"""2206 and its 2207 share one computation (issue #18): the changes that reach what it was computed from by
paths other than a platform call or a statement of the store's own code.

Each scenario runs as in `test_settlement_shared`: once with the memo, once with a memo that keeps nothing;
the 2207 must answer byte for byte alike. The paths: the control endpoints (`/_mock/reconcile`,
`/_mock/seed`), a second platform on the same file (another connection of this process, as another process
would be), and a savepoint rolled back inside a transaction that commits. Guards: they pass as the memo is
(the second platform's fails when the state leaves out ``PRAGMA data_version``, the rollback's when it
leaves out the connection's own count of changes).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mock_platform import MockPlatform
from mock_platform.config import MockConfig
from tests.mock_platform.clinic import Clinic
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import NOW, Caller
from tests.mock_platform.seeds import EXAMPLE2_LINES, YINCHUAN_EMPLOYEE, YINCHUAN_RESIDENT, patient
from tests.mock_platform.test_settlement_shared import Change, scenario

_EARLIER = "2026-03-10 09:00:00"


def _post(platform: MockPlatform, path: str, payload: object) -> httpx.Response:
    with httpx.Client(transport=platform.transport(), base_url="http://mock.local") as client:
        return client.post(path, content=json.dumps(payload).encode())


def _earlier_settlement(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
    clinic.visit(EXAMPLE2_LINES, begntime=_EARLIER)


def _last_setl_id(platform: MockPlatform) -> str:
    with platform._backend.store.joined() as connection:
        row = connection.execute("SELECT setl_id FROM settlement ORDER BY seq DESC LIMIT 1").fetchone()
    return str(row[0])


def reconcile_rollback(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
    # The platform undoes the earlier visit's settlement: its deductible is free again.
    answer = _post(platform, "/_mock/reconcile/rollback", {"setl_id": _last_setl_id(platform)})
    assert answer.status_code == 200, answer.text


def reconcile_outside_settlement(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
    # A settlement made outside HIS like the earlier one: more of the deductible used.
    answer = _post(platform, "/_mock/reconcile/outside_settlement", {"like_setl_id": _last_setl_id(platform)})
    assert answer.status_code == 200, answer.text


def reconcile_alter(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
    answer = _post(
        platform, "/_mock/reconcile/alter", {"setl_id": _last_setl_id(platform), "acct_pay": "1.00"}
    )
    assert answer.status_code == 200, answer.text


def another_person_seeded(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
    # A seed replaces the reference data the settlement was computed with.
    answer = _post(platform, "/_mock/seed", {"people": [YINCHUAN_RESIDENT]})
    assert answer.status_code == 200, answer.text


def undone_in_a_savepoint(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
    # Inside one transaction that commits: the year's totals deleted in a savepoint that is rolled back.
    store = platform._backend.store

    def delete_then_fail() -> None:
        with store.transaction() as inner:
            inner.execute("DELETE FROM accumulator_total")
            raise RuntimeError("undo")

    with store.transaction() as connection:
        with pytest.raises(RuntimeError):
            delete_then_fail()
        connection.execute("SELECT 1")


PATHS: dict[str, Change] = {
    "/_mock/reconcile/rollback": reconcile_rollback,
    "/_mock/reconcile/outside_settlement": reconcile_outside_settlement,
    "/_mock/reconcile/alter": reconcile_alter,
    "/_mock/seed": another_person_seeded,
    "a savepoint rolled back": undone_in_a_savepoint,
}


@pytest.mark.parametrize("name", list(PATHS))
def test_the_2207_answers_as_if_it_computed_afresh(demo_config: MockConfig, name: str) -> None:
    answers = [
        scenario(demo_config, PATHS[name], memo=memo, before=_earlier_settlement)[1] for memo in (True, False)
    ]
    assert answers[0] == answers[1]


def _on_a_second_platform(db: Path, demo_config: MockConfig) -> Change:
    def change(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
        # Another platform on the same file settles another visit of the person: its commit is another
        # connection's, which only PRAGMA data_version tells the first platform about.
        clock = MutableClock(NOW)
        with (
            MockPlatform(clock=clock, config=demo_config, db_path=db) as second,
            httpx.Client(transport=second.transport(), base_url="http://mock.local") as client,
        ):
            caller = Caller(client, clock=clock)
            caller.serial = 700
            caller.sign_in()
            Clinic(caller, patient(YINCHUAN_EMPLOYEE)).visit(EXAMPLE2_LINES, begntime=_EARLIER)

    return change


def test_a_visit_settled_by_a_second_platform_on_the_file_is_seen(
    tmp_path: Path, demo_config: MockConfig
) -> None:
    answers = []
    for memo in (True, False):
        db = tmp_path / f"memo-{memo}.sqlite3"
        _, answer, read_batch = scenario(
            demo_config, _on_a_second_platform(db, demo_config), memo=memo, db_path=db
        )
        assert read_batch
        answers.append(answer)
    assert answers[0] == answers[1]

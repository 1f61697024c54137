"""msgid = fixmedins_code + yyyyMMddHHmmss + 4-digit sequence, 30 characters, unique (PROTOCOL.md §1.3)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from adapter import (
    CHINA_TZ,
    Adapter,
    MsgIdFactory,
    PlatformClient,
    SqliteJournal,
    fixed_clock,
    load_settings,
)
from adapter._embedded import demo_settings_path
from adapter._msgid import MsgIdBlock, next_block

MOMENT = datetime(2026, 11, 22, 9, 30, 0, tzinfo=CHINA_TZ)


def test_format_is_code_time_sequence() -> None:
    make = MsgIdFactory("H42010200001", clock=fixed_clock(MOMENT))
    assert make() == "H42010200001202611220930000001"
    assert make() == "H42010200001202611220930000002"
    assert len(make()) == 30


def test_sequence_restarts_each_second() -> None:
    now = [MOMENT]
    make = MsgIdFactory("H42010200001", clock=lambda: now[0])
    make()
    now[0] = MOMENT.replace(second=1)
    assert make() == "H42010200001202611220930010001"


def test_utc_clock_is_written_in_china_time() -> None:
    utc = datetime.fromisoformat("2026-11-22T01:30:00+00:00")
    assert MsgIdFactory("H42010200001", clock=lambda: utc)()[12:26] == "20261122093000"


def test_overflow_borrows_the_next_second_instead_of_repeating() -> None:
    make = MsgIdFactory("H42010200001", clock=fixed_clock(MOMENT))
    ids = [make() for _ in range(10_001)]
    assert ids[9_998] == "H42010200001202611220930009999"
    assert ids[9_999] == "H42010200001202611220930010001"
    assert len(set(ids)) == len(ids)


def test_a_clock_stepping_back_never_repeats_an_id() -> None:
    now = [MOMENT.replace(second=5)]
    make = MsgIdFactory("H42010200001", clock=lambda: now[0])
    first = make()
    now[0] = MOMENT  # NTP stepped the clock back five seconds
    second = make()
    assert second > first
    assert second == "H42010200001202611220930050002"


def test_unique_from_many_threads() -> None:
    make = MsgIdFactory("H42010200001", clock=fixed_clock(MOMENT))
    results: list[list[str]] = [[] for _ in range(8)]

    def work(bucket: list[str]) -> None:
        bucket.extend(make() for _ in range(3_000))

    threads = [threading.Thread(target=work, args=(bucket,)) for bucket in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [msgid for bucket in results for msgid in bucket]
    assert len(every) == 24_000
    assert len(set(every)) == 24_000
    assert all(len(msgid) == 30 for msgid in every)


def test_institution_code_must_be_twelve_characters() -> None:
    with pytest.raises(ValueError, match="12 characters"):
        MsgIdFactory("H4201020000")


def test_blocks_continue_after_the_mark_when_the_clock_has_not_moved() -> None:
    # The pure rule every journal reserves by: after the mark (second, last sequence issued).
    second = MOMENT.replace(microsecond=0)
    first = next_block(None, now=MOMENT, node=None, count=16)
    assert (first.second, first.first, first.last) == (second, 1, 16)
    again = next_block((first.second, first.last), now=MOMENT, node=None, count=16)
    assert (again.first, again.last) == (17, 32)  # a restart in the same second: 0017 on
    later = next_block((first.second, first.last), now=MOMENT + timedelta(seconds=1), node=None)
    assert (later.second, later.first) == (second + timedelta(seconds=1), 1)
    behind = next_block((first.second, 16), now=MOMENT - timedelta(minutes=5), node=None)
    assert (behind.second, behind.first) == (second, 17)  # a clock stepped back: still after the mark
    full = next_block((second, 9999), now=MOMENT, node=None, count=16)
    assert (full.second, full.first, full.last) == (second + timedelta(seconds=1), 1, 16)
    desk3 = next_block((second, 3998), now=MOMENT, node=3, count=16)
    assert (desk3.first, desk3.last) == (3999, 3999)  # a block never leaves the node's thousand


def test_a_factory_with_a_reserve_issues_only_reserved_ids() -> None:
    marks: list[tuple[datetime, int]] = []

    def reserve(prefix: str, node: int | None, count: int, now: datetime) -> MsgIdBlock:
        block = next_block(marks[-1] if marks else None, now=now, node=node, count=count)
        marks.append((block.second, block.last))  # "committed" before any id of it is used
        return block

    make = MsgIdFactory("H42010200001", clock=fixed_clock(MOMENT))
    make.reserve_from(reserve)
    ids = [make() for _ in range(20)]
    assert ids[0] == "H42010200001202611220930000001"
    assert ids[19] == "H42010200001202611220930000020"
    assert len(marks) == 2  # 16 ids a block: 20 ids took two reservations
    restarted = MsgIdFactory("H42010200001", clock=fixed_clock(MOMENT))
    restarted.reserve_from(reserve)
    assert restarted() == "H42010200001202611220930000033"  # after the whole second block, never 0021


def test_a_node_issues_only_its_own_thousand() -> None:
    desk3 = MsgIdFactory("H42010200001", clock=fixed_clock(MOMENT), node=3)
    ids = [desk3() for _ in range(1_000)]
    assert ids[0] == "H42010200001202611220930003001"
    assert ids[998] == "H42010200001202611220930003999"
    assert ids[999] == "H42010200001202611220930013001"  # 999 a second, then the next second
    desk0 = MsgIdFactory("H42010200001", clock=fixed_clock(MOMENT), node=0)
    assert desk0() == "H42010200001202611220930000001"


def test_nodes_in_the_same_second_never_collide() -> None:
    desks = [MsgIdFactory("H42010200001", clock=fixed_clock(MOMENT), node=node) for node in range(10)]
    ids = [desk() for _ in range(1_500) for desk in desks]
    assert len(set(ids)) == len(ids) == 15_000


@pytest.mark.parametrize("node", [-1, 10])
def test_a_node_is_one_digit(node: int) -> None:
    with pytest.raises(ValueError, match="single digit"):
        MsgIdFactory("H42010200001", node=node)


def test_an_adapter_resumes_after_the_node_of_the_factory_it_was_given() -> None:
    journal = SqliteJournal(":memory:")
    for msgid in ("H42010200001202611220930003500", "H42010200001202611220930007001"):
        journal.record_intent(msgid, batch_id=None, infno="2601", keys={}, now=MOMENT.replace(tzinfo=None))
    desk3 = MsgIdFactory("H42010200001", clock=fixed_clock(MOMENT), node=3)
    settings = load_settings(demo_settings_path(), fixmedins_code="H42010200001")  # settings name no node
    with PlatformClient(settings, msgid_factory=desk3) as client:
        Adapter(client, journal=journal)
        assert client.msgid_node == 3
        assert client.new_msgid() == "H42010200001202611220930003501"

"""The cashier's commands against ``opsp mock serve`` as real processes: settle, refund, a crash, recover.

Everything talks TCP to a loopback port; the mock and the journal are SQLite files, so state
survives from one command to the next as it would at a hospital.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapter import PlatformClient, decode, load_settings
from adapter._embedded import demo_settings_path
from adapter.transactions import t5201

from .crash_settle import CRASHED
from .served import ROOT, Served, served

OPSP = str(Path(sys.executable).parent / "opsp")


@pytest.fixture(autouse=True)
def journal_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hospital's desks get the journal key from their environment (the commands here inherit it)."""
    monkeypatch.setenv("OPSP_JOURNAL_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")


def opsp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPSP, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Served]:
    with served([OPSP, "mock", "serve", "--port", "0", "--db", str(tmp_path / "mock.sqlite3")]) as server:
        yield server


def _visits(server: Served, psn_no: str, place: str) -> list[str]:
    settings = load_settings(demo_settings_path(), endpoint=server.url + "/fsi/api/{infno}")
    with PlatformClient(settings) as client:
        query = t5201.VisitQuery(
            psn_no=psn_no,
            begntime=datetime(2026, 1, 1),
            endtime=datetime(2026, 12, 31, 23, 59, 59),
            med_type="14",
        )
        reply = client.call(t5201.TRANSACTION, t5201.Input(data=query), insuplc_admdvs=place)
        return [visit.mdtrt_id for visit in reply.output.mdtrtinfo]


def test_settle_then_refund_from_the_command_line(platform: Served, tmp_path: Path) -> None:
    journal = str(tmp_path / "journal.sqlite3")
    settled = opsp(
        "settle", "examples/visits/P1.json", "--platform", platform.url, "--journal", journal, "--json"
    )
    assert settled.returncode == 0, settled.stderr
    result = decode(settled.stdout)
    assert [b["status"] for b in result["batches"]] == ["settled", "settled", "settled"]
    diabetes = result["batches"][0]["receipt"]["setl_id"]
    assert result["batches"][0]["receipt"]["amounts"]["acct_pay"] == Decimal("114.00")

    planned = opsp("refund", diabetes, "--plan", "--journal", journal)
    assert planned.returncode == 0, planned.stderr
    assert "按时间倒序须先撤销其后的 2 笔结算" in planned.stdout

    refunded = opsp("refund", diabetes, "--platform", platform.url, "--journal", journal, "--json")
    assert refunded.returncode == 0, refunded.stderr
    document = decode(refunded.stdout)
    assert document["status"] == "done"
    assert [step["action"] for step in document["plan"]["steps"]] == [
        "refund",
        "refund",
        "refund",
        "resettle",
        "resettle",
    ]
    assert (
        _visits(platform, "64010000000000000001", "640100") != []
    )  # M03900 re-settled, still a chronic visit


# A real kill loses what the journal had not committed: at "recorded 2207" the outcome (committed
# only with the settlement record), at "recorded 2201" the registration's mdtrt_id and state.
@pytest.mark.parametrize(
    ("point", "state_left"),
    [("after 2207", "settling"), ("recorded 2207", "settling"), ("recorded 2201", "new")],
)
def test_a_killed_settlement_is_recovered_from_the_command_line(
    platform: Served, tmp_path: Path, point: str, state_left: str
) -> None:
    journal = str(tmp_path / "journal.sqlite3")
    crashed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.crash_settle",
            platform.url,
            journal,
            "settle",
            "examples/visits/P10.json",
            point,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == CRASHED, crashed.stderr
    if point.endswith("2207"):  # the platform settled; the journal only knows 2207 was sent
        assert len(_visits(platform, "64010000000000000010", "640100")) == 1

    recovered = opsp("recover", "--platform", platform.url, "--journal", journal, "--json")
    assert recovered.returncode == 0, recovered.stderr
    (action,) = decode(recovered.stdout)
    assert (action["before"], action["after"]) == (state_left, "unsettled")
    assert _visits(platform, "64010000000000000010", "640100") == []  # 冲正 then unwound: nothing dangles

    again = opsp(
        "settle", "examples/visits/P10.json", "--platform", platform.url, "--journal", journal, "--json"
    )
    assert again.returncode == 0, again.stderr
    assert [b["status"] for b in decode(again.stdout)["batches"]] == ["settled", "settled"]
    assert (
        opsp("recover", "--platform", platform.url, "--journal", journal).stdout.strip()
        == "没有处理中的批次。"
    )


def test_outbox_lists_what_is_due(platform: Served, tmp_path: Path) -> None:
    journal = str(tmp_path / "journal.sqlite3")
    opsp(
        "settle", "examples/visits/P6.json", "--platform", platform.url, "--journal", journal
    )  # suspended: self-pay
    listed = opsp("outbox", "--journal", journal, "--json")
    assert listed.returncode == 0, listed.stderr
    (entry,) = decode(listed.stdout)
    assert entry["batch_number"] == 0
    assert [line["medins_list_codg"] for line in entry["payload"]["feedetail"]] == ["Y001", "S002", "S001"]


def test_a_refund_chain_killed_midway_is_completed_by_recover(platform: Served, tmp_path: Path) -> None:
    journal = str(tmp_path / "journal.sqlite3")
    settled = decode(
        opsp(
            "settle", "examples/visits/P1.json", "--platform", platform.url, "--journal", journal, "--json"
        ).stdout
    )
    diabetes = settled["batches"][0]["receipt"]["setl_id"]
    # Die right after the platform committed the second 2208 (M03900), before the journal noted it.
    crashed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.crash_settle",
            platform.url,
            journal,
            "refund",
            diabetes,
            "after 2208",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == CRASHED, crashed.stderr
    recovered = opsp("recover", "--platform", platform.url, "--journal", journal, "--json")
    assert recovered.returncode == 0, recovered.stderr
    (chain,) = decode(recovered.stdout)
    assert chain["after"] == "refunded"
    # The chain finished: the diabetes settlement refunded and released, M03900 and the ordinary
    # batch settled again — one chronic visit in effect, and nothing left to recover.
    assert len(_visits(platform, "64010000000000000001", "640100")) == 1
    assert (
        opsp("recover", "--platform", platform.url, "--journal", journal).stdout.strip()
        == "没有处理中的批次。"
    )

"""Personal data at rest (issue #10 item 11): the journal file's mode and bytes, the key, retention.

P1's patient (synthetic, config/demo) is insured in 宁夏 and treated in 湖北: 跨省异地, so the
journal must keep the credential and the 异地 fields (certno, psn_name) to re-settle after a refund.
"""

from __future__ import annotations

import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapter import ConfigurationError, PlatformError
from adapter.cli import main
from adapter.execution import BatchState, SqliteJournal
from tests.journal_contract._implementations import TEST_KEY

from .helpers import NOW, world

P1 = "examples/visits/P1.json"
CERTNO, NAME = "640104196203152010", "马建国"
REFUSAL = f"参保人：{NAME}（{CERTNO}）卡号[A12345678]个人账户余额不足"


def _at_rest(path: Path) -> bytes:
    """Every byte the journal left on disk: the database, its WAL and its shared-memory index."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


def test_no_id_number_name_or_card_number_in_the_journal_files(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    with world(journal=journal) as w:
        w.mock.faults.add("2207", "error", message=REFUSAL, times=1)  # batch 1 refused, naming the patient
        result = w.adapter.settle(P1)
        assert [b.status for b in result.batches] == ["unsettled", "settled", "settled"]
        assert "参保人：马*国（6401**********2010）卡号[***]" in result.batches[0].message
        refused = journal.batch(result.batches[0].journal_batch_id)
        assert refused.state == BatchState.UNSETTLED
        assert CERTNO not in refused.note
        answers = [
            c.detail.setlinfo for c in journal.calls(result.batches[1].journal_batch_id) if c.infno == "2207"
        ]
        (answer,) = answers
        assert answer is not None
        assert answer.setl_id  # what a receipt and a refund need is kept …
        kept = (answer.psn_name, answer.certno, answer.brdy, answer.gend, answer.naty, answer.age)
        assert kept == ("", "", None, "", "", None)  # … and nothing of the person the platform echoed
        # What a re-settlement needs is still there, for whoever holds the key.
        assert refused.card is not None
        assert refused.card.mdtrt_cert_no == CERTNO
        assert refused.remote is not None
        assert (refused.remote.certno, refused.remote.psn_name) == (CERTNO, NAME)
        modes = {
            p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir() if p.name.startswith("journal")
        }
        assert modes == {"journal.sqlite3": 0o600, "journal.sqlite3-wal": 0o600, "journal.sqlite3-shm": 0o600}
        on_disk = _at_rest(path)
    journal.close()
    assert CERTNO.encode() not in on_disk
    assert NAME.encode("utf-8") not in on_disk
    assert b"A12345678" not in on_disk
    assert "马*国".encode() in on_disk  # the receipts' masked name is what stays readable


def test_without_a_key_a_file_journal_refuses_to_keep_a_credential_in_clear(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "journal.sqlite3")
    with world(journal=journal) as w, pytest.raises(ConfigurationError, match="OPSP_JOURNAL_KEY"):
        w.adapter.settle(P1)
    assert journal.unfinished_batches() == []  # refused before anything was sent
    journal.close()


def test_the_wrong_key_and_a_moved_value_do_not_open(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    with world(journal=journal) as w:
        w.adapter.settle("examples/visits/P8.json")
    journal.close()
    with pytest.raises(ConfigurationError, match="does not open with this key"):
        SqliteJournal(path, key=bytes(32)).batch(1)
    with pytest.raises(ConfigurationError, match="personal data is encrypted: set OPSP_JOURNAL_KEY"):
        SqliteJournal(path).batch(1)


def test_purge_erases_the_credential_of_finished_batches_only(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    with world(journal=journal) as w:
        result = w.adapter.settle(P1)
        settled = result.batches[0]
        assert settled.receipt is not None
        report = journal.purge(NOW + timedelta(days=1))
        assert report.batches == 3
        record = journal.batch(settled.journal_batch_id)
        assert (record.card, record.remote, record.state) == (None, None, BatchState.SETTLED)
        assert journal.settlement(settled.receipt.setl_id) is not None  # the ledger stays
        with pytest.raises(ConfigurationError, match="credential was purged"):
            w.adapter.refund(settled.receipt.setl_id)
        assert journal.purge(NOW + timedelta(days=1)).batches == 0
    journal.close()
    assert b"aesgcm1:" not in _at_rest(path)  # no sealed credential left either


def test_purge_keeps_what_is_still_in_the_refund_window(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "journal.sqlite3", key=TEST_KEY)
    with world(journal=journal) as w:
        w.adapter.settle("examples/visits/P8.json")
        assert journal.purge(datetime(2026, 11, 1, tzinfo=NOW.tzinfo)).batches == 0
        assert journal.batch(1).card is not None
    journal.close()


def test_the_platforms_err_msg_is_masked_where_the_error_is_made() -> None:
    error = PlatformError(REFUSAL, infno="2207", msgid="M1")
    assert error.err_msg == "参保人：马*国（6401**********2010）卡号[***]个人账户余额不足"
    assert CERTNO not in str(error)
    assert NAME not in str(error)


def test_opsp_journal_purge_and_keygen(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = str(tmp_path / "journal.sqlite3")
    assert main(["settle", "examples/visits/P8.json", "--journal", journal]) == 0
    assert stat.S_IMODE(Path(journal + ".key").stat().st_mode) == 0o600  # the demo's own key
    capsys.readouterr()
    assert main(["journal", "purge", "--before", "2999-01-01", "--journal", journal]) == 2  # bad input
    assert "--before" in capsys.readouterr().err
    assert main(["journal", "keygen"]) == 0
    key = capsys.readouterr().out.strip()
    assert len(key) == 44
    assert main(["journal", "purge", "--before", "2020-01-01", "--journal", journal, "--json"]) == 0
    assert capsys.readouterr().out.strip() == '{"purged_batches":0,"before":"2020-01-01"}'

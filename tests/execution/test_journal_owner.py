"""A journal belongs to one platform and one hospital (issue #15 item 3), and opening it fails clearly.

Before, a settle on the embedded demo followed by a settle with ``--platform`` on the same
(default) journal printed 此前已处理 and skipped a real settlement.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.cli import main
from adapter.execution import JournalOwner, SqliteJournal

P8 = "examples/visits/P8.json"


def test_a_journal_of_the_demo_refuses_a_real_platform(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    journal = str(tmp_path / "journal.sqlite3")
    assert main(["settle", P8, "--journal", journal]) == 0
    assert "结算成功" in capsys.readouterr().out
    # Nothing listens on port 9: the refusal must come before any call is tried.
    assert main(["settle", P8, "--journal", journal, "--platform", "http://127.0.0.1:9"]) == 1
    captured = capsys.readouterr()
    assert "此前已处理" not in captured.out + captured.err
    assert "属于另一个医保平台（embedded-demo，H42010200001）" in captured.err
    assert "请为每个平台和机构使用各自的结算记录文件" in captured.err
    assert "Traceback" not in captured.err
    owner = SqliteJournal(journal).owner()
    assert owner == JournalOwner(platform="embedded-demo", fixmedins_code="H42010200001")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p / "missing" / "journal.sqlite3", "cannot be opened"),
        (lambda p: (p / "bill.json").write_text("{}" * 600) and p / "bill.json", "file is not a database"),
    ],
    ids=["no-such-directory", "not-a-database"],
)
def test_a_journal_that_cannot_be_opened_is_named_without_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: object, expected: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    assert main(["settle", P8, "--journal", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"journal {path}" in err
    assert expected in err
    assert "Traceback" not in err

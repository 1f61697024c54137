"""The cashier's and the integrator's ``opsp`` (issue 15): totals, state, errors, JSON, wording.

Every command here runs on the embedded default, whose state lives in ``$OPSP_DATA_DIR``
(tests/conftest.py points it at a fresh directory per test).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import decode
from adapter._embedded import data_dir, default_journal_path, embedded_state_path, load_demo_settings
from adapter.cli import main
from mock_platform import MockPlatform

P1 = "examples/visits/P1.json"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code, out, _ = _run(capsys, *argv, "--json")
    return code, decode(out)


def _bad_visit(tmp_path: Path, **changes: object) -> str:
    document = json.loads(Path(P1).read_text(encoding="utf-8"))
    if "cnt" in changes:
        document["items"][0]["cnt"] = changes["cnt"]
    if "item" in changes:
        document["items"][1]["medins_list_codg"] = changes["item"]
    if "certno" in changes:
        document["patient"]["mdtrt_cert_no"] = changes["certno"]
    path = tmp_path / "bill.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


# --- 1: cash to collect on a re-run ------------------------------------------------------------


def test_settling_again_shows_the_same_cash_as_the_first_run(capsys: pytest.CaptureFixture[str]) -> None:
    code, first = _json(capsys, "settle", P1)
    assert code == 0
    # P1 (Yinchuan employee, account balance 1000.00): the account pays every settled batch
    # (114.00 + 84.00 + 32.20 = 230.20 ≤ 1000.00), so the cash is the 未贯标 line only: 15.00.
    assert first["cash_to_collect"] == Decimal("15.00")
    code, again = _json(capsys, "settle", P1)
    assert code == 0
    batches = again["batches"]
    assert isinstance(batches, list)
    assert [b["message"] for b in batches] == ["此前已结算，本次未重复结算"] * 3
    # Before the fix each earlier batch counted at its full amount: 114.00 + 84.00 + 32.20 + 15.00.
    assert again["cash_to_collect"] == Decimal("15.00")
    assert again["settled_earlier"] == Decimal("0.00")  # the earlier batches were all account-paid


def test_a_batch_settled_on_the_retry_counts_earlier_ones_at_their_cash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    embedded_state_path().parent.mkdir(parents=True)
    mock = MockPlatform(db_path=embedded_state_path())
    mock.faults.add("2207", "error", times=1, message="模拟：结算失败")  # batch 1's 2207 is refused
    mock.close()
    code, out, _ = _run(capsys, "settle", P1)
    assert code == 3  # a batch did not settle
    assert "未结算（医保平台拒绝：模拟：结算失败（已撤销，未结算））" in out
    # Batch 1 unsettled counts in full (114.00), plus 15.00 self-pay; batches 2, 3 account-paid.
    assert "应收现金合计：129.00" in out
    code, out, _ = _run(capsys, "settle", P1)
    assert code == 0
    # Before the fix: 84.00 + 32.20 (earlier, at full amount) + 0.00 + 15.00 = 131.20.
    assert "应收现金合计：15.00" in out
    assert out.count("此前已结算，本次未重复结算") == 2


# --- 2: the embedded platform keeps its state --------------------------------------------------


def test_the_embedded_platform_keeps_state_between_commands(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OPSP_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "opsp"
    _, settled = _json(capsys, "settle", P1)
    setl_ids = [b["receipt"]["setl_id"] for b in settled["batches"]]
    assert embedded_state_path().is_file()
    assert default_journal_path(load_demo_settings()).is_file()
    assert not Path("opsp-journal.sqlite3").exists()  # nothing in the working directory
    code, refunded = _json(capsys, "refund", setl_ids[1])  # a new process would see the same
    assert code == 0, refunded
    assert refunded["status"] == "done"
    code, recovered = _json(capsys, "recover")
    assert (code, recovered) == (0, [])
    code, out, _ = _run(capsys, "demo", "--reset")
    assert code == 0
    assert "已清除内置演示平台的状态和演示日志" in out
    assert not default_journal_path(load_demo_settings()).exists()
    code, _, err = _run(capsys, "refund", setl_ids[0])
    assert code == 2
    assert "本机日志中没有结算" in err


# --- 4: refunding a refunded-and-resettled settlement names the live one -----------------------


def test_refunding_a_resettled_settlement_names_the_live_one(capsys: pytest.CaptureFixture[str]) -> None:
    _, settled = _json(capsys, "settle", P1)
    first, middle, last = (b["receipt"]["setl_id"] for b in settled["batches"])
    _, refunded = _json(capsys, "refund", middle)  # refunds last, middle; settles last again
    changes = refunded["changes"]
    assert isinstance(changes, list)
    live = next(c["new_setl_id"] for c in changes if c["setl_id"] == last)
    assert live
    assert live != last
    code, _out, err = _run(capsys, "refund", last)
    assert code == 2
    assert f"结算 {last} 已退费并重新结算为 {live}：如需退费，请退 {live}" in err
    code, error = _json(capsys, "refund", last)
    assert error["error"]["field"] == "setl_id"
    assert first != live


# --- 5, 6, 7: errors ---------------------------------------------------------------------------


def test_every_problem_of_a_bill_at_once_in_chinese(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bill = _bad_visit(tmp_path, cnt="-1", item="NOPE999", certno="110101199001011234")
    code, out, err = _run(capsys, "settle", bill)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0] == "opsp：输入有误（3 处）"
    assert lines[1] == "  items[0] (feedetl_sn 1).cnt：必须大于 0"
    assert lines[2].startswith("  items[1] (feedetl_sn 2).medins_list_codg：NOPE999 不在本院目录对照中")
    assert lines[3].startswith("  patient.mdtrt_cert_no：医保平台查不到该患者")
    assert lines[4].startswith("  处理：")
    assert not re.search(r"[A-Za-z]{3,} [a-z]{3,}", err)  # no English sentence
    assert "Error" not in err
    assert "seed" not in err


def test_errors_under_json_are_an_object_with_code_message_and_places(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bill = _bad_visit(tmp_path, cnt="1.00001", item="NOPE999")
    code, document = _json(capsys, "plan", bill)
    assert code == 2
    error = document["error"]
    assert isinstance(error, dict)
    assert error["code"] == "invalid_input"
    assert error["exit_code"] == 2
    assert [(p["field"], p["stage"]) for p in error["problems"]] == [
        ("items[0] (feedetl_sn 1).cnt", "format"),
        ("items[1] (feedetl_sn 2).medins_list_codg", "catalogue"),
    ]
    assert error["problems"][0]["message"] == "小数位数超过 4 位"
    code, document = _json(capsys, "refund", "S-NO-SUCH")
    assert code == 2
    assert document["error"]["code"] == "invalid_input"
    assert document["error"]["field"] == "setl_id"


def test_refund_plan_cites_the_regulation_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    _, settled = _json(capsys, "settle", P1)
    first = settled["batches"][0]["receipt"]["setl_id"]
    _, out, _ = _run(capsys, "refund", first, "--plan")
    assert "按时间倒序须先撤销其后的 2 笔结算，退费后按原顺序重新结算\n" in out
    assert "seed" not in out
    _, out, _ = _run(capsys, "refund", first, "--plan", "-v")
    assert "seed 002 三(二)" in out


# --- 7: JSON, money and times ------------------------------------------------------------------


def test_json_money_is_exact_decimals_and_times_one_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "settle", P1, "--json")
    assert code == 0
    assert '"cash_to_collect":15.00' in out  # a JSON number with the wire's two decimals
    assert re.search(r'"setl_time":"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"', out)
    _, out, _ = _run(capsys, "map", "item", "Y001", "--province", "420000", "--on", "2026-11-22", "--json")
    assert '"pric_uplmt_amt":' in out
    assert '"pric_uplmt_amt":"' not in out
    _, out, _ = _run(capsys, "outbox", "--json")
    assert out == "[]\n"


# --- 8: version, -v placement, quiet stderr, item codes ------------------------------------------


def test_version_verbose_anywhere_and_a_quiet_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = _run(capsys, "--version")
    assert code == 0
    assert re.fullmatch(r"opsp \d+\.\d+\.\d+\n", out)
    bill = _bad_visit(tmp_path, certno="110101199001011234")  # 1101 answers 未找到人员信息
    _, _, err = _run(capsys, "plan", bill)
    assert "platform.call" not in err
    assert "warning" not in err
    _, _, err = _run(capsys, "plan", bill, "-v")
    assert "platform.call" in err
    assert "infno=1101" in err
    for command in ("plan", "dry-run", "settle", "refund", "recover", "outbox", "demo", "receipt"):
        _, out, _ = _run(capsys, command, "--help")
        assert "--platform URL" in out, command
        assert "exit codes: 0 done; 2 bad input" in out, command


def test_item_codes_match_whatever_their_case_and_spaces(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bill = _bad_visit(tmp_path, item="  y002 ")  # Y002 瑞格列奈片 1mg, written loosely
    code, document = _json(capsys, "plan", bill)
    assert code == 0
    assert document["batches"][0]["lines"][1]["medins_list_codg"] == "Y002"


# --- 10: cashier wording ----------------------------------------------------------------------


def test_one_status_per_line_and_the_deductible_counted_this_time(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "settle", P1)
    assert "结算成功：结算成功" not in out
    assert out.count("  状态：结算成功\n") == 3
    # Batch 1 (M01600): 114.00 of which 4.50 先行自付 → 109.50 counts toward the deductible this time.
    assert "医疗费总额 114.00  本次计入起付线 109.50" in out


def test_self_pay_lines_add_up_to_their_total(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "plan", "examples/visits/P6.json")
    section = out.split("自费（不上传医保）\n", 1)[1].split("\n\n", 1)[0]
    rows = section.splitlines()[2:]
    # P6 (insurance suspended): 24.00 + 45.00 + 25.00 = 94.00, each line wholly self-paid.
    selfpay = [Decimal(row.split()[-2]) for row in rows[:-1]]
    assert selfpay == [Decimal("24.00"), Decimal("45.00"), Decimal("25.00")]
    assert rows[-1].split()[-1] == "94.00"
    assert sum(selfpay) == Decimal("94.00")
    assert "seed" not in out
    assert "参保状态 参保状态" not in out


# --- 9: opsp map for a 医保办 clerk ---------------------------------------------------------


def test_map_speaks_chinese_without_internal_notes(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "map", "diagnosis", "N18.500", "Z99.200", "--region", "640100")
    assert out.startswith("诊断组合 N18.500、Z99.200 可对应的门诊慢特病：\n")
    assert "  M07801 透析（依据 ICD-10 N18|N19|I12.0|I13.1-2|E10-E14.2 + Z49|Z99.2；" in out
    _, item, _ = _run(capsys, "map", "item", "Y002", "--province", "420000", "--on", "2026-11-22")
    assert "  治疗病种：M01600 糖尿病\n" in item
    assert "420000 湖北省：乙类，先行自付比例 10%，无限价，不限制使用" in item
    for text in (out, item):
        assert "INF" not in text
        assert "DOMAIN.md" not in text
        assert "precedence" not in text
        assert not re.search(r"[A-Za-z]{3,} [a-z]{3,}", text)  # no English prose

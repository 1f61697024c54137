"""``opsp filing add | revoke | recover`` on the embedded demo: JSON shapes and exit codes (README)."""

from __future__ import annotations

from datetime import date

import pytest

from adapter import decode
from adapter._embedded import embedded_state_path
from adapter.cli import main
from mock_platform import MockPlatform

P7 = ["--cert-type", "02", "--cert-no", "640106198002124031"]  # Yinchuan 职工; the demo hospital is 三级


def _add(*more: str) -> list[str]:
    today = date.today().isoformat()  # the embedded platform runs on the real clock
    return [
        "filing",
        "add",
        *P7,
        "--assessed",
        today,
        "--doctor-code",
        "D001",
        "--doctor-name",
        "医生甲",
        *more,
    ]


def test_add_then_revoke_then_nothing_to_recover(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*_add("--disease", "M01600"), "--json"]) == 0
    filed = decode(capsys.readouterr().out)
    assert (filed["status"], filed["opsp_dise_code"], filed["opsp_dise_name"], filed["insu_optins"]) == (
        "filed",
        "M01600",
        "糖尿病",
        "640100",
    )
    assert sorted(filed) == [
        "begndate",
        "enddate",
        "err_msg",
        "insu_optins",
        "insutype",
        "msgid",
        "opsp_dise_code",
        "opsp_dise_name",
        "psn_no",
        "replayed",
        "status",
        "trt_dcla_detl_sn",
    ]
    serial = filed["trt_dcla_detl_sn"]
    revoke = ["filing", "revoke", serial, *P7, "--reason", "诊断依据不足"]
    assert main([*revoke, "--json"]) == 0
    revoked = decode(capsys.readouterr().out)
    assert (revoked["status"], revoked["trt_dcla_detl_sn"]) == ("revoked", serial)
    assert main([*revoke, "--json"]) == 4  # already revoked: the platform refuses, nothing changes
    error = decode(capsys.readouterr().out)["error"]
    assert error["code"] == "platform_refused"
    assert f"备案[{serial}]已撤销，不能重复撤销" in error["problems"][0]["message"]
    assert main(["filing", "recover", "--json"]) == 0
    assert decode(capsys.readouterr().out) == []


def test_the_text_tells_the_cashier_what_happens_next(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_add("--disease", "M03900", "--from", "2027-01-01")) == 4  # P7 is filed for M03900 already
    assert "有效期重叠，不能重复备案" in capsys.readouterr().err
    assert main(_add("--disease", "M00500")) == 0
    out = capsys.readouterr().out
    assert "门诊慢特病备案（2503）  M00500 恶性肿瘤门诊治疗  参保地 640100" in out
    assert "医保经办机构审核通过后生效（5301 可查到）；审核前可用 opsp filing revoke 撤销。" in out


@pytest.mark.parametrize(
    ("more", "field"),
    [
        (["--disease", "M02300"], "--disease (opsp_dise_code)"),
        (["--disease", "M01600", "--from", "2020-01-01"], "--from (begndate)"),
        (["--disease", "M01600", "--cert-type", "09"], "--cert-type (mdtrt_cert_type)"),
    ],
)
def test_bad_input_names_the_flag_and_sends_nothing(
    capsys: pytest.CaptureFixture[str], more: list[str], field: str
) -> None:
    assert main([*_add(*more), "--json"]) == 2
    error = decode(capsys.readouterr().out)["error"]
    assert (error["code"], error["field"]) == ("invalid_input", field)


def test_opsp_recover_says_a_lost_filing_answer_is_left_for_filing_recover(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["recover", "--json"]) == 0  # nothing in flight (and the embedded platform's state made)
    assert "待遇申报" not in capsys.readouterr().err
    with MockPlatform(db_path=embedded_state_path()) as platform:
        platform.faults.add("2503", "drop_after_commit")  # filed on the platform, the answer lost
    assert main([*_add("--disease", "M01600"), "--json"]) == 4  # outcome unknown
    capsys.readouterr()
    assert main(["recover", "--json"]) == 0  # no batch in flight: the JSON keeps its shape
    captured = capsys.readouterr()
    assert decode(captured.out) == []
    assert "另有 1 笔待遇申报（2503/2504）应答未知：请运行 opsp filing recover" in captured.err
    assert main(["filing", "recover", "--json"]) == 0
    (recovered,) = decode(capsys.readouterr().out)
    assert (recovered["infno"], recovered["status"], recovered["replayed"]) == ("2503", "filed", True)
    assert main(["recover"]) == 0
    assert "待遇申报" not in capsys.readouterr().err  # nothing left open

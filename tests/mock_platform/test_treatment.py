"""2001 待遇检查: entitlement and the specific reason when not entitled (DEMO_DATA.md, DOMAIN.md §1.7)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_platform import MockPlatform
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import HOHHOT, WUHAN, Caller

CONFIG = Path(__file__).resolve().parents[2] / "config"

# Hospitals that the demo does not have, to reach the remaining reasons.
YINCHUAN = ("H64010000003", "640100", "银川测试医院")
NOT_DESIGNATED = ("H42010200009", "420100", "武汉未开通门慢医院")
HYPERTENSION_ONLY = ("H42010200010", "420100", "武汉仅开通高血压医院")
EXTRA_HOSPITALS = """
[[hospital]]
fixmedins_code = "H64010000003"
fixmedins_name = "银川测试医院"
admdvs = "640100"
hosp_lv = "2"
dedc_hosp_lv = "03"
opsp_designated = true
source = "test"
[[hospital.opsp_open]]
relation = "local"
diseases = "all"
source = "test"

[[hospital]]
fixmedins_code = "H42010200009"
fixmedins_name = "武汉未开通门慢医院"
admdvs = "420100"
hosp_lv = "5"
dedc_hosp_lv = "02"
opsp_designated = false
source = "test"

[[hospital]]
fixmedins_code = "H42010200010"
fixmedins_name = "武汉仅开通高血压医院"
admdvs = "420100"
hosp_lv = "5"
dedc_hosp_lv = "02"
opsp_designated = true
source = "test"
[[hospital.opsp_open]]
relation = "cross_province"
diseases = ["M03900"]
source = "test"
"""


@pytest.fixture
def extended_client(tmp_path: Path, clock: MutableClock) -> Iterator[httpx.Client]:
    shutil.copytree(CONFIG, tmp_path / "config")
    with (tmp_path / "config" / "demo" / "hospitals.toml").open("a", encoding="utf-8") as file:
        file.write(EXTRA_HOSPITALS)
    with (
        MockPlatform(clock=clock, config_dir=tmp_path / "config") as mock,
        httpx.Client(transport=mock.transport(), base_url="http://mock.local") as client,
    ):
        yield client


def check(
    caller: Caller,
    psn_no: str,
    insuplc: str,
    *,
    med_type: str = "14",
    dise_codg: str = "",
    insutype: str = "310",
    begntime: str = "2026-11-22 10:00:00",
) -> dict[str, Any]:
    data = {
        "psn_no": psn_no,
        "insutype": insutype,
        "fixmedins_code": caller.hospital[0],
        "med_type": med_type,
        "begntime": begntime,
        "dise_codg": dise_codg,
        "dise_name": "",
    }
    answer = caller.call("2001", {"data": data}, insuplc_admdvs=insuplc)
    assert answer["infcode"] == 0, answer
    rows: list[dict[str, Any]] = answer["output"]["trtinfo"]
    assert len(rows) == 1
    return rows[0]


def row(psn_no: str, fund: str, flag: str, begndate: str, enddate: str, reason: str) -> dict[str, str]:
    return {
        "psn_no": psn_no,
        "trt_chk_type": "01",
        "fund_pay_type": fund,
        "trt_enjymnt_flag": flag,
        "begndate": begndate,
        "enddate": enddate,
        "trt_chk_rslt": reason,
    }


def test_p1_diabetes_at_wuhan_is_entitled(signed_in: Caller) -> None:
    # Yinchuan insured, cross-province at Wuhan; M01600 filed from 2024-01-01, 备案 to 420000 from 2025-01-01.
    result = check(signed_in, "64010000000000000001", "640100", dise_codg="M01600")
    assert result == row("64010000000000000001", "310100", "1", "2024-01-01", "", "")


def test_p6_suspended_insurance(signed_in: Caller) -> None:
    result = check(signed_in, "64010000000000000006", "640100", dise_codg="M01600")
    reason = "参保人自2026-09-01起暂停参保，就医日期2026-11-22处于停保状态，不享受医保待遇"
    # The period shown is the insurance period: illustrative start 2000-01-01, ended the day before 暂停.
    assert result == row("64010000000000000006", "310100", "0", "2000-01-01", "2026-08-31", reason)


def test_p6_before_the_suspension_was_entitled(signed_in: Caller) -> None:
    result = check(
        signed_in, "64010000000000000006", "640100", dise_codg="M01600", begntime="2026-08-31 09:00:00"
    )
    assert result["trt_enjymnt_flag"] == "1"


def test_p7_filing_not_yet_valid(signed_in: Caller) -> None:
    result = check(signed_in, "64010000000000000007", "640100", dise_codg="M03900")
    reason = "门诊慢特病[M03900]备案自2027-01-01起生效，就医日期2026-11-22不在备案有效期内"
    assert result == row("64010000000000000007", "310100", "0", "2027-01-01", "", reason)


def test_p9_wuhai_local_code_is_not_settleable_out_of_region(signed_in: Caller) -> None:
    # P9 is filed under WH-S01 肺心病, which has no national code (region_catalogues.csv): no national
    # dise_codg matches the filing (seed 002 二(二): the interface carries national codes only).
    result = check(signed_in, "15030000000000000009", "150300", dise_codg="M01600")
    assert (result["trt_enjymnt_flag"], result["trt_chk_rslt"]) == (
        "0",
        "参保人未办理门诊慢特病[M01600]备案，不享受门诊慢特病待遇",
    )


def test_p8_ordinary_outpatient_depends_only_on_insurance(signed_in: Caller) -> None:
    result = check(signed_in, "42010000000000000008", "420100", med_type="11", insutype="390")
    assert result == row("42010000000000000008", "390100", "1", "2017-01-01", "", "")


def test_p6_ordinary_outpatient_is_refused_while_suspended(signed_in: Caller) -> None:
    result = check(signed_in, "64010000000000000006", "640100", med_type="11")
    assert result["trt_enjymnt_flag"] == "0"
    assert "暂停参保" in result["trt_chk_rslt"]


def test_p1_undiagnosed_disease_has_no_filing(signed_in: Caller) -> None:
    result = check(signed_in, "64010000000000000001", "640100", dise_codg="M00500")
    assert result["trt_enjymnt_flag"] == "0"
    assert result["trt_chk_rslt"] == "参保人未办理门诊慢特病[M00500]备案，不享受门诊慢特病待遇"


def test_p1_before_the_remote_filing(signed_in: Caller) -> None:
    # M01600 is filed from 2024-01-01 but the 异地就医备案 to 420000 starts on 2025-01-01.
    result = check(
        signed_in, "64010000000000000001", "640100", dise_codg="M01600", begntime="2024-06-01 09:00:00"
    )
    reason = "参保人无有效的异地就医备案（就医地420100，就医日期2024-06-01），不能跨省异地就医直接结算"
    assert (result["trt_enjymnt_flag"], result["trt_chk_rslt"]) == ("0", reason)


def test_p4_compound_benefit_in_region_at_hohhot(client: httpx.Client, clock: MutableClock) -> None:
    caller = Caller(client, HOHHOT, clock=clock)
    caller.sign_in()
    for code in ("M01600", "M03900"):
        result = check(caller, "15030000000000000004", "150300", dise_codg=code, insutype="390")
        assert result == row("15030000000000000004", "390100", "1", "2024-07-01", "", "")


def test_p3_cancer_at_wuhan_cross_province(signed_in: Caller) -> None:
    result = check(signed_in, "15030000000000000003", "150300", dise_codg="M00500")
    assert result == row("15030000000000000003", "310100", "1", "2025-06-01", "", "")


def test_p5_in_province_at_wuhan(signed_in: Caller) -> None:
    result = check(signed_in, "42050000000000000005", "420500", dise_codg="M03900")
    assert result == row("42050000000000000005", "310100", "1", "2023-05-01", "", "")


def test_p10_transplant_at_wuhan(signed_in: Caller) -> None:
    result = check(signed_in, "64010000000000000010", "640100", dise_codg="M08301")
    assert result["trt_enjymnt_flag"] == "1"


def test_yinchuan_local_policy_is_not_configured(extended_client: httpx.Client, clock: MutableClock) -> None:
    caller = Caller(extended_client, YINCHUAN, clock=clock)
    caller.sign_in()
    result = check(caller, "64010000000000000001", "640100", dise_codg="M01600")
    reason = "参保地[640100]未配置本地就医门诊慢特病待遇政策（险种类型310）"
    assert result == row("64010000000000000001", "310100", "0", "2024-01-01", "", reason)


def test_hospital_not_designated(extended_client: httpx.Client, clock: MutableClock) -> None:
    caller = Caller(extended_client, NOT_DESIGNATED, clock=clock)
    caller.sign_in()
    result = check(caller, "64010000000000000001", "640100", dise_codg="M01600")
    assert result["trt_chk_rslt"] == "定点医疗机构[H42010200009]不是门诊慢特病定点医疗机构"


def test_disease_not_opened_by_the_hospital(extended_client: httpx.Client, clock: MutableClock) -> None:
    caller = Caller(extended_client, HYPERTENSION_ONLY, clock=clock)
    caller.sign_in()
    diabetes = check(caller, "64010000000000000001", "640100", dise_codg="M01600")
    reason = "定点医疗机构[H42010200010]未开通跨省异地就医门诊慢特病病种[M01600]的直接结算"
    assert (diabetes["trt_enjymnt_flag"], diabetes["trt_chk_rslt"]) == ("0", reason)
    assert check(caller, "64010000000000000001", "640100", dise_codg="M03900")["trt_enjymnt_flag"] == "1"


@pytest.mark.parametrize(
    ("changes", "err_msg"),
    [
        ({"med_type": "21"}, "交易输入[data.med_type]医疗类别[21]暂不支持待遇检查"),
        ({"dise_codg": ""}, "交易输入[data.dise_codg]不能为空"),
        ({"insutype": "390"}, "交易输入[data.insutype]人员无险种类型[390]的参保信息"),
        ({"fixmedins_code": "H15010200002"}, "交易输入[data.fixmedins_code]与报文头[fixmedins_code]不一致"),
        ({"begntime": "2026/11/22 10:00:00"}, "交易输入[data.begntime]格式错误，应为yyyy-MM-dd HH:mm:ss"),
        ({"begntime": None}, "交易输入[data.begntime]不能为空"),
        ({"psn_no": "64010000000000000099"}, "未找到人员信息"),
    ],
)
def test_2001_refusals(signed_in: Caller, changes: dict[str, Any], err_msg: str) -> None:
    data = {
        "psn_no": "64010000000000000001",
        "insutype": "310",
        "fixmedins_code": WUHAN[0],
        "med_type": "14",
        "begntime": "2026-11-22 10:00:00",
        "dise_codg": "M01600",
        **changes,
    }
    answer = signed_in.call("2001", {"data": data}, insuplc_admdvs="640100")
    assert (answer["infcode"], answer["err_msg"], answer["output"]) == (-1, err_msg, {})

"""The place of care's per-line split (DOMAIN.md §2.2) and 2204's `result[]` (PROTOCOL.md §3.8).

Every expected amount is computed by hand in the comment next to it.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_platform import MockPlatform
from mock_platform.backend.fee_split import split_line
from mock_platform.config.tables import ScopeEntry
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE, EXAMPLE2_LINES, P1, YINCHUAN_EMPLOYEE, patient

D = Decimal


def entry(lv: str, sp: str | None, cap: str | None = None, lmt: str = "0") -> ScopeEntry:
    return ScopeEntry(
        insu_admdvs="420000",
        national_code="XA10BAA059A001010100001",
        name="test",
        chrgitm_lv=lv,
        selfpay_prop=None if sp is None else D(sp),
        pric_uplmt_amt=None if cap is None else D(cap),
        lmt_used_flag=lmt,
        begndate=date(2020, 1, 1),
        provenance="test",
    )


def parts(pric: str, cnt: str, flag: str, item: ScopeEntry | None) -> tuple[str, str, str, str, str]:
    split = split_line(pric=D(pric), cnt=D(cnt), hosp_appr_flag=flag, item=item)
    return (
        str(split.det_item_fee_sumamt),
        str(split.fulamt_ownpay_amt),
        str(split.overlmt_amt),
        str(split.preselfpay_amt),
        str(split.inscp_scp_amt),
    )


@pytest.mark.parametrize(
    ("pric", "cnt", "item", "expected"),
    [
        # 甲, no cap: 0.40 × 300 = 120.00, all in scope.
        ("0.40", "300", entry("01", "0"), ("120.00", "0.00", "0.00", "0.00", "120.00")),
        # 甲 with a cap (血液透析 420 vs 400): over-limit (420 − 400) × 2 = 40.00; inscp 840 − 40 = 800.00.
        ("420.00", "2", entry("01", "0", "400"), ("840.00", "0.00", "40.00", "0.00", "800.00")),
        # 乙 10%: 300.00 → 先行自付 30.00, inscp 270.00.
        ("300.00", "1", entry("02", "0.10"), ("300.00", "0.00", "0.00", "30.00", "270.00")),
        # 乙 5% with cap 50: 60 × 2 = 120; over-limit (60 − 50) × 2 = 20; base 100;
        # 先行自付 5.00; inscp 95.00.
        ("60.00", "2", entry("02", "0.05", "50"), ("120.00", "0.00", "20.00", "5.00", "95.00")),
        # 乙 10% on an odd amount: 31.77 × 10% = 3.177 → 3.18 (ROUND_HALF_UP); inscp 28.59 (DOMAIN.md Ex. 1).
        ("31.77", "1", entry("02", "0.10"), ("31.77", "0.00", "0.00", "3.18", "28.59")),
        # Price below the cap: no over-limit.
        ("45.00", "2", entry("02", "0.05", "50"), ("90.00", "0.00", "0.00", "4.50", "85.50")),
        # 丙: all self-paid.
        ("80.00", "1", entry("03", None), ("80.00", "80.00", "0.00", "0.00", "0.00")),
        # Not in the catalogue: all self-paid.
        ("15.00", "3", None, ("45.00", "45.00", "0.00", "0.00", "0.00")),
        # pric × cnt rounded half-up to the cent: 0.333333 × 3 = 0.999999 → 1.00.
        ("0.333333", "3", entry("01", "0"), ("1.00", "0.00", "0.00", "0.00", "1.00")),
    ],
)
def test_split_per_class(pric: str, cnt: str, item: ScopeEntry | None, expected: tuple[str, ...]) -> None:
    assert parts(pric, cnt, "1" if item is not None and item.lmt_used_flag == "1" else "0", item) == expected


# 乙 10% at 50.00: reimbursable → 先行自付 5.00, inscp 45.00; self-paid → 全自费 50.00.
REIMBURSED = ("50.00", "0.00", "0.00", "5.00", "45.00")
SELF_PAID = ("50.00", "50.00", "0.00", "0.00", "0.00")


@pytest.mark.parametrize(
    ("lmt_used_flag", "hosp_appr_flag", "expected", "memo"),
    [
        # PROTOCOL.md §3.8: restricted item — 0/2 self-pay, 1 reimbursable.
        ("1", "0", SELF_PAID, "限制使用未审批，按自费处理"),
        ("1", "1", REIMBURSED, "乙类先行自付比例0.1000，先行自付5.00元"),
        ("1", "2", SELF_PAID, "限制使用审批不通过，按自费处理"),
        # Unrestricted — 0/1 follow the actual rules, 2 self-pay.
        ("0", "0", REIMBURSED, "乙类先行自付比例0.1000，先行自付5.00元"),
        ("0", "1", REIMBURSED, "乙类先行自付比例0.1000，先行自付5.00元"),
        ("0", "2", SELF_PAID, "医院审批不通过，按自费处理"),
    ],
)
def test_every_approval_and_restriction_combination(
    lmt_used_flag: str, hosp_appr_flag: str, expected: tuple[str, ...], memo: str
) -> None:
    item = entry("02", "0.10", lmt=lmt_used_flag)
    assert parts("50.00", "1", hosp_appr_flag, item) == expected
    split = split_line(pric=D("50.00"), cnt=D("1"), hosp_appr_flag=hosp_appr_flag, item=item)
    assert split.memo == memo
    assert split.lmt_used_flag == lmt_used_flag


prices = st.decimals(min_value=D("0"), max_value=D("99999"), places=6)
counts = st.decimals(min_value=D("0.0001"), max_value=D("9999"), places=4)
ratios = st.decimals(min_value=D("0"), max_value=D("1"), places=4)


@given(
    pric=prices,
    cnt=counts,
    lv=st.sampled_from(["01", "02", "03"]),
    sp=ratios,
    cap=st.none() | prices,
    lmt=st.sampled_from(["0", "1"]),
    flag=st.sampled_from(["0", "1", "2"]),
    listed=st.booleans(),
)
def test_the_four_parts_always_add_up_to_the_line(
    pric: Decimal, cnt: Decimal, lv: str, sp: Decimal, cap: Decimal | None, lmt: str, flag: str, listed: bool
) -> None:
    item = entry(
        lv, None if lv == "03" else ("0" if lv == "01" else str(sp)), None if cap is None else str(cap), lmt
    )
    split = split_line(pric=pric, cnt=cnt, hosp_appr_flag=flag, item=item if listed else None)
    # Money rounds half up to the cent (DEMO_DATA.md): 0.001665 × 1000 = 1.665 → 1.67, not 1.66.
    assert split.det_item_fee_sumamt == (pric * cnt).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert split.parts_sum() == split.det_item_fee_sumamt
    assert min(split.fulamt_ownpay_amt, split.overlmt_amt, split.preselfpay_amt, split.inscp_scp_amt) >= 0


def test_example_2_split_table_through_2204(platform: MockPlatform, signed_in: Caller) -> None:
    platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    clinic = Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))
    mdtrt_id = clinic.open_visit()
    answer = clinic.upload(mdtrt_id, EXAMPLE2_LINES)
    assert answer["infcode"] == 0, answer["err_msg"]
    rows = answer["output"]["result"]
    table = [
        (
            r["det_item_fee_sumamt"],
            r["fulamt_ownpay_amt"],
            r["overlmt_amt"],
            r["preselfpay_amt"],
            r["inscp_scp_amt"],
        )
        for r in rows
    ]
    assert table == [
        (D("120.00"), D("0.00"), D("0.00"), D("0.00"), D("120.00")),
        (D("300.00"), D("0.00"), D("0.00"), D("30.00"), D("270.00")),
        (D("120.00"), D("0.00"), D("20.00"), D("5.00"), D("95.00")),
        (D("80.00"), D("80.00"), D("0.00"), D("0.00"), D("0.00")),
        (D("50.00"), D("50.00"), D("0.00"), D("0.00"), D("0.00")),
    ]
    assert clinic.totals(mdtrt_id) == {
        "medfee_sumamt": D("670.00"),
        "fulamt_ownpay_amt": D("130.00"),
        "overlmt_selfpay": D("20.00"),
        "preselfpay_amt": D("35.00"),
        "inscp_scp_amt": D("485.00"),
    }
    consumable = rows[2]
    assert (consumable["chrgitm_lv"], consumable["med_chrgitm_type"], consumable["lmt_used_flag"]) == (
        "02",
        "08",
        "0",
    )
    assert (consumable["pric_uplmt_amt"], consumable["selfpay_prop"]) == (D("50.000000"), D("0.0500"))
    assert (
        consumable["memo"]
        == "单价超过限价50.00，超限价金额20.00元由个人负担；乙类先行自付比例0.0500，先行自付5.00元"
    )
    assert [r["chrgitm_lv"] for r in rows] == ["01", "02", "02", "03", "02"]
    assert rows[3]["memo"] == "丙类项目，按自费处理"
    assert (rows[4]["memo"], rows[4]["lmt_used_flag"]) == ("限制使用未审批，按自费处理", "1")
    assert rows[0]["pric_uplmt_amt"] == D("0.000000")  # no cap: 0 (PROTOCOL.md §1.6)
    assert [r["feedetl_sn"] for r in rows] == ["1", "2", "3", "4", "5"]


def test_the_class_is_the_hospital_provinces(signed_in: Caller, hohhot: Caller) -> None:
    # 苯磺酸氨氯地平 (Y006) is 乙 10% in Hubei but 甲 in Inner Mongolia (DEMO_DATA.md item catalogue).
    wuhan = Clinic(signed_in, P1)
    mdtrt_id = wuhan.open_visit(dise_codg="M03900")
    hubei = wuhan.upload(mdtrt_id, [Line("Y006", "0.90", "100")])["output"]["result"][0]
    # 90.00 × 10% = 9.00 先行自付, 81.00 in scope.
    assert (hubei["chrgitm_lv"], hubei["preselfpay_amt"], hubei["inscp_scp_amt"]) == (
        "02",
        D("9.00"),
        D("81.00"),
    )
    from tests.mock_platform.seeds import P4

    inner_mongolia = Clinic(hohhot, P4)
    visit = inner_mongolia.open_visit(dise_codg="M03900")
    row = inner_mongolia.upload(visit, [Line("Y006", "0.90", "100")])["output"]["result"][0]
    assert (row["chrgitm_lv"], row["preselfpay_amt"], row["inscp_scp_amt"]) == ("01", D("0.00"), D("90.00"))


def test_item_outside_the_catalogue_on_the_fee_date(platform: MockPlatform, signed_in: Caller) -> None:
    # A national code the hospital mapped, valid in the payment scope only until 2026-06-30.
    code = "XA10BAA059A001010100077"
    platform.seed(
        {
            "payment_scope": [
                {
                    "insu_admdvs": "420000",
                    "national_code": code,
                    "name": "停用药品",
                    "chrgitm_lv": "01",
                    "selfpay_prop": "0",
                    "lmt_used_flag": "0",
                    "begndate": "2020-01-01",
                    "enddate": "2026-06-30",
                    "provenance": "test",
                }
            ],
            "item_map": [
                {
                    "fixmedins_code": "H42010200001",
                    "hospital_code": "Y077",
                    "national_code": code,
                    "name": "停用药品",
                    "list_type": "101",
                    "med_chrgitm_type": "09",
                    "provenance": "test",
                }
            ],
        }
    )
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.open_visit()
    lines = [Line("Y077", "10.00", "2", national=code)]
    before = clinic.upload(mdtrt_id, lines, batch="B1", time="2026-06-30 10:00:00")["output"]["result"][0]
    after = clinic.upload(mdtrt_id, lines, batch="B2", time="2026-07-01 10:00:00")["output"]["result"][0]
    assert (before["chrgitm_lv"], before["inscp_scp_amt"], before["memo"]) == ("01", D("20.00"), "")
    assert (after["chrgitm_lv"], after["fulamt_ownpay_amt"], after["memo"]) == (
        "03",
        D("20.00"),
        "目录外项目，按自费处理",
    )

"""Requests of the visit and settlement transactions (PROTOCOL.md §3.5–§3.14), byte for byte.

The sample visit (illustrative, on the DEMO_DATA.md dataset): P1 马建国, employee (310), insured in 银川
640100, settles 糖尿病 M01600 at 武汉市示范医院 (cross-province: ratio 0.75). Two lines:

    Y001 二甲双胍 甲: 60 × 0.40 = 24.00, all in scope                       -> inscp 24.00
    Y002 瑞格列奈 乙: 30 × 1.50 = 45.00, selfpay_prop 0.10 -> preselfpay 4.50, inscp 40.50
    medfee 69.00 = fulamt 0 + overlmt 0 + preselfpay 4.50 + inscp 64.50

With 20.00 of the 500.00 yearly deductible left: act_pay_dedc 20.00, eligible 64.50 − 20.00 = 44.50,
hifp_pay = round(44.50 × 0.75 = 33.375) = 33.38 (half up) = fund_pay_sumamt; psn_part_amt = 69.00 − 33.38 =
35.62; with 30.00 left in the account: acct_pay 30.00, psn_cash_pay 35.62 − 30.00 = 5.62, balc 0.00.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from adapter._codec import encode
from adapter.transactions import (
    REGISTRY,
    InputModel,
    t2201,
    t2202,
    t2203,
    t2204,
    t2205,
    t2206,
    t2207,
    t2208,
    t2601,
    t5201,
    t5203,
    t5204,
    t5206,
)

PSN_NO = "64010000000000000001"
CERTNO = "640104196203152010"
NAME = "马建国"
MDTRT_ID = "420100202611220000000001"
SETL_ID = "420100202611220000000101"
BATCH = "CB20261122000001"

REGISTERED_AT = datetime(2026, 11, 22, 9, 31, 0)
CHARGED_AT = datetime(2026, 11, 22, 9, 40, 0)


def _pre_settlement() -> dict[str, Any]:
    return {
        "psn_no": PSN_NO,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": CERTNO,
        "med_type": "14",
        "medfee_sumamt": Decimal("69.00"),
        "psn_setlway": "01",
        "mdtrt_id": MDTRT_ID,
        "chrg_bchno": BATCH,
        "acct_used_flag": "1",
        "insutype": "310",
        "psn_cert_type": "01",
        "certno": CERTNO,
        "psn_type": "21",
        "psn_name": NAME,
    }


def _fee_detail(**fields: Any) -> t2204.FeeDetail:
    common: dict[str, Any] = {
        "mdtrt_id": MDTRT_ID,
        "psn_no": PSN_NO,
        "chrg_bchno": BATCH,
        "dise_codg": "M01600",
        "rx_circ_flag": "0",
        "fee_ocur_time": CHARGED_AT,
        "bilg_dept_codg": "0301",
        "bilg_dept_name": "内分泌科",
        "bilg_dr_codg": "D420100000001",
        "bilg_dr_name": "王医生",
        "hosp_appr_flag": "0",
    }
    return t2204.FeeDetail(**common, **fields)


_PRE_SETTLEMENT_WIRE = (
    '"psn_no":"64010000000000000001","mdtrt_cert_type":"02","mdtrt_cert_no":"640104196203152010",'
    '"med_type":"14","medfee_sumamt":69.00,"psn_setlway":"01","mdtrt_id":"420100202611220000000001",'
    '"chrg_bchno":"CB20261122000001","acct_used_flag":"1","insutype":"310","card_sn":"","psn_cert_type":"01",'
    '"certno":"640104196203152010","psn_type":"21","psn_name":"马建国","exp_content":"","pub_hosp_rfom_flag":""'
)

REGISTRATION = t2201.Registration(
    psn_no=PSN_NO,
    insutype="310",
    begntime=REGISTERED_AT,
    mdtrt_cert_type="02",
    mdtrt_cert_no=CERTNO,
    ipt_otp_no="MZ20261122000001",
    atddr_no="D420100000001",
    dr_name="王医生",
    dept_code="0301",
    dept_name="内分泌科",
    caty="A03",
    psn_cert_type="01",
    certno=CERTNO,
    psn_type="21",
    psn_name=NAME,
)

FEE_QUERY = t5204.Input(data=t5204.FeeQuery(psn_no=PSN_NO, setl_id=SETL_ID, mdtrt_id=MDTRT_ID))

REQUESTS: list[tuple[str, InputModel, str]] = [
    (
        "2201",
        t2201.Input(data=REGISTRATION),
        '{"data":{"psn_no":"64010000000000000001","insutype":"310","begntime":"2026-11-22 09:31:00",'
        '"mdtrt_cert_type":"02","mdtrt_cert_no":"640104196203152010","ipt_otp_no":"MZ20261122000001",'
        '"atddr_no":"D420100000001","dr_name":"王医生","dept_code":"0301","dept_name":"内分泌科","caty":"A03",'
        '"card_sn":"","psn_cert_type":"01","certno":"640104196203152010","psn_type":"21","psn_name":"马建国",'
        '"exp_content":""}}',
    ),
    (
        "2202",
        t2202.Input(
            data=t2202.RegistrationCancel(psn_no=PSN_NO, mdtrt_id=MDTRT_ID, ipt_otp_no="MZ20261122000001")
        ),
        '{"data":{"psn_no":"64010000000000000001","mdtrt_id":"420100202611220000000001",'
        '"ipt_otp_no":"MZ20261122000001","exp_content":""}}',
    ),
    (
        "2203",
        t2203.Input(
            mdtrtinfo=t2203.VisitInfo(
                mdtrt_id=MDTRT_ID,
                psn_no=PSN_NO,
                med_type="14",
                begntime=REGISTERED_AT,
                main_cond_dscr="血糖控制欠佳",
                dise_codg="M01600",
                dise_name="糖尿病",
            ),
            diseinfo=(
                t2203.Diagnosis(
                    diag_type="1",
                    diag_srt_no=1,
                    diag_code="E11.900",
                    diag_name="2型糖尿病",
                    diag_dept="内分泌科",
                    dise_dor_no="D420100000001",
                    dise_dor_name="王医生",
                    diag_time=datetime(2026, 11, 22, 9, 35, 0),
                    vali_flag="1",
                ),
            ),
        ),
        '{"mdtrtinfo":{"mdtrt_id":"420100202611220000000001","psn_no":"64010000000000000001","med_type":"14",'
        '"begntime":"2026-11-22 09:31:00","main_cond_dscr":"血糖控制欠佳","dise_codg":"M01600",'
        '"dise_name":"糖尿病","birctrl_type":"","birctrl_matn_date":"","matn_type":"","geso_val":0,'
        '"dise_type_code":"","exp_content":""},"diseinfo":[{"diag_type":"1","diag_srt_no":1,'
        '"diag_code":"E11.900","diag_name":"2型糖尿病","diag_dept":"内分泌科","dise_dor_no":"D420100000001",'
        '"dise_dor_name":"王医生","diag_time":"2026-11-22 09:35:00","vali_flag":"1"}]}',
    ),
    (
        "2204",
        t2204.Input(
            feedetail=(
                _fee_detail(
                    feedetl_sn="1",
                    med_list_codg="XA10BAA059A001010100001",
                    medins_list_codg="Y001",
                    det_item_fee_sumamt=Decimal("24.00"),
                    cnt=Decimal("60"),
                    pric=Decimal("0.40"),
                    sin_dos_dscr="0.5g",
                    used_frqu_dscr="tid",
                    prd_days=Decimal("20"),
                    medc_way_dscr="口服",
                ),
                _fee_detail(
                    feedetl_sn="2",
                    med_list_codg="XA10BXR027A001010100002",
                    medins_list_codg="Y002",
                    det_item_fee_sumamt=Decimal("45.00"),
                    cnt=Decimal("30"),
                    pric=Decimal("1.500000"),
                ),
            )
        ),
        '{"feedetail":[{"feedetl_sn":"1","mdtrt_id":"420100202611220000000001","psn_no":"64010000000000000001",'
        '"chrg_bchno":"CB20261122000001","dise_codg":"M01600","rxno":"","rx_circ_flag":"0",'
        '"fee_ocur_time":"2026-11-22 09:40:00","med_list_codg":"XA10BAA059A001010100001",'
        '"medins_list_codg":"Y001",'
        '"det_item_fee_sumamt":24.00,"cnt":60,"pric":0.40,"sin_dos_dscr":"0.5g","used_frqu_dscr":"tid",'
        '"prd_days":20,"medc_way_dscr":"口服","bilg_dept_codg":"0301","bilg_dept_name":"内分泌科",'
        '"bilg_dr_codg":"D420100000001","bilg_dr_name":"王医生","acord_dept_codg":"","acord_dept_name":"",'
        '"orders_dr_code":"","orders_dr_name":"","hosp_appr_flag":"0","tcmdrug_used_way":"","etip_flag":"",'
        '"etip_hosp_code":"","dscg_tkdrug_flag":"","matn_fee_flag":"","memo":"","comb_no":"","exp_content":""},'
        '{"feedetl_sn":"2","mdtrt_id":"420100202611220000000001","psn_no":"64010000000000000001",'
        '"chrg_bchno":"CB20261122000001","dise_codg":"M01600","rxno":"","rx_circ_flag":"0",'
        '"fee_ocur_time":"2026-11-22 09:40:00","med_list_codg":"XA10BXR027A001010100002",'
        '"medins_list_codg":"Y002",'
        '"det_item_fee_sumamt":45.00,"cnt":30,"pric":1.500000,"sin_dos_dscr":"","used_frqu_dscr":"",'
        '"prd_days":0,"medc_way_dscr":"","bilg_dept_codg":"0301","bilg_dept_name":"内分泌科",'
        '"bilg_dr_codg":"D420100000001","bilg_dr_name":"王医生","acord_dept_codg":"","acord_dept_name":"",'
        '"orders_dr_code":"","orders_dr_name":"","hosp_appr_flag":"0","tcmdrug_used_way":"","etip_flag":"",'
        '"etip_hosp_code":"","dscg_tkdrug_flag":"","matn_fee_flag":"","memo":"","comb_no":"","exp_content":""}]}',
    ),
    (
        "2205",
        t2205.Input(
            data=t2205.FeeDetailCancel(mdtrt_id=MDTRT_ID, chrg_bchno=t2205.ALL_UNSETTLED, psn_no=PSN_NO)
        ),
        '{"data":{"mdtrt_id":"420100202611220000000001","chrg_bchno":"0000","psn_no":"64010000000000000001",'
        '"exp_content":""}}',
    ),
    (
        "2206",
        t2206.Input(data=t2206.PreSettlementData(**_pre_settlement())),
        '{"data":{' + _PRE_SETTLEMENT_WIRE + "}}",
    ),
    (
        "2207",
        t2207.Input(
            data=t2207.SettlementData(
                **_pre_settlement(),
                invono="FP20261122001",
                fulamt_ownpay_amt=Decimal("0.00"),
                overlmt_selfpay=Decimal("0.00"),
                preselfpay_amt=Decimal("4.50"),
                inscp_scp_amt=Decimal("64.50"),
            )
        ),
        '{"data":{' + _PRE_SETTLEMENT_WIRE + ',"invono":"FP20261122001","fulamt_ownpay_amt":0.00,'
        '"overlmt_selfpay":0.00,"preselfpay_amt":4.50,"inscp_scp_amt":64.50}}',
    ),
    (
        "2208",
        t2208.Input(data=t2208.SettlementCancel(setl_id=SETL_ID, mdtrt_id=MDTRT_ID, psn_no=PSN_NO)),
        '{"data":{"setl_id":"420100202611220000000101","mdtrt_id":"420100202611220000000001",'
        '"psn_no":"64010000000000000001","exp_content":""}}',
    ),
    (
        "2601",
        t2601.Input(
            data=t2601.Reversal(psn_no=PSN_NO, omsgid="H42010200001202611220941000003", oinfno="2207")
        ),
        '{"data":{"psn_no":"64010000000000000001","omsgid":"H42010200001202611220941000003","oinfno":"2207"}}',
    ),
    (
        "5201",
        t5201.Input(
            data=t5201.VisitQuery(
                psn_no=PSN_NO,
                begntime=datetime(2026, 11, 22, 0, 0, 0),
                endtime=datetime(2026, 11, 22, 23, 59, 59),
                med_type="14",
            )
        ),
        '{"data":{"psn_no":"64010000000000000001","begntime":"2026-11-22 00:00:00",'
        '"endtime":"2026-11-22 23:59:59","med_type":"14","mdtrt_id":""}}',
    ),
    (
        "5203",
        t5203.Input(data=t5203.SettlementQuery(psn_no=PSN_NO, setl_id=SETL_ID, mdtrt_id=MDTRT_ID)),
        '{"data":{"psn_no":"64010000000000000001","setl_id":"420100202611220000000101",'
        '"mdtrt_id":"420100202611220000000001"}}',
    ),
    (
        "5204",
        FEE_QUERY,
        '{"data":{"psn_no":"64010000000000000001","setl_id":"420100202611220000000101",'
        '"mdtrt_id":"420100202611220000000001"}}',
    ),
    (
        "5206",
        t5206.Input(data=t5206.CumulativeQuery(psn_no=PSN_NO, cum_ym="202611")),
        '{"data":{"psn_no":"64010000000000000001","cum_ym":"202611"}}',
    ),
]


@pytest.mark.parametrize(("infno", "payload", "golden"), REQUESTS, ids=[row[0] for row in REQUESTS])
def test_request_bytes(infno: str, payload: InputModel, golden: str) -> None:
    assert isinstance(payload, REGISTRY[infno].input_model)
    assert encode(payload.to_wire()) == golden.encode()


def test_hn_only_and_maternity_fields_go_out_when_given() -> None:
    visit = t2203.VisitInfo(
        mdtrt_id=MDTRT_ID,
        psn_no=PSN_NO,
        med_type="14",
        begntime=REGISTERED_AT,
        birctrl_matn_date=date(2026, 3, 1),
        geso_val=12,
        dise_type_code="10",
    )
    wire = visit.to_wire()
    assert (wire["birctrl_matn_date"], wire["geso_val"], wire["dise_type_code"]) == ("2026-03-01", 12, "10")


@pytest.mark.parametrize(
    ("amount", "problem"),
    [(84.0, "floats are not accepted"), ("84.001", "more than 2 decimal places")],
)
def test_request_amounts_are_exact(amount: object, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        t2206.PreSettlementData(**{**_pre_settlement(), "medfee_sumamt": amount})


def test_a_fee_upload_needs_at_least_one_row() -> None:
    with pytest.raises(ValidationError):
        t2204.Input(feedetail=())


def _requests_with_personal_data() -> list[BaseModel]:
    card_sn = "64010000000000000000000000000001"
    return [
        t2201.Input(data=REGISTRATION),
        REGISTRATION.model_copy(update={"card_sn": card_sn}),
        t2206.PreSettlementData(**_pre_settlement(), card_sn=card_sn),
        t2207.SettlementData(
            **_pre_settlement(),
            fulamt_ownpay_amt=Decimal(0),
            overlmt_selfpay=Decimal(0),
            preselfpay_amt=Decimal("4.50"),
            inscp_scp_amt=Decimal("64.50"),
        ),
    ]


@pytest.mark.parametrize("model", _requests_with_personal_data(), ids=lambda model: type(model).__qualname__)
def test_personal_data_is_not_in_repr(model: BaseModel) -> None:
    text = repr(model)
    for secret in (NAME, CERTNO, "64010000000000000000000000000001"):
        assert secret not in text

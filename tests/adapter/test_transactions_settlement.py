"""Answers of the visit and settlement transactions (PROTOCOL.md §3.5–§3.14), read tolerantly; the registry.

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

from adapter._codec import decode
from adapter.transactions import _MODULES, REGISTRY, _index, t2201, t2204, t2208, t5203, t5204, t5206

from .fakes import ScriptedPlatform, make_client

PSN_NO = "64010000000000000001"
CERTNO = "640104196203152010"
NAME = "马建国"
MDTRT_ID = "420100202611220000000001"
SETL_ID = "420100202611220000000101"

REGISTERED_AT = datetime(2026, 11, 22, 9, 31, 0)
CHARGED_AT = datetime(2026, 11, 22, 9, 40, 0)


# --- answers ---------------------------------------------------------------------------------------------


def _parse(infno: str, output: str) -> Any:
    """Decode an ``output`` as the codec does (numbers become Decimal or int) and validate it."""
    return REGISTRY[infno].parse_output(decode(output))


@pytest.mark.parametrize(
    ("output", "exp_content"),
    [
        (
            '{"data":{"mdtrt_id":"420100202611220000000001","psn_no":"64010000000000000001",'
            '"ipt_otp_no":"MZ20261122000001","exp_content":"{\\"TRUM_FLAG\\":\\"0\\"}"}}',
            '{"TRUM_FLAG":"0"}',
        ),
        (
            '{"data":{"mdtrt_id":420100202611220000000001,"psn_no":"64010000000000000001",'
            '"ipt_otp_no":"MZ20261122000001","expContent":null}}',
            "",
        ),
    ],
    ids=["exp_content", "expContent-null-numeric-id"],
)
def test_2201_answer(output: str, exp_content: str) -> None:
    result = _parse("2201", output).data
    assert (result.mdtrt_id, result.psn_no, result.ipt_otp_no) == (MDTRT_ID, PSN_NO, "MZ20261122000001")
    assert result.exp_content == exp_content


@pytest.mark.parametrize("infno", ["2202", "2203", "2205", "2601"])
@pytest.mark.parametrize("output", [None, {}, {"warn": "x"}])
def test_transactions_without_output_accept_anything_empty(infno: str, output: object) -> None:
    assert REGISTRY[infno].parse_output(output) == REGISTRY[infno].output_model()


RESULT_2204 = (
    '{"result":['
    '{"feedetl_sn":"1","det_item_fee_sumamt":24.00,"cnt":60,"pric":0.4,"pric_uplmt_amt":null,"selfpay_prop":0,'
    '"fulamt_ownpay_amt":0,"overlmt_amt":0,"preselfpay_amt":0,"inscp_scp_amt":24.00,"chrgitm_lv":1,'
    '"med_chrgitm_type":"09","bas_medn_flag":"1","hi_nego_drug_flag":"0","chld_medc_flag":"0",'
    '"list_sp_item_flag":"0","lmt_used_flag":0,"drt_reim_flag":"0","memo":null,"exp_content":""},'
    # Every number as a string, as some platforms send them.
    '{"feedetl_sn":2,"det_item_fee_sumamt":"45.00","cnt":"30.0000","pric":"1.500000","pric_uplmt_amt":"",'
    '"selfpay_prop":"0.1000","fulamt_ownpay_amt":"0.00","overlmt_amt":"0.00","preselfpay_amt":"4.50",'
    '"inscp_scp_amt":"40.50","chrgitm_lv":"02","med_chrgitm_type":"09","lmt_used_flag":"0"}'
    "]}"
)


def test_2204_result_rows() -> None:
    first, second = _parse("2204", RESULT_2204).result
    assert (first.feedetl_sn, first.chrgitm_lv, first.lmt_used_flag, first.memo) == ("1", "01", "0", "")
    assert (first.det_item_fee_sumamt, first.cnt, first.pric) == (Decimal("24.00"), 60, Decimal("0.4"))
    assert (first.pric_uplmt_amt, first.selfpay_prop, first.inscp_scp_amt) == (None, 0, Decimal("24.00"))
    assert (second.feedetl_sn, second.chrgitm_lv, second.pric_uplmt_amt) == ("2", "02", None)
    # 30 × 1.50 = 45.00; preselfpay 45.00 × 0.10 = 4.50; inscp 45.00 − 4.50 = 40.50.
    assert second.selfpay_prop == Decimal("0.1000")
    assert (second.preselfpay_amt, second.inscp_scp_amt) == (Decimal("4.50"), Decimal("40.50"))
    assert str(second.det_item_fee_sumamt) == "45.00"


def test_2204_result_as_one_object() -> None:
    output = decode(RESULT_2204)
    rows = t2204.TRANSACTION.parse_output({"result": output["result"][1]}).result
    assert [row.feedetl_sn for row in rows] == ["2"]


# 2206 (NT style): no setl_id, expContent beside setlinfo, crt_payb_lmt_amt null.
PRE_SETTLED_2206 = (
    '{"setlinfo":{"mdtrt_id":"420100202611220000000001","setl_id":null,"psn_no":"64010000000000000001",'
    '"psn_name":"马建国","psn_cert_type":"01","certno":"640104196203152010","gend":"1","naty":"01",'
    '"brdy":"1962-03-15","age":64.6,"insutype":"310","psn_type":"21","cvlserv_flag":"0",'
    '"setl_time":"2026-11-22 09:41:00","mdtrt_cert_type":"02","med_type":"14","medfee_sumamt":69.00,'
    '"fulamt_ownpay_amt":0.00,"overlmt_selfpay":0.00,"preselfpay_amt":4.50,"inscp_scp_amt":64.50,'
    '"act_pay_dedc":20.00,"hifp_pay":33.38,"pool_prop_selfpay":0.75,"cvlserv_pay":0.00,"hifes_pay":0.00,'
    '"hifmi_pay":0.00,"hifob_pay":0.00,"maf_pay":0.00,"oth_pay":0.00,"fund_pay_sumamt":33.38,'
    '"psn_part_amt":35.62,"acct_pay":30.00,"psn_cash_pay":5.62,"hosp_part_amt":0.00,"balc":0.00,'
    '"acct_mulaid_pay":0.00,"medins_setl_id":"H42010200001202611220941000002","clr_optins":"640100",'
    '"clr_way":"1","clr_type":"14"},'
    '"setldetail":[{"fund_pay_type":"310100","inscp_scp_amt":64.50,"crt_payb_lmt_amt":null,'
    '"fund_payamt":33.38,"fund_pay_type_name":"职工基本医疗保险统筹基金","setl_proc_info":null}],'
    '"expContent":"{\\"MDTRT_GRP_TYPE\\":\\"1\\"}"}'
)

# 2207 (HN style): setl_id, exp_content inside setlinfo, every number a string.
SETTLED_2207 = (
    '{"setlinfo":{"mdtrt_id":"420100202611220000000001","setl_id":"420100202611220000000101",'
    '"psn_no":"64010000000000000001","psn_name":"马建国","psn_cert_type":"01","certno":"640104196203152010",'
    '"brdy":"1962-03-15","setl_time":"2026-11-22 09:42:00","med_type":"14","medfee_sumamt":"69.00",'
    '"fulamt_ownpay_amt":"0","overlmt_selfpay":"0","preselfpay_amt":"4.5","inscp_scp_amt":"64.50",'
    '"act_pay_dedc":"20.00","hifp_pay":"33.38","pool_prop_selfpay":"0.7500","fund_pay_sumamt":"33.38",'
    '"psn_part_amt":"35.62","acct_pay":"30.00","psn_cash_pay":"5.62","hosp_part_amt":"","balc":"0.00",'
    '"medins_setl_id":"H42010200001202611220942000003","clr_type":"14","hifdm_pay":"0.00",'
    '"exp_content":"{\\"OTP_ER_REFL_FLAG\\":\\"0\\"}"},'
    '"setldetail":{"fund_pay_type":"310100","inscp_scp_amt":"64.50","crt_payb_lmt_amt":"3500.00",'
    '"fund_payamt":"33.38"}}'
)

# 2208 as the national text has it: the reversal's setl_id, negative amounts, pdn_cash_pay.
REVERSED_2208 = (
    '{"setlinfo":{"mdtrt_id":"420100202611220000000001","setl_id":"420100202611220000000102",'
    '"setl_time":"2026-11-22 10:05:00","medfee_sumamt":-69.00,"fulamt_ownpay_amt":0.00,'
    '"overlmt_selfpay":0.00,'
    '"preselfpay_amt":-4.50,"inscp_scp_amt":-64.50,"act_pay_dedc":-20.00,"hifp_pay":-33.38,'
    '"pool_prop_selfpay":0.75,"cvlserv_pay":0,"hifes_pay":0,"hifmi_pay":0,"hifob_pay":0,"maf_pay":0,"oth_pay":0,'
    '"fund_pay_sumamt":-33.38,"psn_part_amt":-35.62,"acct_pay":-30.00,"pdn_cash_pay":-5.62,"hosp_part_amt":0,'
    '"balc":30.00,"acct_mulaid_pay":0,"medins_setl_id":"H42010200001202611221005000001","clr_optins":"640100"},'
    '"setldetail":[{"fund_pay_type":"310100","inscp_scp_amt":-64.50,"crt_payb_lmt_amt":null,'
    '"fund_payamt":-33.38}]}'
)


def test_2206_pre_settlement() -> None:
    output = _parse("2206", PRE_SETTLED_2206)
    info = output.setlinfo
    assert info.setl_id == ""  # null: 2206 settles nothing
    assert (info.medfee_sumamt, info.fund_pay_sumamt, info.hifp_pay) == (
        Decimal("69.00"),
        Decimal("33.38"),
        Decimal("33.38"),
    )
    # 33.38 + 35.62 = 69.00; 30.00 + 5.62 = 35.62.
    assert (info.psn_part_amt, info.acct_pay, info.psn_cash_pay) == (
        Decimal("35.62"),
        Decimal("30.00"),
        Decimal("5.62"),
    )
    assert info.pool_prop_selfpay == Decimal("0.75")
    assert (info.age, info.brdy, info.setl_time) == (
        Decimal("64.6"),
        date(1962, 3, 15),
        datetime(2026, 11, 22, 9, 41),
    )
    assert (info.clr_optins, info.clr_type, info.clr_way) == ("640100", "14", "1")
    assert info.exp_content == ""
    assert output.exp_content == '{"MDTRT_GRP_TYPE":"1"}'
    (fund,) = output.setldetail
    assert (fund.fund_pay_type, fund.fund_payamt, fund.crt_payb_lmt_amt) == ("310100", Decimal("33.38"), None)
    assert fund.setl_proc_info == ""


def test_2207_settlement_with_numbers_as_strings() -> None:
    output = _parse("2207", SETTLED_2207)
    info = output.setlinfo
    assert (info.setl_id, info.medins_setl_id) == (SETL_ID, "H42010200001202611220942000003")
    assert (info.medfee_sumamt, info.psn_part_amt, info.acct_pay, info.psn_cash_pay) == (
        Decimal("69.00"),
        Decimal("35.62"),
        Decimal("30.00"),
        Decimal("5.62"),
    )
    assert str(info.preselfpay_amt) == "4.5"
    assert (info.pool_prop_selfpay, info.hosp_part_amt, info.hifdm_pay) == (Decimal("0.7500"), None, 0)
    assert info.hifes_pay is None  # absent
    assert info.exp_content == '{"OTP_ER_REFL_FLAG":"0"}'
    (fund,) = output.setldetail  # one object, not an array
    assert (fund.crt_payb_lmt_amt, fund.fund_payamt) == (Decimal("3500.00"), Decimal("33.38"))


@pytest.mark.parametrize("cash_field", ["pdn_cash_pay", "psn_cash_pay"])
def test_2208_reversal_has_negative_amounts(cash_field: str) -> None:
    output = _parse("2208", REVERSED_2208.replace("pdn_cash_pay", cash_field))
    info = output.setlinfo
    assert info.setl_id == "420100202611220000000102"  # the reversal's own id
    assert (info.medfee_sumamt, info.fund_pay_sumamt, info.psn_part_amt) == (
        Decimal("-69.00"),
        Decimal("-33.38"),
        Decimal("-35.62"),
    )
    assert (info.acct_pay, info.psn_cash_pay, info.balc) == (
        Decimal("-30.00"),
        Decimal("-5.62"),
        Decimal("30.00"),
    )
    assert info.psn_no == ""  # not in the national 2208 table
    assert output.setldetail[0].fund_payamt == Decimal("-33.38")


@pytest.mark.parametrize(
    "missing", ["medfee_sumamt", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "pdn_cash_pay"]
)
def test_a_settlement_cannot_lack_its_totals(missing: str) -> None:
    output = decode(REVERSED_2208)
    del output["setlinfo"][missing]
    with pytest.raises(ValidationError, match="setlinfo"):
        t2208.TRANSACTION.parse_output(output)


def test_5201_visits() -> None:
    output = (
        '{"mdtrtinfo":[{"mdtrt_id":"420100202611220000000001","psn_no":"64010000000000000001",'
        '"psn_cert_type":"01","certno":"640104196203152010","psn_name":"马建国","gend":"1","insutype":310,'
        '"psn_type":"21","cvlserv_flag":"0","begntime":"2026-11-22 09:31:00","endtime":"","med_type":"14",'
        '"ipt_otp_no":"MZ20261122000001","dise_codg":"M01600","dise_name":"糖尿病","tel":"13900000000",'
        '"opt_time":"2026-11-22 09:31:05"}]}'
    )
    (visit,) = _parse("5201", output).mdtrtinfo
    assert (visit.mdtrt_id, visit.psn_no, visit.ipt_otp_no) == (MDTRT_ID, PSN_NO, "MZ20261122000001")
    assert (visit.begntime, visit.endtime) == (REGISTERED_AT, None)
    assert (visit.med_type, visit.insutype, visit.dise_codg, visit.dise_name) == (
        "14",
        "310",
        "M01600",
        "糖尿病",
    )
    assert NAME not in repr(visit)
    assert CERTNO not in repr(visit)
    assert "13900000000" not in repr(visit)


SETTLEMENT_5203 = (
    '{"setlinfo":{"setl_id":"420100202611220000000101","mdtrt_id":"420100202611220000000001",'
    '"psn_no":"64010000000000000001","psn_name":"马建国","psn_cert_type":"01","certno":"640104196203152010",'
    '"gend":"1","insutype":"310","psn_type":"21","cvlserv_flag":"0","emp_name":"银川示范单位","pay_loc":"4",'
    '"fixmedins_code":"H42010200001","fixmedins_name":"武汉市示范医院","begndate":"2026-11-22",'
    '"enddate":"2026-11-22","setl_time":"2026-11-22 09:42:00","med_type":"14","clr_type":"14",'
    '"medfee_sumamt":69.00,"fulamt_ownpay_amt":0,"overlmt_selfpay":0,"preselfpay_amt":4.50,'
    '"inscp_scp_amt":64.50,"act_pay_dedc":20.00,"hifp_pay":33.38,"pool_prop_selfpay":0.75,'
    '"fund_pay_sumamt":33.38,"psn_pay":35.62,"acct_pay":30.00,"cash_payamt":5.62,"balc":0.00,'
    '"acct_mulaid_pay":0.00,"medins_setl_id":"H42010200001202611220942000003","refd_setl_flag":"0",'
    '"year":2026,"dise_codg":"M01600","dise_name":"糖尿病","invono":"FP20261122001",'
    '"opt_time":"2026-11-22 09:42:01"},'
    '"setldetail":[{"fund_pay_type":"310100","inscp_scp_amt":64.50,"crt_payb_lmt_amt":null,"fund_payamt":33.38}]}'
)


def test_5203_reads_psn_pay_and_cash_payamt() -> None:
    output = _parse("5203", SETTLEMENT_5203)
    record = output.setlinfo
    assert (record.psn_part_amt, record.psn_cash_pay, record.acct_pay) == (
        Decimal("35.62"),
        Decimal("5.62"),
        Decimal("30.00"),
    )
    assert (record.refd_setl_flag, record.is_refund, record.year) == ("0", False, "2026")
    assert (record.begndate, record.pay_loc, record.invono) == (date(2026, 11, 22), "4", "FP20261122001")
    assert record.opt_time == datetime(2026, 11, 22, 9, 42, 1)
    assert output.setldetail[0].fund_payamt == Decimal("33.38")


def test_5203_requires_the_refund_flag() -> None:
    output = decode(SETTLEMENT_5203)
    del output["setlinfo"]["refd_setl_flag"]
    with pytest.raises(ValidationError, match="refd_setl_flag"):
        t5203.TRANSACTION.parse_output(output)


FEE_ROWS_5204 = (
    '[{"mdtrt_id":"420100202611220000000001","setl_id":"420100202611220000000101","feedetl_sn":"1",'
    '"med_type":"14","fee_ocur_time":"2026-11-22 09:40:00","cnt":60,"pric":0.4,"det_item_fee_sumamt":24.00,'
    '"pric_uplmt_amt":null,"selfpay_prop":0,"inscp_scp_amt":24.00,"chrgitm_lv":"01",'
    '"hilist_code":"XA10BAA059A001010100001","hilist_name":"二甲双胍片","list_type":"101",'
    '"medins_list_codg":"Y001","med_chrgitm_type":"09","prd_days":"20.00","lmt_used_flag":"0"},'
    '{"mdtrt_id":"420100202611220000000001","setl_id":"420100202611220000000101","feedetl_sn":"2",'
    '"med_type":"14","fee_ocur_time":"2026-11-22 09:40:00","cnt":"30","pric":"1.5",'
    '"det_item_fee_sumamt":"45.00",'
    '"selfpay_prop":"0.1","preselfpay_amt":"4.50","inscp_scp_amt":"40.50","chrgitm_lv":2,"prd_days":""}]'
)


@pytest.mark.parametrize(
    "wrap", ["{}", '{{"feedetail":{}}}', '{{"result":{}}}'], ids=["bare", "feedetail", "result"]
)
def test_5204_rows_as_bare_array_or_under_a_node(wrap: str) -> None:
    first, second = _parse("5204", wrap.format(FEE_ROWS_5204)).feedetail
    assert (first.feedetl_sn, first.setl_id, first.chrgitm_lv, first.hilist_code) == (
        "1",
        SETL_ID,
        "01",
        "XA10BAA059A001010100001",
    )
    assert (first.det_item_fee_sumamt, first.prd_days, first.fee_ocur_time) == (
        Decimal("24.00"),
        Decimal("20.00"),
        CHARGED_AT,
    )
    assert (second.chrgitm_lv, second.cnt, second.pric, second.selfpay_prop) == (
        "02",
        30,
        Decimal("1.5"),
        Decimal("0.1"),
    )
    assert (second.preselfpay_amt, second.inscp_scp_amt, second.prd_days) == (
        Decimal("4.50"),
        Decimal("40.50"),
        None,
    )


@pytest.mark.parametrize("output", [None, [], {}])
def test_5204_no_rows(output: object) -> None:
    assert t5204.TRANSACTION.parse_output(output).feedetail == ()


def test_5204_bare_array_through_the_client() -> None:
    row = {"feedetl_sn": "1", "cnt": 60, "pric": "0.4", "det_item_fee_sumamt": "24.00", "chrgitm_lv": "01"}
    client, _ = make_client(ScriptedPlatform(outputs={"5204": [row]}))
    query = t5204.FeeQuery(psn_no=PSN_NO, setl_id=SETL_ID, mdtrt_id=MDTRT_ID)
    reply = client.call(t5204.TRANSACTION, t5204.Input(data=query))
    assert [row.det_item_fee_sumamt for row in reply.output.feedetail] == [Decimal("24.00")]


def test_only_a_declared_list_output_may_be_an_array() -> None:
    with pytest.raises(ValidationError):
        t5206.TRANSACTION.parse_output([])


def test_5206_cumulative_totals() -> None:
    output = (
        '{"cuminfo":[{"insutype":"310","year":"2026","cum_ym":"202611","cum_type_code":"C001","cum":480.00},'
        '{"insutype":310,"year":2026,"cum_ym":202611,"cum_type_code":"C002","cum":"1250.50"}]}'
    )
    first, second = _parse("5206", output).cuminfo
    assert (first.cum_type_code, first.cum) == ("C001", Decimal("480.00"))
    assert (second.insutype, second.year, second.cum_ym, second.cum) == (
        "310",
        "2026",
        "202611",
        Decimal("1250.50"),
    )


# --- registry and privacy ---------------------------------------------------------------------------------

EXPECTED_REGISTRY = [
    ("9001", "签到", False),
    ("9002", "签退", True),
    ("1101", "人员信息获取", False),
    ("5301", "人员慢特病备案查询", False),
    ("2001", "人员待遇享受检查", False),
    ("2503", "人员慢特病备案", True),
    ("2504", "人员慢特病备案撤销", True),
    ("2201", "门诊挂号", True),
    ("2202", "门诊挂号撤销", True),
    ("2203", "门诊就诊信息上传", True),
    ("2204", "门诊费用明细信息上传", True),
    ("2205", "门诊费用明细信息撤销", True),
    ("2206", "门诊预结算", False),  # commits nothing, may be retried
    ("2207", "门诊结算", True),
    ("2208", "门诊结算撤销", True),
    ("2601", "冲正交易", True),
    ("5201", "就诊信息查询", False),
    ("5203", "结算信息查询", False),
    ("5204", "费用明细查询", False),
    ("5206", "人员累计信息查询", False),
    ("3201", "对总账", False),
    ("3202", "对明细账", False),
    ("9101", "文件上传", True),
    ("9102", "文件下载", False),
    ("4205", "自费病人门诊就医信息上传", True),
    ("4203", "自费病人就诊以及费用明细上传完成", True),
    ("1312", "医保目录信息查询", False),
    ("1319", "医保目录限价信息查询", False),
    ("1320", "医保目录先行自付比例信息查询", False),
    ("1309", "门诊慢特病种目录下载", False),
    ("1901", "字典表查询", False),
]


@pytest.mark.parametrize(("infno", "title", "changes_state"), EXPECTED_REGISTRY)
def test_registry_entry(infno: str, title: str, changes_state: bool) -> None:
    transaction = REGISTRY[infno]
    assert (transaction.infno, transaction.title, transaction.changes_state) == (infno, title, changes_state)


def test_registry_has_every_infno_once() -> None:
    assert sorted(REGISTRY) == sorted(row[0] for row in EXPECTED_REGISTRY)
    assert len(_MODULES) == len(REGISTRY)
    with pytest.raises(RuntimeError, match="2201 is registered twice"):
        _index((t2201, t2201))


def _answers_with_personal_data() -> list[BaseModel]:
    return [
        _parse("2206", PRE_SETTLED_2206),
        _parse("2207", SETTLED_2207).setlinfo,
        _parse("5203", SETTLEMENT_5203),
    ]


@pytest.mark.parametrize("model", _answers_with_personal_data(), ids=lambda model: type(model).__qualname__)
def test_personal_data_is_not_in_repr(model: BaseModel) -> None:
    text = repr(model)
    for secret in (NAME, CERTNO, "1962", "银川示范单位"):
        assert secret not in text

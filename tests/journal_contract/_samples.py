"""Typed records the contract tests write: one 慢特病 batch of one line, as planning makes them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from adapter._lookup import Card
from adapter.execution import RefundPlan, RefundStep, SettlementRecord
from adapter.execution._records import LineSplit, NewBatchData, OutboxPayload, ReceiptHeader, RemoteFields
from adapter.planning import PlanBatch, PlanDiagnosis, PlanLine, PlanVisit, SelfPayBucket, SplitTotals

NOW = datetime(2026, 11, 22, 9, 30)
CERTNO = "640104196203152010"  # synthetic (config/demo)

LINE = PlanLine(
    feedetl_sn="1",
    medins_list_codg="Y001",
    medins_list_name="二甲双胍片",
    med_list_codg="XA10BAE054A001010100000",
    list_type="101",
    med_chrgitm_type="09",
    cnt=Decimal("2.0000"),
    pric=Decimal("57.000000"),
    fee_ocur_time=NOW,
    diag_code="E11.900",
    hosp_appr_flag="1",
    rxno="RX1",
    rx_circ_flag="0",
    bilg_dept_codg="D01",
    bilg_dept_name="内分泌科",
    bilg_dr_codg="DR1",
    bilg_dr_name="王医生",
    sin_dos_dscr="0.5g",
    used_frqu_dscr="tid",
    prd_days=Decimal("30"),
    medc_way_dscr="口服",
    tcmdrug_used_way="",
    det_item_fee_sumamt=Decimal("114.00"),  # 2 × 57.000000
    fulamt_ownpay_amt=Decimal("0.00"),
    overlmt_amt=Decimal("0.00"),
    preselfpay_amt=Decimal("0.00"),
    inscp_scp_amt=Decimal("114.00"),
    chrgitm_lv="01",
    selfpay_prop=Decimal("0.0000"),
    pric_uplmt_amt=None,
    lmt_used_flag="0",
    split_basis="甲类",
    placement="chronic M01600",
)

BATCH = PlanBatch(
    number=1,
    chrg_bchno="MZ1-1",
    med_type="14",
    dise_codg="M01600",
    dise_name="糖尿病",
    receipt_category="门诊慢特病（糖尿病）",
    lines=(LINE,),
    totals=SplitTotals.of((LINE,)),
)

DIAGNOSIS = PlanDiagnosis(
    diag_code="E11.900",
    icd_code="E11.900",
    diag_name="2型糖尿病",
    diag_type="1",
    diag_dept="内分泌科",
    dise_dor_no="DR1",
    dise_dor_name="王医生",
    diag_time=NOW,
    supports=("M01600",),
)

VISIT = PlanVisit(
    ipt_otp_no="MZ1",
    begntime=NOW,
    dept_code="D01",
    dept_name="内分泌科",
    caty="A03",
    atddr_no="DR1",
    dr_name="王医生",
    main_cond_dscr="复诊取药",
    acct_used_flag="1",
    diagnoses=(DIAGNOSIS,),
)

HEADER = ReceiptHeader(
    fixmedins_code="H42010200001",
    fixmedins_name="武汉示范医院",
    ipt_otp_no="MZ1",
    psn_name_masked="张*",
    insured_place="宁夏回族自治区银川市",
    insutype="职工基本医疗保险",
)

# The visit's unmapped line (未贯标), paid in full: no national code, kept out of every batch.
SELF_PAY = SelfPayBucket(
    lines=(
        LINE.model_copy(
            update={
                "feedetl_sn": "2",
                "medins_list_codg": "L999",
                "medins_list_name": "院内自制茶饮",
                "med_list_codg": "",
                "cnt": Decimal("1"),
                "pric": Decimal("15.00"),
                "det_item_fee_sumamt": Decimal("15.00"),
                "fulamt_ownpay_amt": Decimal("15.00"),
                "inscp_scp_amt": Decimal("0.00"),
                "chrgitm_lv": "",
                "placement": "self_pay",
            }
        ),
    ),
    total=Decimal("15.00"),
)

# The platform's 2204 split of LINE where its catalogue says 乙类 10%: 先行自付 11.40, 政策范围内 102.60
# (114.00 × 10% = 11.40); its price cap is unknown (left out) — kept as received.
SPLIT = LineSplit(
    feedetl_sn="1",
    chrgitm_lv="02",
    det_item_fee_sumamt=Decimal("114.00"),
    fulamt_ownpay_amt=Decimal("0.00"),
    overlmt_amt=Decimal("0.00"),
    preselfpay_amt=Decimal("11.40"),
    inscp_scp_amt=Decimal("102.60"),
    selfpay_prop=Decimal("0.1000"),
)

REMOTE = RemoteFields(psn_cert_type="01", certno=CERTNO, psn_name="张三", psn_type="1101")


def new_batch(
    number: int = 1, attempt: int = 0, key: str = "H42010200001:MZ1", *, remote: bool = True
) -> NewBatchData:
    return NewBatchData(
        visit_key=key,
        ipt_otp_no="MZ1",
        batch_number=number,
        attempt=attempt,
        med_type="14",
        dise_codg="M01600",
        psn_no="64010000000000000001",
        insutype="310",
        insuplc_admdvs="640100",
        card=Card("02", CERTNO),
        chrg_bchno=f"MZ1-{number}",
        plan_batch=BATCH,
        visit=VISIT,
        remote=REMOTE if remote else None,
        header=HEADER,
        acct_used_flag="1",
        self_pay=SELF_PAY,
    )


def settlement(batch_id: int, setl_id: str = "S1", *, when: datetime = NOW) -> SettlementRecord:
    return SettlementRecord(
        setl_id=setl_id,
        batch_id=batch_id,
        psn_no="64010000000000000001",
        insutype="310",
        year=when.year,
        mdtrt_id="M1",
        chrg_bchno="MZ1-1",
        msgid="MSG1",
        setl_time=when,
        medfee_sumamt=Decimal("114.00"),
        fund_pay_sumamt=Decimal("0.00"),
        acct_pay=Decimal("114.00"),
        psn_cash_pay=Decimal("0.00"),
        active=True,
        refund_setl_id="",
    )


def outbox_payload() -> OutboxPayload:
    return OutboxPayload(
        psn_no="64010000000000000001", insuplc_admdvs="640100", feedetail=(LINE,), diseinfo=(DIAGNOSIS,)
    )


def refund_plan(batch_id: int) -> RefundPlan:
    step = RefundStep(
        number=1,
        action="refund",
        setl_id="S1",
        batch_id=batch_id,
        ipt_otp_no="MZ1",
        chrg_bchno="MZ1-1",
        dise_codg="M01600",
        setl_time=NOW,
        medfee_sumamt=Decimal("114.00"),
        fund_pay_sumamt=Decimal("0.00"),
        acct_pay=Decimal("114.00"),
        psn_cash_pay=Decimal("0.00"),
        lines=("1",),
        release=False,
    )
    resettle = step.model_copy(update={"number": 2, "action": "resettle"})
    return RefundPlan(
        target_setl_id="S1",
        psn_no="64010000000000000001",
        insutype="310",
        year=2026,
        partial=False,
        refunded_lines=("1",),
        steps=(step, resettle),
    )

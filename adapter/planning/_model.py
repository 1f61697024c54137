"""The VisitPlan: what will be settled how, before anything is sent — immutable, JSON, deterministic.

Every amount is Decimal to the fen; every total is computed from its lines and its
identity is checked when the plan is built (``medfee_sumamt = fulamt_ownpay_amt +
overlmt_selfpay + preselfpay_amt + inscp_scp_amt``; the bill = the batches + the
self-pay bucket). ``to_json`` writes amounts as JSON numbers with the house codec and
is byte-identical for the same input.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .._codec import encode
from ..eligibility import Eligibility

__all__ = ["PlanBatch", "PlanDiagnosis", "PlanLine", "PlanVisit", "SelfPayBucket", "SplitTotals", "VisitPlan"]

PLAN_FORMAT = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanLine(_Frozen):
    """One bill line: what 2204 will carry, the adapter's split estimate, and why it is here."""

    feedetl_sn: str
    medins_list_codg: str
    medins_list_name: str
    med_list_codg: str
    """National code; ``""`` for 未贯标."""
    list_type: str
    med_chrgitm_type: str
    cnt: Decimal
    pric: Decimal
    fee_ocur_time: datetime
    diag_code: str
    hosp_appr_flag: str
    rxno: str
    rx_circ_flag: str
    bilg_dept_codg: str
    bilg_dept_name: str
    bilg_dr_codg: str
    bilg_dr_name: str
    sin_dos_dscr: str
    used_frqu_dscr: str
    prd_days: Decimal
    medc_way_dscr: str
    tcmdrug_used_way: str
    det_item_fee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    chrgitm_lv: str
    selfpay_prop: Decimal | None
    pric_uplmt_amt: Decimal | None
    lmt_used_flag: str
    split_basis: str
    placement: str

    @classmethod
    def _planned(cls, values: dict[str, object]) -> PlanLine:
        """A line from values planning computed and typed itself (a validated ``Item``, a ``LineSplit``,
        the 目录对照): exactly what ``model_validate(values)`` builds, without validating each of 33
        fields again. That second validation was the largest single cost of planning a long bill
        (docs/benchmarks.md, parse + plan). ``values`` must hold every field in declaration order
        and becomes the line's own ``__dict__``; ``model_construct`` does the same, field by field in
        Python, which costs more than the validation. tests/planning/test_plan.py compares both ways.
        """
        line = cls.__new__(cls)
        object.__setattr__(line, "__dict__", values)
        # Every field is set. One set for all planned lines: a frozen model never changes its own, and
        # model_copy changes a copy.
        object.__setattr__(line, "__pydantic_fields_set__", _ALL_LINE_FIELDS)
        object.__setattr__(line, "__pydantic_extra__", None)
        object.__setattr__(line, "__pydantic_private__", None)
        return line


_ALL_LINE_FIELDS = set(PlanLine.model_fields)
_LINE_PARTS = tuple(
    attrgetter(name)
    for name in ("det_item_fee_sumamt", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")
)


class SplitTotals(_Frozen):
    """A batch's totals, named as 2206/2207 name them."""

    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal

    @classmethod
    def of(cls, lines: Iterable[PlanLine]) -> SplitTotals:
        rows = tuple(lines)
        # sum over map: the loop runs in C, five times faster than a generator on a long bill.
        amount, ownpay, overlmt, preselfpay, inscp = (
            sum(map(part, rows), Decimal("0.00")) for part in _LINE_PARTS
        )
        totals = cls(
            medfee_sumamt=amount,
            fulamt_ownpay_amt=ownpay,
            overlmt_selfpay=overlmt,
            preselfpay_amt=preselfpay,
            inscp_scp_amt=inscp,
        )
        parts = (
            totals.fulamt_ownpay_amt + totals.overlmt_selfpay + totals.preselfpay_amt + totals.inscp_scp_amt
        )
        if parts != totals.medfee_sumamt:
            raise ArithmeticError(
                f"batch parts {parts} do not add up to medfee_sumamt {totals.medfee_sumamt}"
            )
        return totals


class PlanBatch(_Frozen):
    """One settlement: its own visit on the platform (2201…2207)."""

    number: int
    chrg_bchno: str
    med_type: Literal["14", "11"]
    dise_codg: str
    dise_name: str
    receipt_category: str
    """The category the receipt must show (seed 002 三(二), 附件2): 门诊慢特病 / 普通门诊."""
    lines: tuple[PlanLine, ...]
    totals: SplitTotals


class SelfPayBucket(_Frozen):
    """Lines paid in full by the patient and not uploaded (未贯标, or no usable insurance)."""

    lines: tuple[PlanLine, ...]
    total: Decimal


class PlanDiagnosis(_Frozen):
    """A diagnosis as 2203 will send it (ICD-10 医保版), and the diseases it supports."""

    diag_code: str
    """As the HIS wrote it (an ICD-10 code or a hospital-local code)."""
    icd_code: str
    diag_name: str
    diag_type: str
    diag_dept: str
    dise_dor_no: str
    dise_dor_name: str
    diag_time: datetime
    supports: tuple[str, ...]


class PlanVisit(_Frozen):
    """The visit as 2201/2203 will register it."""

    ipt_otp_no: str
    begntime: datetime
    dept_code: str
    dept_name: str
    caty: str
    atddr_no: str
    dr_name: str
    main_cond_dscr: str
    acct_used_flag: str
    diagnoses: tuple[PlanDiagnosis, ...]


class VisitPlan(_Frozen):
    """The whole plan for one bill."""

    format: int = PLAN_FORMAT
    planned_at: datetime
    fixmedins_code: str
    fixmedins_name: str
    hospital_admdvs: str
    province_of_care: str
    visit: PlanVisit
    eligibility: Eligibility
    batches: tuple[PlanBatch, ...]
    self_pay: SelfPayBucket
    bill_total: Decimal
    warnings: tuple[str, ...]
    decision_needed: tuple[str, ...] = ()
    """Filed diseases whose items could be claimed at the insured place, with no ``refused_chronic`` given:
    the cashier must choose ordinary settlement or self-pay before anything is settled."""
    kept_for_claim: tuple[str, ...] = ()
    """feedetl_sn of the lines collected as self-pay so that the patient can claim them (uploaded within
    3 working days, seed 002 三(四))."""

    def to_json(self) -> bytes:
        """The plan as JSON: amounts as numbers, times as ``yyyy-MM-dd HH:mm:ss``; deterministic."""
        return encode(self.model_dump(mode="python"))

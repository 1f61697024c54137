"""``plan_visit``: a bill plus an eligibility answer → a VisitPlan. Pure: no I/O, ``now`` passed in."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from operator import attrgetter, itemgetter

from mappings import Relation

from .._errors import ConfigurationError
from .._hospital import HospitalProfile
from ..eligibility import Eligibility
from ._model import PlanBatch, PlanDiagnosis, PlanLine, PlanVisit, SelfPayBucket, SplitTotals, VisitPlan
from ._resolve import Resolution, ResolvedDiagnoses, resolve_diagnoses, resolve_items
from ._separation import Placement, place_items
from ._split import LineSplit, split_line
from ._tables import PlanningTables
from ._visit import Item, Visit

__all__ = ["plan_visit"]

RECEIPT_CHRONIC = "门诊慢特病"
RECEIPT_ORDINARY = "普通门诊"
_NATIONAL_OPSP = re.compile(r"M\d{5}")
_BATCH_NO_LENGTH = 30  # chrg_bchno is C30 (PROTOCOL.md §3.8)
_AMOUNT = attrgetter("det_item_fee_sumamt")


def plan_visit(
    visit: Visit,
    eligibility: Eligibility,
    *,
    hospital: HospitalProfile,
    now: datetime,
    tables: PlanningTables | None = None,
) -> VisitPlan:
    """Decide what can be settled how. Raises ``InputError`` for unknown codes in the bill."""
    if eligibility.hospital_code != hospital.fixmedins_code:
        raise ConfigurationError(
            f"eligibility was judged for {eligibility.hospital_code}, not {hospital.fixmedins_code}"
        )
    tables = tables or PlanningTables.shipped(hospital.fixmedins_code)
    resolutions = resolve_items(visit, tables, hospital.province)
    diagnoses = resolve_diagnoses(
        visit, tables, insured_admdvs=eligibility.insured_admdvs, relation=Relation(eligibility.relation)
    )
    claimable = frozenset(f.opsp_dise_code for f in eligibility.filings if f.claimable)
    placements = place_items(
        visit.items,
        resolutions,
        claimable=claimable,
        keep_for_claim=visit.refused_chronic == "self_pay",
        insurance_active=eligibility.insurance_active,
        settleable=tuple(f.dise_codg for f in eligibility.settleable_filings),
        refused={f.opsp_dise_code: f.reason for f in eligibility.filings if not f.settleable},
        diagnoses=diagnoses.supports,
    )
    lines = _lines(visit.items, resolutions, placements)
    chronic, ordinary, self_pay_lines = _separate(placements, lines)
    batches = _batches(visit.visit.ipt_otp_no, chronic, ordinary, eligibility)
    self_pay = SelfPayBucket(lines=self_pay_lines, total=_sum(self_pay_lines))
    bill_total = _sum(lines)
    if bill_total != sum((batch.totals.medfee_sumamt for batch in batches), Decimal("0.00")) + self_pay.total:
        raise ArithmeticError("the batches and the self-pay bucket do not add up to the bill")
    return VisitPlan(
        planned_at=now.replace(tzinfo=None, microsecond=0),
        fixmedins_code=hospital.fixmedins_code,
        fixmedins_name=hospital.fixmedins_name,
        hospital_admdvs=hospital.admdvs,
        province_of_care=hospital.province,
        visit=_visit(visit, diagnoses),
        eligibility=eligibility,
        batches=batches,
        self_pay=self_pay,
        bill_total=bill_total,
        warnings=_warnings(visit, eligibility, resolutions),
        decision_needed=_decision_needed(visit, placements, claimable),
        kept_for_claim=tuple(
            line.feedetl_sn
            for p, line in zip(placements, lines, strict=True)
            if p.destination == "self_pay" and p.refused
        ),
    )


def _decision_needed(
    visit: Visit, placements: tuple[Placement, ...], claimable: frozenset[str]
) -> tuple[str, ...]:
    if visit.refused_chronic is not None:
        return ()
    return tuple(sorted({p.refused for p in placements if p.refused in claimable}))


def _lines(
    items: tuple[Item, ...], resolutions: tuple[Resolution, ...], placements: tuple[Placement, ...]
) -> tuple[PlanLine, ...]:
    """Every line; split, and its values but the item's own laid out, once per distinct (item code and
    day, placement, price, quantity, approval) of the bill: a long bill repeats a few.

    A split depends on nothing else, and its amounts are rounded to the fen, so equal prices and
    quantities split alike however they were written ("0.4", "0.40"; each line keeps its own digits):
    only a signed zero price (``-0``, accepted as not negative) would print differently, hence
    ``is_signed`` in the key.
    """
    templates: dict[tuple[Resolution, Placement, Decimal, bool, Decimal, str], dict[str, object]] = {}
    lines = []
    for item, resolution, placement in zip(items, resolutions, placements, strict=True):
        key = (resolution, placement, item.pric, item.pric.is_signed(), item.cnt, item.hosp_appr_flag)
        template = templates.get(key)
        if template is None:
            split = split_line(
                pric=item.pric,
                cnt=item.cnt,
                hosp_appr_flag=item.hosp_appr_flag,
                catalogue=resolution.catalogue,
            )
            template = templates[key] = _template(resolution, placement, split)
        values = template.copy()
        values.update(zip(_ITEM_OWN, _item_own(vars(item)), strict=True))
        if item.medins_list_name:
            values["medins_list_name"] = item.medins_list_name
        # Every value is already typed and checked (the Item by parse_visit, the split by split_line, the
        # 目录对照 at load): the line is built without a second validation, its values in field order.
        lines.append(PlanLine._planned(values))
    return tuple(lines)


_ITEM_OWN = (
    "feedetl_sn",
    "cnt",
    "pric",
    "fee_ocur_time",
    "diag_code",
    "hosp_appr_flag",
    "rxno",
    "rx_circ_flag",
    "bilg_dept_codg",
    "bilg_dept_name",
    "bilg_dr_codg",
    "bilg_dr_name",
    "sin_dos_dscr",
    "used_frqu_dscr",
    "prd_days",
    "medc_way_dscr",
    "tcmdrug_used_way",
)
"""The line's values that are the item's own, under the item's names."""
_item_own = itemgetter(*_ITEM_OWN)


def _template(resolution: Resolution, placement: Placement, split: LineSplit) -> dict[str, object]:
    """A line's values in PlanLine's field order, the item's own (``_ITEM_OWN``) left empty."""
    mapping = resolution.lookup.mapping
    return {
        "feedetl_sn": None,
        "medins_list_codg": mapping.hospital_code,  # as the 目录对照 spells it ("y001 " → "Y001")
        "medins_list_name": mapping.name,  # unless the bill names the item
        "med_list_codg": mapping.national_code or "",
        "list_type": mapping.list_type or "",
        "med_chrgitm_type": mapping.med_chrgitm_type or "",
        **dict.fromkeys(_ITEM_OWN[1:]),
        "det_item_fee_sumamt": split.det_item_fee_sumamt,
        "fulamt_ownpay_amt": split.fulamt_ownpay_amt,
        "overlmt_amt": split.overlmt_amt,
        "preselfpay_amt": split.preselfpay_amt,
        "inscp_scp_amt": split.inscp_scp_amt,
        "chrgitm_lv": split.chrgitm_lv,
        "selfpay_prop": split.selfpay_prop,
        "pric_uplmt_amt": split.pric_uplmt_amt,
        "lmt_used_flag": split.lmt_used_flag,
        "split_basis": "未贯标：全额自费" if resolution.unmapped else split.basis,
        "placement": placement.reason,
    }


def _no_local_codes(groups: list[tuple[str, str, str, tuple[PlanLine, ...]]]) -> None:
    """dise_codg is the national code, one to one (seed 002 二(二)), across provinces and within one alike
    (issue #14): a local benefit code (Wuhai's WH-S01) is never sent in its place. Eligibility maps local
    filings to their national code or refuses them (``local_code``); this is the last guard."""
    for med_type, code, _, _ in groups:
        if med_type == "14" and not _NATIONAL_OPSP.fullmatch(code):
            raise ConfigurationError(
                f"{code} is a local disease code: it is never sent as dise_codg (seed 002 二(二))"
            )


def _separate(
    placements: tuple[Placement, ...], lines: tuple[PlanLine, ...]
) -> tuple[dict[str, list[PlanLine]], tuple[PlanLine, ...], tuple[PlanLine, ...]]:
    """The lines by destination, in bill order, in one pass: chronic ones by disease, ordinary, self-pay."""
    chronic: dict[str, list[PlanLine]] = {}
    ordinary, self_pay = [], []
    for placement, line in zip(placements, lines, strict=True):
        if placement.destination == "chronic":
            chronic.setdefault(placement.disease, []).append(line)
        elif placement.destination == "ordinary":
            ordinary.append(line)
        else:
            self_pay.append(line)
    return chronic, tuple(ordinary), tuple(self_pay)


def _batches(
    visit_number: str,
    chronic: dict[str, list[PlanLine]],
    ordinary: tuple[PlanLine, ...],
    eligibility: Eligibility,
) -> tuple[PlanBatch, ...]:
    groups: list[tuple[str, str, str, tuple[PlanLine, ...]]] = [
        ("14", filing.dise_codg, filing.opsp_dise_name, tuple(chronic[filing.dise_codg]))
        for filing in eligibility.settleable_filings
        if filing.dise_codg in chronic
    ]
    if ordinary:
        groups.append(("11", "", "", ordinary))
    _no_local_codes(groups)
    return tuple(
        PlanBatch(
            number=number,
            chrg_bchno=batch_number(visit_number, number),
            med_type="14" if med_type == "14" else "11",
            dise_codg=code,
            dise_name=name,
            receipt_category=RECEIPT_CHRONIC if med_type == "14" else RECEIPT_ORDINARY,
            lines=batch_lines,
            totals=SplitTotals.of(batch_lines),
        )
        for number, (med_type, code, name, batch_lines) in enumerate(groups, start=1)
    )


def batch_number(visit_number: str, number: int, *, attempt: int = 0) -> str:
    """``chrg_bchno``: the visit number, the batch number and (for re-settlements) the attempt.

    Deterministic, so the same bill plans to the same numbers; shortened with a hash
    when the HIS's visit number is too long for C30.
    """
    suffix = f"-{number}" + (f"R{attempt}" if attempt else "")
    if len(visit_number) + len(suffix) > _BATCH_NO_LENGTH:
        visit_number = hashlib.sha256(visit_number.encode()).hexdigest()[: _BATCH_NO_LENGTH - len(suffix)]
    return visit_number + suffix


def _visit(visit: Visit, resolved: ResolvedDiagnoses) -> PlanVisit:
    info = visit.visit
    diagnoses = []
    for diagnosis in visit.diagnoses:
        diagnoses.append(
            PlanDiagnosis(
                diag_code=diagnosis.diag_code,
                icd_code=resolved.icd[diagnosis.diag_code],
                diag_name=diagnosis.diag_name,
                diag_type=diagnosis.diag_type,
                diag_dept=diagnosis.diag_dept or info.dept_name,
                dise_dor_no=diagnosis.dise_dor_no or info.atddr_no,
                dise_dor_name=diagnosis.dise_dor_name or info.dr_name,
                diag_time=diagnosis.diag_time or info.begntime,
                supports=resolved.supports[diagnosis.diag_code],
            )
        )
    return PlanVisit(
        ipt_otp_no=info.ipt_otp_no,
        begntime=info.begntime,
        dept_code=info.dept_code,
        dept_name=info.dept_name,
        caty=info.caty,
        atddr_no=info.atddr_no,
        dr_name=info.dr_name,
        main_cond_dscr=info.main_cond_dscr,
        acct_used_flag=visit.acct_used_flag,
        diagnoses=tuple(diagnoses),
    )


def _warnings(visit: Visit, eligibility: Eligibility, resolutions: tuple[Resolution, ...]) -> tuple[str, ...]:
    warnings = [
        f"{f.opsp_dise_code} {f.opsp_dise_name}：{f.reason}" for f in eligibility.filings if not f.settleable
    ]
    if not eligibility.insurance_active:
        warnings.insert(0, eligibility.insurance_reason)
    if visit.visit.begntime.date() != eligibility.visit_date:
        warnings.append(
            f"eligibility was judged for {eligibility.visit_date}, the visit began {visit.visit.begntime}"
        )
    for item, resolution in zip(visit.items, resolutions, strict=True):
        if resolution.lookup.status == "out_of_catalogue":
            code = resolution.lookup.mapping.national_code
            warnings.append(f"feedetl_sn {item.feedetl_sn} {code} 不在就医地目录：全额自费")
    return tuple(warnings)


def _sum(lines: Iterable[PlanLine]) -> Decimal:
    return sum(map(_AMOUNT, lines), Decimal("0.00"))

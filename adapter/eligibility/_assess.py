"""Judging eligibility: pure rules over what the platform said (no I/O, date passed in).

Rules, each with its source:

* insurance active on the visit date — seed 001 一(四)1 不予报销: "参保人员待遇异常（例：
  就医期间处于停保状态）";
* the hospital designated for 门诊慢特病 and the disease opened for this relation —
  seed 001 一(四)2, seed 002 二(三);
* the filing valid on the visit date — seed 001 一(四)3: "未增加门诊慢特病病种之前发生的
  相关费用" are not reimbursed;
* the disease on the insured region's list for this relation — seed 002 三(一) (参保地
  decides 病种范围), seed 000 一(三) (Wuhai: out of region only 5); a local code with no
  national code cannot be settled across regions (seed 002 二(二): cross-province uses the
  national codes one-to-one);
* a local disease code is never sent as a national ``dise_codg`` (issue #14; seed 002 二(二): the
  national interface carries the national codes one to one): a local filing (Wuhai's ``WH-S03``, seed
  000 附件 自治区内 单病种) is settled under its national code from region_catalogues.csv (``M01600``);
  one with none (``WH-S01`` 肺心病) is refused as ``local_code`` even within Inner Mongolia — the
  benefit exists at the insured place, so its claim rules apply (seed 000 三(三));
* the platform's own 待遇检查 (2001), when it was asked, has the last word.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from mappings import MappingError, OpspCode, Relation
from mappings import relation as relation_of
from mappings.codes import parse_opsp_code
from mappings.regions import RegionCatalogue

from .._display import INSURANCE_STATUS_LABELS, label, mask_name, place_label
from .._errors import EligibilityError
from .._hospital import HospitalProfile
from .._lookup import PersonRecord
from ..transactions import t1101, t2001, t5301
from ._manual import CLAIMABLE, Refusal, manual_claim_advice
from ._model import Eligibility, FilingVerdict

__all__ = ["RELATION_LABELS", "assess", "choose_insurance"]

RELATION_LABELS = {
    Relation.LOCAL: "本地",
    Relation.IN_PROVINCE: "省内异地",
    Relation.CROSS_PROVINCE: "跨省异地",
}
SETTLEABLE = "可直接结算"
CHOICE = (
    "收费员请与参保人确认：按普通门诊结算（本次票据用于结算，之后不能再凭票手工报销慢病待遇），"
    "或按自费收取（保留票据，回参保地手工报销）；结算时以 refused_chronic = ordinary / self_pay 指定"
)


def choose_insurance(record: PersonRecord, insutype: str | None) -> t1101.InsuranceInfo:
    """The insurance to settle with: the one asked for, else the only one, else the only active one."""
    insurances = record.insurances
    choices = ", ".join(
        f"{i.insutype}({label(i.psn_insu_stas, INSURANCE_STATUS_LABELS)})" for i in insurances
    )
    if insutype:
        for insurance in insurances:
            if insurance.insutype == insutype:
                return insurance
        raise EligibilityError(f"the patient has no insurance {insutype}; choices: {choices or 'none'}")
    if len(insurances) == 1:
        return insurances[0]
    active = [i for i in insurances if i.psn_insu_stas == "1"]
    if len(active) == 1:
        return active[0]
    raise EligibilityError(f"choose the insurance (insutype) for this visit; choices: {choices or 'none'}")


def assess(
    record: PersonRecord,
    *,
    insurance: t1101.InsuranceInfo,
    hospital: HospitalProfile,
    visit_date: date,
    catalogue: RegionCatalogue,
    platform_checks: Mapping[str, t2001.TreatmentCheck] | None = None,
) -> Eligibility:
    """Judge every filing for this visit; see the module docstring for the rules."""
    relation = relation_of(hospital.admdvs, insurance.insuplc_admdvs)
    active, insurance_reason = _insurance_state(insurance, visit_date)
    verdicts = tuple(
        _verdict(filing, active, insurance, hospital, relation, visit_date, catalogue, platform_checks or {})
        for filing in record.filings
    )
    return Eligibility(
        psn_no=record.person.psn_no,
        psn_name_masked=mask_name(record.person.psn_name),
        insutype=insurance.insutype,
        psn_type=insurance.psn_type,
        insurance_status=insurance.psn_insu_stas,
        insurance_active=active,
        insurance_reason=insurance_reason,
        insured_admdvs=insurance.insuplc_admdvs,
        insured_place=place_label(insurance.insuplc_admdvs),
        hospital_code=hospital.fixmedins_code,
        hospital_admdvs=hospital.admdvs,
        relation=relation.value,
        visit_date=visit_date,
        filings=verdicts,
        guidance=_guidance(active, verdicts, insurance.insuplc_admdvs),
    )


def _insurance_state(insurance: t1101.InsuranceInfo, visit_date: date) -> tuple[bool, str]:
    """停保 is judged by its date (seed 001 一(四)1 "就医期间处于停保状态"): a visit before
    ``paus_insu_date`` is covered even when 1101 already says 暂停参保 (2); on or after it, not.
    The mock platform judges the same way (mock_platform/backend/eligibility.py)."""
    paused = insurance.paus_insu_date
    if insurance.psn_insu_stas == "1" and (paused is None or paused > visit_date):
        return True, "正常参保"
    if insurance.psn_insu_stas == "2" and paused is not None and paused > visit_date:
        return True, f"正常参保（自 {paused} 起暂停参保，就诊日 {visit_date} 在此之前）"
    since = f"，暂停参保日期 {paused}" if paused else ""
    status = label(insurance.psn_insu_stas or "2", INSURANCE_STATUS_LABELS)
    return False, f"参保状态为 {status}{since}：就诊期间待遇异常，不能使用医保直接结算（seed 001 一(四)1）"


def _verdict(
    filing: t5301.Filing,
    active: bool,
    insurance: t1101.InsuranceInfo,
    hospital: HospitalProfile,
    relation: Relation,
    visit_date: date,
    catalogue: RegionCatalogue,
    checks: Mapping[str, t2001.TreatmentCheck],
) -> FilingVerdict:
    code = filing.opsp_dise_code
    benefit, national, coverage_refusal, coverage_problem = _coverage(
        catalogue, insurance, relation, code, visit_date
    )
    checks_in_order = (
        (Refusal.SUSPENDED, "参保状态异常，不能直接结算" if not active else ""),
        (
            Refusal.NOT_OPENED,
            "" if hospital.opsp_designated else "本院不是门诊慢特病定点医疗机构，不能直接结算",
        ),
        (Refusal.BEFORE_FILING, _validity_problem(filing, visit_date)),
        (coverage_refusal, coverage_problem),
        (Refusal.NOT_OPENED, _opening_problem(hospital, relation, national or code)),
        (Refusal.NOT_COVERED, _platform_problem(checks.get(code))),
    )
    refusal, reason = next(((kind, text) for kind, text in checks_in_order if text), (None, ""))
    return FilingVerdict(
        opsp_dise_code=code,
        opsp_dise_name=filing.opsp_dise_name,
        begndate=filing.begndate,
        enddate=filing.enddate,
        settleable=refusal is None,
        reason=reason or _settleable_reason(benefit, relation),
        dise_codg=national if refusal is None else "",
        benefit_code=benefit,
        refusal=refusal.value if refusal else "",
        manual_claim=manual_claim_advice(insurance.insuplc_admdvs, refusal) if refusal else "",
        claimable=refusal in CLAIMABLE,
    )


def _validity_problem(filing: t5301.Filing, visit_date: date) -> str:
    if filing.begndate > visit_date:
        return f"备案自 {filing.begndate} 起生效，就诊日 {visit_date} 尚未生效（seed 001 一(四)3）"
    if filing.enddate is not None and filing.enddate < visit_date:
        return f"备案已于 {filing.enddate} 到期"
    return ""


def _coverage(
    catalogue: RegionCatalogue, insurance: t1101.InsuranceInfo, relation: Relation, code: str, day: date
) -> tuple[str, str, Refusal, str]:
    """(benefit code covering it, national code to send as dise_codg, refusal, problem) for the insured
    region's list for this relation, in force on ``day`` (catalogue rows carry their dates:
    region_catalogues.csv begndate/enddate). A local code is mapped to its national code when the row has
    one (the first listed, the disease's own code; seed 002 二(二)); else it is refused as ``local_code``."""
    place, name = insurance.insuplc_admdvs, RELATION_LABELS[relation]
    if not catalogue.is_configured(place, relation=relation, insutype=insurance.insutype, day=day):
        return (
            "",
            "",
            Refusal.NOT_COVERED,
            f"参保地 {place_label(place)} 未配置{name}门诊慢特病病种范围（待遇政策未配置）",
        )
    national = _as_national(code)
    if national is None:
        rows = [
            row
            for row in catalogue.benefits(place, relation=relation, insutype=insurance.insutype, day=day)
            if row.benefit_code == code
        ]
        if not rows:
            problem = f"{code} 是参保地本地病种编码，无国家统一编码，不能{name}直接结算（seed 002 二(二)）"
            return "", "", Refusal.NOT_COVERED, problem
        if not rows[0].national_codes:
            problem = (
                f"{code} 是参保地本地病种编码，无国家门诊慢特病编码，不能通过国家医保平台按门诊慢特病"
                f"直接结算（seed 002 二(二)：接口只传国家统一编码）"
            )
            return rows[0].benefit_code, "", Refusal.LOCAL_CODE, problem
        return rows[0].benefit_code, rows[0].national_codes[0], Refusal.NOT_COVERED, ""
    rows = list(catalogue.covering(place, national, relation=relation, insutype=insurance.insutype, day=day))
    if not rows:
        return "", "", Refusal.NOT_COVERED, f"参保地{name}门诊慢特病病种范围不含 {code}"
    return rows[0].benefit_code, national, Refusal.NOT_COVERED, ""


def _as_national(code: str) -> OpspCode | None:
    try:
        return parse_opsp_code(code)
    except MappingError:
        return None


def _opening_problem(hospital: HospitalProfile, relation: Relation, code: str) -> str:
    if hospital.opens(relation, code):
        return ""
    return f"本院未对{RELATION_LABELS[relation]}参保人开通 {code} 直接结算"


def _platform_problem(check: t2001.TreatmentCheck | None) -> str:
    if check is None or check.entitled:
        return ""
    return f"医保平台待遇检查未通过：{check.trt_chk_rslt or '不享受待遇'}"


def _settleable_reason(benefit: str, relation: Relation) -> str:
    under = f"（参保地病种 {benefit}）" if benefit else ""
    return f"{SETTLEABLE}：{RELATION_LABELS[relation]}门诊慢特病{under}"


def _guidance(active: bool, verdicts: tuple[FilingVerdict, ...], insured: str) -> tuple[str, ...]:
    if not active:
        return ("本次费用不能使用医保结算，请按自费收费", manual_claim_advice(insured, Refusal.SUSPENDED))
    refused = [v for v in verdicts if not v.settleable]
    if not refused:
        return ()
    lines = [f"{v.opsp_dise_code} 不能按门诊慢特病直接结算：{v.manual_claim}" for v in refused]
    if any(v.claimable for v in refused):
        lines.append(CHOICE)
    else:
        lines.append("相关费用按普通门诊结算（seed 002 三(二)）")
    return tuple(lines)

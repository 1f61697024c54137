"""2001 待遇检查 rules: may this person be settled for this med_type (and disease) here on this day?

Pure functions over records and configuration (no store, no HTTP). The checks, in order, for med_type 14:

1. insurance status on the visit day (停保: seed 001 一(四)1 "就医期间处于停保状态");
2. a 门诊慢特病 filing for the disease valid on the visit day
   (seed 001 一(四)3 "未增加门诊慢特病病种之前发生的相关费用");
3. the hospital is a 门诊慢特病 designated hospital (seed 001 一(四)2);
4. the insured place has a policy for this relation (local / in_province / cross_province),
   med_type and insutype;
5. the insured place's catalogue covers the disease for this relation and insutype (参保地 decides the disease
   range: seed 002 三(一)); the catalogue is `region_catalogues.csv`, resolved by `backend.coverage`;
6. the hospital has opened the disease for patients of this relation (seed 002 二(三));
7. a 异地就医备案 covering the hospital, when the policy requires one (seed 002 二(一), seed 001 一(一)).

Before these, a med_type 14 `dise_codg` must be a national code (`M` + 5 digits): the national interface
carries the national 门诊慢特病 codes one to one (seed 002 二(二)), so a local code such as Wuhai's WH-S03 is
refused with `local_code_problem`. A filing under a local code is matched by the national code(s) its
`region_catalogues.csv` row maps it to (`Coverage.settled_as`: a person filed under WH-S03 is settled with
M01600); one with no national code (WH-S01 肺心病) matches nothing.

For med_type 11 only the first check applies. Reasons are the Chinese texts returned in `trt_chk_rslt`;
they name codes and dates, never personal data. Settlement (2206/2207) runs the same checks on the visit date
(`settlement_problem`, which also needs a policy for med_type 11); 2203 checks only that the disease is filed
and covered (`disease_problem`), so that a visit can be opened and the dated checks refuse it at settlement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from mock_platform.backend.coverage import Coverage, is_national
from mock_platform.backend.people import FilingRecord, InsuranceRecord, PersonRecord
from mock_platform.config._base import Relation
from mock_platform.config.platform import Hospital
from mock_platform.config.policies import RegionPolicy

RELATION_LABELS: dict[Relation, str] = {
    "local": "本地就医",
    "in_province": "省内异地就医",
    "cross_province": "跨省异地就医",
}
_INSU_STATUS_LABELS = {"0": "未参保", "1": "正常参保", "2": "暂停参保", "3": "无效参保", "4": "终止参保"}
SUPPORTED_MED_TYPES = ("11", "14")
MED_TYPE_LABELS = {"11": "普通门诊", "14": "门诊慢特病"}


@dataclass(frozen=True)
class TreatmentDecision:
    entitled: bool
    reason: str
    begndate: date
    enddate: date | None


def relation_of(hospital_admdvs: str, insured_admdvs: str) -> Relation:
    """Relation of the hospital to the insured place (DEMO_DATA.md "Benefit policies")."""
    if hospital_admdvs == insured_admdvs:
        return "local"
    if hospital_admdvs[:2] == insured_admdvs[:2]:
        return "in_province"
    return "cross_province"


def check_treatment(
    *,
    person: PersonRecord,
    insurance: InsuranceRecord,
    hospital: Hospital,
    policy: RegionPolicy | None,
    coverage: Coverage,
    med_type: str,
    dise_codg: str,
    day: date,
) -> TreatmentDecision:
    """Decide entitlement for one (person, insutype, med_type, disease, day) at `hospital`."""
    insurance_period = (insurance.psn_insu_date, _day_before(insurance.paus_insu_date))
    problem = _insurance_problem(insurance, day)
    if problem is None and med_type == "14":
        problem = local_code_problem(dise_codg, "dise_codg")
    if problem is not None or med_type != "14":
        return TreatmentDecision(problem is None, problem or "", *insurance_period)
    filing, problem = _filing(person.filings, dise_codg, day, _settled_as(coverage, insurance, hospital, day))
    period = insurance_period if filing is None else (filing.begndate, filing.enddate)
    if problem is None:
        problem = _place_problem(person, insurance, hospital, policy, coverage, dise_codg, day)
    return TreatmentDecision(problem is None, problem or "", *period)


def settlement_problem(
    *,
    person: PersonRecord,
    insurance: InsuranceRecord,
    hospital: Hospital,
    policy: RegionPolicy | None,
    coverage: Coverage,
    med_type: str,
    dise_codg: str,
    day: date,
) -> str | None:
    """Why a batch of this visit cannot be settled (2206/2207), or None.

    The 2001 checks plus, for med_type 11, a configured policy (DEMO_DATA.md: 普通门诊 is a policy row too).
    """
    decision = check_treatment(
        person=person,
        insurance=insurance,
        hospital=hospital,
        policy=policy,
        coverage=coverage,
        med_type=med_type,
        dise_codg=dise_codg,
        day=day,
    )
    if not decision.entitled:
        return decision.reason
    relation = relation_of(hospital.admdvs, insurance.insuplc_admdvs)
    if policy is None or policy.scope_for(relation, med_type, insurance.insutype, day) is None:
        return _not_configured(insurance, relation, med_type)
    return None


def disease_problem(
    *,
    person: PersonRecord,
    insurance: InsuranceRecord,
    hospital: Hospital,
    coverage: Coverage,
    dise_codg: str,
) -> str | None:
    """2203 with med_type 14: a national code the person is filed under (directly, or through a local filing's
    national code) and the insured place covers here."""
    problem = local_code_problem(dise_codg, "mdtrtinfo.dise_codg")
    if problem is not None:
        return problem
    settled_as = _settled_as(coverage, insurance, hospital, None)
    if not any(dise_codg in settled_as(filing.opsp_dise_code) for filing in person.filings):
        return f"参保人未办理门诊慢特病[{dise_codg}]备案，不享受门诊慢特病待遇"
    return _coverage_problem(insurance, hospital, coverage, dise_codg)


def local_code_problem(code: str, field: str) -> str | None:
    """Why `code` cannot be a med_type 14 病种编码 on the national interface, or None (seed 002 二(二))."""
    if is_national(code):
        return None
    return (
        f"交易输入[{field}]值[{code}]不是国家门诊慢特病病种代码（M加5位数字）：参保地自有病种代码不能通过"
        "国家医保平台结算，请传参保人备案病种对应的国家病种代码"
    )


def _settled_as(
    coverage: Coverage, insurance: InsuranceRecord, hospital: Hospital, day: date | None
) -> Callable[[str], frozenset[str]]:
    """For a filed code, the national codes it is settled with here (the catalogue in force on `day`)."""
    relation = relation_of(hospital.admdvs, insurance.insuplc_admdvs)
    return lambda filed: coverage.settled_as(
        insurance.insuplc_admdvs, relation, insurance.insutype, filed, day
    )


def _not_configured(insurance: InsuranceRecord, relation: Relation, med_type: str) -> str:
    label = RELATION_LABELS[relation]
    kind = MED_TYPE_LABELS.get(med_type, f"医疗类别[{med_type}]")
    return f"参保地[{insurance.insuplc_admdvs}]未配置{label}{kind}待遇政策（险种类型{insurance.insutype}）"


def _coverage_problem(
    insurance: InsuranceRecord, hospital: Hospital, coverage: Coverage, code: str, day: date | None = None
) -> str | None:
    relation = relation_of(hospital.admdvs, insurance.insuplc_admdvs)
    label = RELATION_LABELS[relation]
    insured = insurance.insuplc_admdvs
    codes = coverage.codes_for(insured, relation, insurance.insutype, day)
    if codes is None:
        return f"参保地[{insured}]未配置{label}门诊慢特病病种目录（险种类型{insurance.insutype}）"
    if code not in codes:
        return (
            f"参保地[{insured}]{label}门诊慢特病病种范围不含[{code}]，不能直接结算，可回参保地按规定手工报销"
        )
    return None


def _insurance_problem(insurance: InsuranceRecord, day: date) -> str | None:
    if day < insurance.psn_insu_date:
        return f"就医日期{day}早于参保日期{insurance.psn_insu_date}，不享受医保待遇"
    paused = insurance.paus_insu_date
    # Judged by the date (seed 001 一(四)1 "就医期间处于停保状态"): the day before 停保 is covered, the day
    # itself is not, whatever psn_insu_stas says today.
    if paused is not None and paused <= day:
        return f"参保人自{paused}起暂停参保，就医日期{day}处于停保状态，不享受医保待遇"
    if insurance.psn_insu_stas in ("0", "3", "4"):
        return f"参保状态为[{_INSU_STATUS_LABELS[insurance.psn_insu_stas]}]，不享受医保待遇"
    return None


def _filing(
    filings: tuple[FilingRecord, ...], code: str, day: date, settled_as: Callable[[str], frozenset[str]]
) -> tuple[FilingRecord | None, str | None]:
    """The filing that makes the national `code` valid on `day`, or the closest one and why it does not.

    A filing counts for `code` when it is filed under it, or under a local code the catalogue maps to it.
    """
    candidates = [filing for filing in filings if code in settled_as(filing.opsp_dise_code)]
    for filing in candidates:
        if filing.valid_on(day):
            return filing, None
    upcoming = sorted((f for f in candidates if f.begndate > day), key=lambda f: f.begndate)
    if upcoming:
        start = upcoming[0].begndate
        return upcoming[0], f"门诊慢特病[{code}]备案自{start}起生效，就医日期{day}不在备案有效期内"
    if candidates:
        latest = max(candidates, key=lambda f: f.enddate or day)
        return latest, f"门诊慢特病[{code}]备案已于{latest.enddate}到期，就医日期{day}不在备案有效期内"
    return None, f"参保人未办理门诊慢特病[{code}]备案，不享受门诊慢特病待遇"


def _place_problem(
    person: PersonRecord,
    insurance: InsuranceRecord,
    hospital: Hospital,
    policy: RegionPolicy | None,
    coverage: Coverage,
    code: str,
    day: date,
) -> str | None:
    relation = relation_of(hospital.admdvs, insurance.insuplc_admdvs)
    label = RELATION_LABELS[relation]
    if not hospital.opsp_designated:
        return f"定点医疗机构[{hospital.fixmedins_code}]不是门诊慢特病定点医疗机构"
    scope = None if policy is None else policy.scope_for(relation, "14", insurance.insutype, day)
    if scope is None:
        return _not_configured(insurance, relation, "14")
    problem = _coverage_problem(insurance, hospital, coverage, code, day)
    if problem is not None:
        return problem
    if not hospital.opens(relation, code):
        return f"定点医疗机构[{hospital.fixmedins_code}]未开通{label}门诊慢特病病种[{code}]的直接结算"
    needs_filing = relation != "local" and scope.remote_filing is not None and scope.remote_filing.required
    if needs_filing and not any(r.covers(hospital.admdvs, day) for r in person.remote_filings):
        return f"参保人无有效的异地就医备案（就医地{hospital.admdvs}，就医日期{day}），不能{label}直接结算"
    return None


def _day_before(value: date | None) -> date | None:
    return None if value is None else value - timedelta(days=1)

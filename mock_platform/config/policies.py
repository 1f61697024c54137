"""Model of `config/policies/<admdvs>.toml`: one insured place's (参保地) benefit policy.

The insured place decides the deductible, ratio, annual caps and which diseases are covered (seed 002 三(一),
seed 001 二(二)2); the place of care only splits the fees. A policy file holds the money parameters; which
diseases are covered comes from one source only, `mappings/data/region_catalogues.csv` (read by
`config.tables`, resolved by `backend.coverage`), so the platform and the adapter cannot disagree about it.
A file holds scopes, each for a set of relations (local / in_province / cross_province), one med_type and
a set of insutypes::

    admdvs, name, source
    [[scope]]                     relations, med_type, insutypes, pooled_fund, begndate?, enddate?, source
      [scope.remote_filing]       required, source            (异地就医备案 needed for direct settlement)
      [scope.deductible]          basis (per_year | per_visit), source
        [[scope.deductible.amount]]  dedc_hosp_lv? (01/02/03; absent = every level), amount, source
      [[scope.ratio]]             insutype, psn_types? (e.g. ["21"] 退休), value, source
      [[scope.cap]]               group, codes (empty = the whole scope), insutype, amount | unlimited, source
      [[scope.ceiling]]           insutype, amount, source    (统筹基金年度最高支付限额, every med_type)
      [[scope.layer]]             fund, insutypes, base, who, threshold, ratio, cap?, source
      [scope.account]             insutypes, pays (in_scope | all), mutual_aid, source
      [scope.pharmacy]            allowed, prescription_required, source
    [filing]                      min_grade (一级 | 二级 | 三级), within (insured_city | anywhere), source
                                  (who may accept an application, 2503; absent: `DEFAULT_FILING_RULE`)

A scope is in force from `begndate` to `enddate` (both inclusive, absent = open): settlement uses the scope
in force on the visit day (seed 000 is dated 2022-07-05; its 门诊统筹 clause starts 2022-10-01). A
(relation, med_type, insutype, day) that no scope covers is "not configured" and the platform says so. A
cap's codes must be covered by the region catalogue for the scope (checked by `backend.reference`, which sees
both files, when the platform starts).

Layers (`[[scope.layer]]`) are the funds that pay after the basic pooled fund (hifp_pay), in file order, each
on a base: ``personal_in_scope`` = the in-scope amount still borne by the person (inscp − every fund so
far), of which the part above the layer's annual `threshold` counts; ``over_ceiling`` = the in-scope amount
the basic fund did not cover because its annual ceiling was reached. `who` says whom a layer pays:
everyone, civil servants (1101 cvlserv_flag "1"), or holders of one of `psn_idet_types` (1101 idetinfo) on
the visit day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from mock_platform.config._base import (
    Admdvs,
    Code,
    DedcHospLv,
    Money,
    Ratio,
    Relation,
    Sourced,
    Text,
)


class RemoteFilingRule(Sourced):
    required: bool


class DeductibleAmount(Sourced):
    dedc_hosp_lv: DedcHospLv | None = None
    amount: Money


class Deductible(Sourced):
    basis: Literal["per_year", "per_visit"]
    amount: tuple[DeductibleAmount, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _flat_or_every_level(self) -> Deductible:
        levels = [row.dedc_hosp_lv for row in self.amount]
        if levels == [None]:
            return self
        if None in levels or sorted(levels) != ["01", "02", "03"]:  # type: ignore[type-var]
            raise ValueError("give one amount without dedc_hosp_lv, or one amount for each of 01, 02, 03")
        return self

    def for_level(self, dedc_hosp_lv: str) -> Money:
        for row in self.amount:
            if row.dedc_hosp_lv in (None, dedc_hosp_lv):
                return row.amount
        raise LookupError(dedc_hosp_lv)


class FundRatio(Sourced):
    """The basic fund's ratio for an insutype; a row with `psn_types` (人员类别: 11 在职, 21 退休) wins."""

    insutype: Code
    psn_types: tuple[Code, ...] = ()
    value: Ratio


class FundCeiling(Sourced):
    """统筹基金年度最高支付限额: what the basic fund pays a person in a year, over every med_type."""

    insutype: Code
    amount: Money


FUND_FIELDS = ("hifmi_pay", "hifob_pay", "cvlserv_pay", "maf_pay", "hifes_pay", "oth_pay")
FundField = Literal["hifmi_pay", "hifob_pay", "cvlserv_pay", "maf_pay", "hifes_pay", "oth_pay"]


class FundLayer(Sourced):
    """A fund paying after the basic fund (大病保险, 职工大额, 公务员补助, 医疗救助, 企业补充, 其他)."""

    fund: FundField
    insutypes: tuple[Code, ...] = Field(min_length=1)
    base: Literal["personal_in_scope", "over_ceiling"]
    who: Literal["everyone", "cvlserv", "identity"] = "everyone"
    psn_idet_types: tuple[Code, ...] = ()
    threshold: Money = Decimal("0.00")
    ratio: Ratio
    cap: Money | None = None

    @model_validator(mode="after")
    def _who(self) -> FundLayer:
        if (self.who == "identity") != bool(self.psn_idet_types):
            raise ValueError("who = 'identity' needs psn_idet_types, and only it")
        if self.base == "over_ceiling" and self.threshold:
            raise ValueError("an over_ceiling layer starts at the ceiling: no threshold")
        return self


class AccountRule(Sourced):
    """What the personal account may pay (职工 only): the in-scope personal share or everything personal;
    `mutual_aid`: 门诊共济 (国办发〔2021〕14号), a bound family account pays what the own account cannot."""

    insutypes: tuple[Code, ...] = Field(min_length=1)
    pays: Literal["in_scope", "all"]
    mutual_aid: bool = False


class FundCap(Sourced):
    """An annual pooled-fund cap shared by `codes` (one cap for the whole group, seed 001's merged cell);
    no codes: the cap of the whole scope (门诊统筹's annual cap for ordinary outpatient bills)."""

    group: Text
    codes: tuple[Code, ...] = ()
    insutype: Code
    amount: Money | None = None
    unlimited: bool = False

    @model_validator(mode="after")
    def _amount_or_unlimited(self) -> FundCap:
        if (self.amount is None) == (not self.unlimited):
            raise ValueError("give either amount or unlimited = true (seed 001 '无')")
        return self


class Pharmacy(Sourced):
    allowed: bool
    prescription_required: bool = False


class Scope(Sourced):
    relations: tuple[Relation, ...] = Field(min_length=1)
    med_type: str = Field(pattern=r"^\d{2,6}$")
    insutypes: tuple[Code, ...] = Field(min_length=1)
    pooled_fund: bool
    begndate: date | None = None
    enddate: date | None = None
    remote_filing: RemoteFilingRule | None = None
    deductible: Deductible | None = None
    ratio: tuple[FundRatio, ...] = ()
    cap: tuple[FundCap, ...] = ()
    ceiling: tuple[FundCeiling, ...] = ()
    layer: tuple[FundLayer, ...] = ()
    account: AccountRule | None = None
    pharmacy: Pharmacy | None = None

    def in_force(self, day: date | None) -> bool:
        if day is None:
            return True
        return (self.begndate is None or self.begndate <= day) and (
            self.enddate is None or day <= self.enddate
        )

    def overlaps(self, other: Scope) -> bool:
        """Whether the two scopes' periods share a day."""
        starts = max(self.begndate or date.min, other.begndate or date.min)
        ends = min(self.enddate or date.max, other.enddate or date.max)
        return starts <= ends

    @model_validator(mode="after")
    def _complete(self) -> Scope:
        if not self.pooled_fund:
            if self.deductible or self.ratio or self.cap or self.ceiling or self.layer:
                raise ValueError("a scope without pooled-fund payment has no deductible, ratio, cap or layer")
            return self
        missing = [name for name in ("deductible", "pharmacy") if getattr(self, name) is None]
        if self.med_type == "14" and self.remote_filing is None:
            missing.append("remote_filing")
        if missing:
            raise ValueError(f"a pooled-fund scope needs {', '.join(missing)}")
        self._check_ratios_and_caps()
        return self

    def _check_ratios_and_caps(self) -> None:
        general = [row.insutype for row in self.ratio if not row.psn_types]
        if sorted(general) != sorted(self.insutypes):
            raise ValueError(
                "give exactly one ratio row per insutype of the scope (rows with psn_types come on top)"
            )
        ceilings = [row.insutype for row in self.ceiling]
        if len(set(ceilings)) != len(ceilings) or not set(ceilings) <= set(self.insutypes):
            raise ValueError("give at most one ceiling per insutype of the scope")
        seen: set[tuple[str, str]] = set()
        for cap in self.cap:
            if cap.insutype not in self.insutypes:
                raise ValueError(f"cap {cap.group!r} names insutype {cap.insutype} outside the scope")
            for code in cap.codes or ("*",):
                if (cap.insutype, code) in seen:
                    raise ValueError(f"{code} has two caps for insutype {cap.insutype}")
                seen.add((cap.insutype, code))

    def cap_for(self, insutype: str, code: str) -> FundCap | None:
        """The annual fund cap that limits `code` for `insutype`; None when the policy states none."""
        return next(
            (cap for cap in self.cap if cap.insutype == insutype and (code in cap.codes or not cap.codes)),
            None,
        )

    def ratio_for(self, insutype: str, psn_type: str = "") -> Ratio:
        rows = [row for row in self.ratio if row.insutype == insutype]
        specific = next((row for row in rows if psn_type and psn_type in row.psn_types), None)
        return (specific or next(row for row in rows if not row.psn_types)).value

    def ceiling_for(self, insutype: str) -> Money | None:
        return next((row.amount for row in self.ceiling if row.insutype == insutype), None)


class FilingRule(Sourced):
    """Which designated hospitals may accept (and file with 2503) a chronic-disease application here.

    `min_grade` is the hospital's grade (医院等级, from 1101's `hosp_lv` dictionary, PROTOCOL.md §4);
    `within` = ``insured_city``: only hospitals of the insured city (first four digits of admdvs) may.
    """

    min_grade: Literal["一级", "二级", "三级"]
    within: Literal["insured_city", "anywhere"]


DEFAULT_FILING_RULE = FilingRule(
    min_grade="二级",
    within="anywhere",
    source=(
        "assumption: only seed 000 二(一) says who may accept an application (乌海市内二级及以上定点医疗); "
        "its 二级 floor is applied where no seed speaks (docs/filings.md)"
    ),
)


class RegionPolicy(Sourced):
    """`config/policies/<admdvs>.toml`."""

    admdvs: Admdvs
    name: Text
    scope: tuple[Scope, ...] = ()
    filing: FilingRule | None = None

    @property
    def filing_rule(self) -> FilingRule:
        return self.filing or DEFAULT_FILING_RULE

    @model_validator(mode="after")
    def _no_overlap(self) -> RegionPolicy:
        seen: dict[tuple[str, str, str], list[Scope]] = {}
        for scope in self.scope:
            for key in ((r, scope.med_type, i) for r in scope.relations for i in scope.insutypes):
                if any(scope.overlaps(other) for other in seen.get(key, [])):
                    raise ValueError(
                        f"two scopes cover relation {key[0]}, med_type {key[1]}, insutype {key[2]}"
                        " on the same day"
                    )
                seen.setdefault(key, []).append(scope)
        return self

    def scope_for(
        self, relation: Relation, med_type: str, insutype: str, day: date | None = None
    ) -> Scope | None:
        """The scope in force on `day` (any period when None) for the relation, med_type and insutype."""
        for scope in self.scope:
            covers = relation in scope.relations and insutype in scope.insutypes
            if covers and med_type == scope.med_type and scope.in_force(day):
                return scope
        return None

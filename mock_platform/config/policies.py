"""Model of `config/policies/<admdvs>.toml`: one insured place's (参保地) benefit policy.

The insured place decides the deductible, ratio, annual caps and which diseases are covered (seed 002 三(一),
seed 001 二(二)2); the place of care only splits the fees. A policy file holds the money parameters; which
diseases are covered comes from one source only, `mappings/data/region_catalogues.csv` (read by
`config.tables`, resolved by `backend.coverage`), so the platform and the adapter cannot disagree about it.
A file holds scopes, each for a set of relations (local / in_province / cross_province), one med_type and
a set of insutypes::

    admdvs, name, source
    [[scope]]                     relations, med_type, insutypes, pooled_fund, source
      [scope.remote_filing]       required, source            (异地就医备案 needed for direct settlement)
      [scope.deductible]          basis (per_year | per_visit), source
        [[scope.deductible.amount]]  dedc_hosp_lv? (01/02/03; absent = every level), amount, source
      [[scope.ratio]]             insutype, value, source
      [[scope.cap]]               group, codes, insutype, amount | unlimited = true, source
      [scope.pharmacy]            allowed, prescription_required, source

A (relation, med_type, insutype) that no scope covers is "not configured" and the platform says so. A cap's
codes must be covered by the region catalogue for the scope (checked by `backend.reference`, which sees
both files, when the platform starts).
"""

from __future__ import annotations

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
    insutype: Code
    value: Ratio


class FundCap(Sourced):
    """An annual pooled-fund cap shared by `codes` (one cap for the whole group, seed 001's merged cell)."""

    group: Text
    codes: tuple[Code, ...] = Field(min_length=1)
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
    remote_filing: RemoteFilingRule | None = None
    deductible: Deductible | None = None
    ratio: tuple[FundRatio, ...] = ()
    cap: tuple[FundCap, ...] = ()
    pharmacy: Pharmacy | None = None

    @model_validator(mode="after")
    def _complete(self) -> Scope:
        if not self.pooled_fund:
            if self.deductible or self.ratio or self.cap:
                raise ValueError("a scope without pooled-fund payment has no deductible, ratio or cap")
            return self
        missing = [name for name in ("deductible", "pharmacy") if getattr(self, name) is None]
        if self.med_type == "14" and self.remote_filing is None:
            missing.append("remote_filing")
        if missing:
            raise ValueError(f"a pooled-fund scope needs {', '.join(missing)}")
        self._check_ratios_and_caps()
        return self

    def _check_ratios_and_caps(self) -> None:
        if sorted(row.insutype for row in self.ratio) != sorted(self.insutypes):
            raise ValueError("give exactly one ratio row per insutype of the scope")
        seen: set[tuple[str, str]] = set()
        for cap in self.cap:
            if cap.insutype not in self.insutypes:
                raise ValueError(f"cap {cap.group!r} names insutype {cap.insutype} outside the scope")
            for code in cap.codes:
                if (cap.insutype, code) in seen:
                    raise ValueError(f"{code} has two caps for insutype {cap.insutype}")
                seen.add((cap.insutype, code))

    def cap_for(self, insutype: str, code: str) -> FundCap | None:
        """The annual fund cap that limits `code` for `insutype`; None when the policy states none."""
        return next((cap for cap in self.cap if cap.insutype == insutype and code in cap.codes), None)

    def ratio_for(self, insutype: str) -> Ratio:
        return next(row.value for row in self.ratio if row.insutype == insutype)


class RegionPolicy(Sourced):
    """`config/policies/<admdvs>.toml`."""

    admdvs: Admdvs
    name: Text
    scope: tuple[Scope, ...] = ()

    @model_validator(mode="after")
    def _no_overlap(self) -> RegionPolicy:
        seen: set[tuple[str, str, str]] = set()
        for scope in self.scope:
            for key in ((r, scope.med_type, i) for r in scope.relations for i in scope.insutypes):
                if key in seen:
                    raise ValueError(
                        f"two scopes cover relation {key[0]}, med_type {key[1]}, insutype {key[2]}"
                    )
                seen.add(key)
        return self

    def scope_for(self, relation: Relation, med_type: str, insutype: str) -> Scope | None:
        for scope in self.scope:
            if relation in scope.relations and med_type == scope.med_type and insutype in scope.insutypes:
                return scope
        return None

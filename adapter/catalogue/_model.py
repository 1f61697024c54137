"""The catalogue's typed rows and results: what sync stores, what diff and check report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CapRow",
    "CatalogueChange",
    "CatalogueDiff",
    "ChangeKind",
    "CheckFinding",
    "CheckReport",
    "DiseaseRow",
    "FindingKind",
    "ItemRow",
    "RatioRow",
    "Severity",
    "SourceSummary",
    "StoreOwner",
    "SyncSummary",
    "Terms",
]


@dataclass(frozen=True, slots=True)
class RowBase:
    """What every paged catalogue row has: its identity, its last change and its period."""

    rid: str
    updt_time: datetime
    hilist_code: str
    insu_admdvs: str
    begndate: date
    enddate: date | None
    vali_flag: str

    def in_force(self, day: date) -> bool:
        """Valid (vali_flag 1) and in its period on ``day`` (both ends inclusive)."""
        if self.vali_flag != "1" or day < self.begndate:
            return False
        return self.enddate is None or day <= self.enddate


@dataclass(frozen=True, slots=True)
class ItemRow(RowBase):
    """1312: a national item's class and list type for a period."""

    hilist_name: str
    list_type: str
    med_chrgitm_type: str
    chrgitm_lv: str
    lmt_used_flag: str


@dataclass(frozen=True, slots=True)
class CapRow(RowBase):
    """1319: a price cap (per unit, N16,6) for a period; None = no cap."""

    pric_uplmt_amt: Decimal | None


@dataclass(frozen=True, slots=True)
class RatioRow(RowBase):
    """1320: a 先行自付 ratio (N5,4) for a period; None = none (丙类)."""

    selfpay_prop: Decimal | None


@dataclass(frozen=True, slots=True)
class DiseaseRow:
    """1309: one 门诊慢特病 of one region's catalogue (the 16 TXT columns of PROTOCOL.md §3.16, as needed)."""

    rid: str
    opsp_dise_code: str
    opsp_dise_name: str
    admdvs: str
    majcls_code: str
    majcls_name: str
    vali_flag: str
    ver: str


@dataclass(frozen=True, slots=True)
class Terms:
    """How the province of care treats a national item on a day: what changes what a patient pays."""

    hilist_name: str
    chrgitm_lv: str
    selfpay_prop: Decimal | None
    pric_uplmt_amt: Decimal | None
    list_type: str
    med_chrgitm_type: str
    lmt_used_flag: str


class StoreOwner(BaseModel):
    """Whose catalogue a store holds: one platform, one hospital, the hospital's province of care."""

    model_config = ConfigDict(frozen=True)

    platform: str
    fixmedins_code: str
    province: str


# -- sync ----------------------------------------------------------------------------------------


class SourceSummary(BaseModel):
    """One query's part of a sync."""

    model_config = ConfigDict(frozen=True)

    infno: str
    title: str
    since: datetime | None
    """The cursor the sync started from (None: everything)."""
    until: datetime | None
    """The cursor after it: the newest ``updt_time`` stored."""
    pages: int
    rows_fetched: int
    rows_new: int
    passes: int
    """2 or more when the platform published while this sync paged (every row is then fetched again)."""


class SyncSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    sync_no: int
    resumed: bool
    store: str
    province: str
    sources: tuple[SourceSummary, ...]
    disease_version_before: str
    disease_version_after: str
    disease_rows: int
    dictionary_entries: int
    seconds: Decimal
    """Wall time, to the millisecond (a Decimal: the JSON codec writes no floats)."""

    @property
    def rows_new(self) -> int:
        return sum(source.rows_new for source in self.sources)


# -- diff ----------------------------------------------------------------------------------------


class ChangeKind(StrEnum):
    ADDED = "added"
    WITHDRAWN = "withdrawn"
    CLASS = "chrgitm_lv"
    SELFPAY = "selfpay_prop"
    CAP = "pric_uplmt_amt"
    LIST_TYPE = "list_type"
    CHRGITM_TYPE = "med_chrgitm_type"
    RESTRICTION = "lmt_used_flag"
    NAME = "hilist_name"


class CatalogueChange(BaseModel):
    """One field of one item that differs between two syncs, from ``effective`` (to ``until``, inclusive)."""

    model_config = ConfigDict(frozen=True)

    hilist_code: str
    hilist_name: str
    kind: ChangeKind
    effective: date
    until: date | None
    before: str
    after: str


class CatalogueDiff(BaseModel):
    model_config = ConfigDict(frozen=True)

    from_sync: int
    to_sync: int
    province: str
    changes: tuple[CatalogueChange, ...]


# -- check ---------------------------------------------------------------------------------------


class Severity(StrEnum):
    ERROR = "error"
    """Will be refused or settled wrongly now: fix the 目录对照 before the next bill."""
    WARNING = "warning"
    """Changes what patients pay (now or from a known day): tell the cashiers, check the mapping."""
    INFO = "info"


class FindingKind(StrEnum):
    NOT_IN_CATALOGUE = "not_in_catalogue"
    ENDED = "ended"
    ENDING = "ending"
    NOT_YET = "not_yet_in_force"
    LIST_TYPE = "list_type_mismatch"
    CHRGITM_TYPE = "chrgitm_type_mismatch"
    NO_SELFPAY = "selfpay_missing"
    CLASS = "chrgitm_lv_changed"
    SELFPAY = "selfpay_prop_changed"
    CAP = "pric_uplmt_amt_changed"


class CheckFinding(BaseModel):
    """One thing the 医保办 should look at, for one row of the hospital's 目录对照."""

    model_config = ConfigDict(frozen=True)

    hospital_code: str
    name: str
    national_code: str
    kind: FindingKind
    severity: Severity
    effective: date | None
    before: str
    after: str
    message: str
    """Chinese: what is wrong and what to do."""


class CheckReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    fixmedins_code: str
    province: str
    on: date
    sync_no: int
    mapped_items: int
    findings: tuple[CheckFinding, ...]

    @property
    def needs_attention(self) -> bool:
        return any(finding.severity != Severity.INFO for finding in self.findings)

"""The mock's own reader for the CSV mapping tables in `mappings/data/` (their README documents the columns).

The platform holds the same data a real provincial platform holds (never the `mappings` code):

* `region_catalogues.csv`: insured regions' 门诊慢特病 catalogues, which codes are covered (`CatalogueRow`);
* `payment_scope_<admdvs>.csv`: a province of care's 支付范围 — class, 先行自付, price cap, 限制使用
  (`ScopeEntry`);
* `hospitals_demo.csv`: which 目录对照 file each demo hospital uploaded by 3301 (`HospitalTables`);
* `item_map_*.csv`: a hospital's 目录对照, hospital code -> national code (`ItemMapRow`).

Format (README "Format"): UTF-8 (BOM tolerated), `#` lines at the top, one header row with exactly the
model's columns in any order, an empty cell means absent, list cells separated by `;`, a non-empty
`provenance`. A malformed file raises `ConfigError` with the file, line and column. The same row models
validate seeded rows (`POST /_mock/seed`), so seeded data obeys the shipped files' rules.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, ClassVar, Literal, TypeVar

from pydantic import AfterValidator, Field, StringConstraints, ValidationError, model_validator

from mock_platform._money import decimals
from mock_platform.config._base import Admdvs, Code, FrozenModel, Ratio, Relation, Text
from mock_platform.errors import ConfigError

# README "Code patterns": opsp code M + 5 digits; national item codes: drug X/Z + capital + 2 digits + 19
# capitals/digits, service 15 digits (optionally - + a province price code), consumable C + 19-26 digits.
OpspCode = Annotated[str, StringConstraints(pattern=r"^M\d{5}$")]
ItemCode = Annotated[
    str, StringConstraints(pattern=r"^(?:[XZ][A-Z]\d{2}[A-Z0-9]{19}|\d{15}(?:-\w+)?|C\d{19,26})$")
]
HospitalItemCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_.\-/]{1,30}$")]
Evidence = Literal["SEED", "SRC", "INF", "DEMO"]
ListType = Literal["101", "102", "103", "104", "105", "106", "201", "301"]
MedChrgitmType = Literal["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14"]


def _price(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0 or decimals(value) > 6:
        raise ValueError("a price is a number >= 0 with at most 6 decimals (N16,6)")
    return value


Price = Annotated[Decimal, AfterValidator(_price)]


class TableRow(FrozenModel):
    """A CSV row: the model's fields are the file's columns; `LIST_COLUMNS` hold `;`-separated lists."""

    LIST_COLUMNS: ClassVar[frozenset[str]] = frozenset()
    provenance: Text


class CatalogueRow(TableRow):
    """`region_catalogues.csv`: one benefit of an insured region's 门诊慢特病 catalogue."""

    LIST_COLUMNS: ClassVar[frozenset[str]] = frozenset(
        {"insutypes", "relations", "national_codes", "components"}
    )
    admdvs: Admdvs
    seq: int = Field(ge=1)
    category: Text
    benefit_code: Code
    benefit_name: Text
    kind: Literal["national", "single", "compound"]
    insutypes: tuple[Code, ...] = Field(min_length=1)
    relations: tuple[Relation, ...] = Field(min_length=1)
    national_codes: tuple[OpspCode, ...] = ()
    components: tuple[Code, ...] = ()
    icd_patterns: str | None = None
    evidence: Evidence
    begndate: date | None = None
    enddate: date | None = None

    def in_force(self, day: date | None) -> bool:
        """Whether the row applies on `day` (None = any day): Wuhai from 2022-07-05, Inner Mongolia's base
        list from 2025-01-01 (the seeds' own effective dates)."""
        if day is None:
            return True
        return (self.begndate is None or self.begndate <= day) and (
            self.enddate is None or day <= self.enddate
        )

    @model_validator(mode="after")
    def _kind_rules(self) -> CatalogueRow:
        if (self.kind == "compound") != bool(self.components):
            raise ValueError("components are given for compound rows, and only for them")
        if self.kind == "national" and self.national_codes != (self.benefit_code,):
            raise ValueError("a national row is settled under its own code: national_codes = benefit_code")
        return self


class ScopeEntry(TableRow):
    """`payment_scope_<admdvs>.csv`: one national item of a province's payment scope (DOMAIN.md §2.2)."""

    insu_admdvs: Annotated[Admdvs, StringConstraints(pattern=r"^\d{2}0000$")]
    national_code: ItemCode
    name: Text
    chrgitm_lv: Literal["01", "02", "03"]
    selfpay_prop: Ratio | None = None
    pric_uplmt_amt: Price | None = None
    lmt_used_flag: Literal["0", "1"]
    begndate: date
    enddate: date | None = None

    @model_validator(mode="after")
    def _class_rules(self) -> ScopeEntry:
        # README: selfpay_prop 0.0000 for 甲, required for 乙, empty for 丙 (the whole line is self-paid).
        if self.chrgitm_lv == "01" and self.selfpay_prop != 0:
            raise ValueError("selfpay_prop must be 0 for chrgitm_lv 01 (甲类)")
        if self.chrgitm_lv == "02" and self.selfpay_prop is None:
            raise ValueError("selfpay_prop is required for chrgitm_lv 02 (乙类)")
        if self.chrgitm_lv == "03" and self.selfpay_prop is not None:
            raise ValueError("selfpay_prop must be empty for chrgitm_lv 03 (丙类)")
        if self.enddate is not None and self.enddate < self.begndate:
            raise ValueError("enddate is before begndate")
        return self

    def valid_on(self, day: date) -> bool:
        return self.begndate <= day and (self.enddate is None or day <= self.enddate)


class ItemMapRow(TableRow):
    """`item_map_*.csv`: one row of a hospital's 目录对照; no national code = 未贯标 (not uploadable)."""

    hospital_code: HospitalItemCode
    national_code: ItemCode | None = None
    name: Text
    list_type: ListType | None = None
    med_chrgitm_type: MedChrgitmType | None = None

    @model_validator(mode="after")
    def _mapped_rules(self) -> ItemMapRow:
        mapped = self.national_code is not None
        if mapped != (self.list_type is not None) or mapped != (self.med_chrgitm_type is not None):
            raise ValueError("list_type and med_chrgitm_type are given exactly when national_code is")
        return self


class ItemDiseaseRow(TableRow):
    """`item_disease_scope.csv`: which 门诊慢特病 a national item treats (empty: none; 专病专治)."""

    LIST_COLUMNS: ClassVar[frozenset[str]] = frozenset({"opsp_dise_codes"})
    national_code: ItemCode
    name: Text
    opsp_dise_codes: tuple[OpspCode, ...] = ()
    evidence: Text


class HospitalTables(TableRow):
    """`hospitals_demo.csv`: the tables a demo hospital supplied (file names in the data directory)."""

    fixmedins_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]\d{11}$")]
    fixmedins_name: Text
    admdvs: Admdvs
    item_map: Text
    local_diagnoses: Text


R = TypeVar("R", bound=TableRow)


def read_table(path: Path, model: type[R]) -> tuple[R, ...]:
    """Read and validate one CSV table, raising `ConfigError` (file, line, column) on any problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    reader = csv.reader(io.StringIO(_blank_comments(text)))
    columns = set(model.model_fields)
    header: list[str] | None = None
    rows: list[R] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        stripped = [cell.strip() for cell in cells]
        if header is None:
            header = _check_header(path, stripped, columns, reader.line_num)
            continue
        rows.append(_row(path, model, header, stripped, reader.line_num))
    if header is None:
        raise ConfigError(str(path), "no header row")
    return tuple(rows)


def row_from_cells(model: type[R], cells: dict[str, str]) -> R:
    """Validate one row given as column -> cell text (empty = absent, list columns `;`-separated)."""
    values: dict[str, object] = {}
    for column, cell in cells.items():
        if not cell:
            continue
        values[column] = (
            [item.strip() for item in cell.split(";") if item.strip()]
            if (column in model.LIST_COLUMNS)
            else cell
        )
    return model.model_validate(values)


def _blank_comments(text: str) -> str:
    """Blank the leading `#` lines (keeping line numbers): comments may hold quotes that are not CSV."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines[index] = ""
    return "\n".join(lines) + "\n"


def _check_header(path: Path, header: list[str], columns: set[str], line: int) -> list[str]:
    missing = sorted(columns - set(header))
    extra = sorted(set(header) - columns)
    if missing or extra or len(set(header)) != len(header):
        problem = (
            f"missing {', '.join(missing)}" if missing else f"unexpected {', '.join(extra) or 'duplicates'}"
        )
        raise ConfigError(str(path), f"header must have exactly the documented columns: {problem}", line=line)
    return header


def _row(path: Path, model: type[R], header: list[str], cells: list[str], line: int) -> R:
    if len(cells) != len(header):
        raise ConfigError(str(path), f"{len(cells)} cells, the header has {len(header)}", line=line)
    try:
        return row_from_cells(model, dict(zip(header, cells, strict=True)))
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "(row)"
        raise ConfigError(str(path), _message(error["msg"]), field=field, line=line) from exc


def _message(text: str) -> str:
    return re.sub(r"^Value error, ", "", text)

"""The visit file: the bill a HIS hands the adapter, in national field names.

JSON (decoded with the Decimal codec) or the equivalent Python objects::

    {"patient":   {"mdtrt_cert_type": "02", "mdtrt_cert_no": "…", "card_sn": null, "insutype": "310"?},
     "visit":     {"ipt_otp_no": "MZ20261122001", "begntime": "2026-11-22 09:30:00", "dept_code": "A03",
                   "dept_name": "内科", "caty": "A03", "atddr_no": "D001", "dr_name": "医生甲"},
     "diagnoses": [{"diag_code": "E11.900", "diag_name": "2型糖尿病", "diag_type": "1"}],
     "items":     [{"feedetl_sn": "1", "medins_list_codg": "Y001", "cnt": "60", "pric": "0.40",
                    "fee_ocur_time": "2026-11-22 09:40:00", "diag_code": "E11.900", "hosp_appr_flag": "0"}],
     "acct_used_flag": "1"}

Quantities and prices are strings or numbers read as Decimal; a Python float is
refused. Every problem found is reported at once, each naming its place
(``items[2] (feedetl_sn 3).pric``) — before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Context, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from mappings.codes import parse_icd
from mappings.errors import MalformedCodeError

from .._codec import decode
from .._errors import InputError
from .._money import (
    AMOUNT_PLACES,
    PRICE_PLACES,
    QUANTITY_PLACES,
    TOTAL_DIGITS,
    fits_digits,
    has_places,
    to_decimal,
)

__all__ = ["Diagnosis", "Item", "Patient", "Visit", "VisitInfo", "load_visit", "parse_visit"]

_DATETIME = "%Y-%m-%d %H:%M:%S"
_CANONICAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
# cnt × pric, exact: each factor has at most 16 digits, so the product has at most 32 (the default
# context's 28 would round silently); planning rounds it to the fen later. A context of its own,
# not a localcontext() switched per line.
_EXACT = Context(prec=2 * TOTAL_DIGITS + 2)


def _within(value: Decimal, places: int, total: int = TOTAL_DIGITS) -> None:
    """The protocol's N16,p: at most ``places`` decimals and 16 digits in all (PROTOCOL.md conventions)."""
    if not has_places(value, places):
        raise ValueError(f"has more than {places} decimal places")
    if not fits_digits(value, places, total=total):
        raise ValueError(f"is too large: N{total},{places} allows {total - places} digits before the point")


def _days(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    _within(value, 2, total=4)  # 周期天数 is N4,2 on 2204 (PROTOCOL.md §3.8)
    return value


def _positive_quantity(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than zero")
    _within(value, QUANTITY_PLACES)
    return value


def _price(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    _within(value, PRICE_PLACES)
    return value


def _number(check: Callable[[Decimal], Decimal]) -> BeforeValidator:
    """A number read as ``to_decimal`` reads it, then checked, in one step. A text seen before is read
    once: a long bill repeats its quantities and prices, and the Decimal a text gives (its digits as
    written, which the plan keeps) depends on the text alone. A number given as a Decimal is not cached:
    equal Decimals may be written differently (0.4, 0.40)."""

    @lru_cache(maxsize=4096)
    def from_text(text: str) -> Decimal:
        return check(to_decimal(text))

    def read(value: Any) -> Decimal:
        return from_text(value) if isinstance(value, str) else check(to_decimal(value))

    return BeforeValidator(read)


@lru_cache(maxsize=4096)  # a long bill repeats its fee times
def _time_text(value: str) -> datetime:
    if _CANONICAL_TIME.fullmatch(value):
        # The form every export writes, read in C (strptime took a third of parsing a long
        # bill); the same datetime strptime gives, and out-of-range fields raise ValueError too.
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be yyyy-MM-dd HH:mm:ss (ASCII digits)") from None
    # strptime's %Y/%d also match full-width and other Unicode digits: ASCII only.
    try:
        if not value.isascii():
            raise ValueError
        return datetime.strptime(value, _DATETIME)
    except ValueError:
        raise ValueError("must be yyyy-MM-dd HH:mm:ss (ASCII digits)") from None


def _timestamp(value: Any) -> Any:
    if isinstance(value, str):
        return _time_text(value)
    if isinstance(value, int | float | Decimal):
        # pydantic would read a number as a Unix timestamp in UTC: 8 hours off China time.
        raise ValueError("must be yyyy-MM-dd HH:mm:ss text, not a number (a Unix timestamp?)")
    return value


def _text(value: Any) -> Any:
    if isinstance(value, str):
        if not value.isascii():  # ASCII text has no lone surrogate: most codes need no encoding
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("contains a lone surrogate (not valid Unicode text)") from None
        return value
    # HIS exports often write codes as numbers ("feedetl_sn": 1); read them as text.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _optional_text(value: Any) -> Any:
    return "" if value is None else _text(value)


def _required(value: str) -> str:
    # str.isspace covers U+3000 (ideographic space) and every other Unicode space.
    if not value or value.isspace():
        raise ValueError("must not be blank")
    return value


def _code(value: str) -> str:
    """Codes: surrounding whitespace (U+3000 included) is never part of a code; none is blank."""
    value = value.strip()  # strips what str.isspace calls space: nothing left of a blank code
    if not value:
        raise ValueError("must not be blank")
    return value


@lru_cache(maxsize=4096)  # a long bill repeats a handful of diagnoses on every line
def _diagnosis_code(value: str) -> str:
    """One spelling for a diagnosis everywhere: an ICD-10 code normalised (``e11.900`` → ``E11.900``)."""
    value = value.strip()
    try:
        return parse_icd(value) if value else value
    except MalformedCodeError:
        return value  # a hospital-local code, mapped later by the local diagnosis table


Quantity = Annotated[Decimal, _number(_positive_quantity)]
UnitPrice = Annotated[Decimal, _number(_price)]
Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
# json_schema_input_type: the JSON Schema (OpenAPI of `opsp serve`) says what is accepted — a code
# may be written as a number, an optional text as null.
_TEXT = BeforeValidator(_text, json_schema_input_type=str | int)
_OPTIONAL = BeforeValidator(_optional_text, json_schema_input_type=str | int | None)
Text = Annotated[str, _TEXT, AfterValidator(_required)]
OptionalText = Annotated[str, _OPTIONAL]
Code = Annotated[str, _TEXT, AfterValidator(_code)]
DiagnosisCode = Annotated[str, _TEXT, AfterValidator(_diagnosis_code), AfterValidator(_required)]
OptionalDiagnosisCode = Annotated[str, _OPTIONAL, AfterValidator(_diagnosis_code)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Patient(_Strict):
    """The credential presented at the cashier, and optionally the insurance to use."""

    mdtrt_cert_type: Literal["01", "02", "03"]
    mdtrt_cert_no: Text = Field(repr=False)
    card_sn: OptionalText = Field(default="", repr=False)
    insutype: OptionalText = ""

    @model_validator(mode="after")
    def _card_needs_card_sn(self) -> Patient:
        if self.mdtrt_cert_type == "03" and not self.card_sn:
            raise ValueError("card_sn is required for a social security card (mdtrt_cert_type 03)")
        return self


class VisitInfo(_Strict):
    """The outpatient visit as registered in the HIS (2201/2203 fields)."""

    ipt_otp_no: Text
    begntime: Timestamp
    dept_code: Text
    dept_name: Text
    caty: Text
    atddr_no: Text
    dr_name: Text
    main_cond_dscr: OptionalText = ""


class Diagnosis(_Strict):
    """A diagnosis in the hospital's dictionary (ICD-10 医保版, or a hospital-local code)."""

    diag_code: DiagnosisCode
    diag_name: Text
    diag_type: Literal["1", "2", "3", "4"] = "1"
    diag_dept: OptionalText = ""
    dise_dor_no: OptionalText = ""
    dise_dor_name: OptionalText = ""
    diag_time: Timestamp | None = None


class Item(_Strict):
    """One fee line of the bill (2204 ``feedetail`` fields in the hospital's codes)."""

    feedetl_sn: Code
    medins_list_codg: Code
    cnt: Quantity
    pric: UnitPrice
    fee_ocur_time: Timestamp
    diag_code: OptionalDiagnosisCode = ""
    """The diagnosis this item was ordered for (one of the visit's); empty when unknown."""
    hosp_appr_flag: Literal["0", "1", "2"] = "0"
    medins_list_name: OptionalText = ""
    rxno: OptionalText = ""
    rx_circ_flag: Literal["0", "1"] = "0"
    bilg_dept_codg: OptionalText = ""
    bilg_dept_name: OptionalText = ""
    bilg_dr_codg: OptionalText = ""
    bilg_dr_name: OptionalText = ""
    sin_dos_dscr: OptionalText = ""
    used_frqu_dscr: OptionalText = ""
    prd_days: Annotated[Decimal, _number(_days)] = Decimal(0)
    """周期天数, N4,2 on the wire."""
    medc_way_dscr: OptionalText = ""
    tcmdrug_used_way: OptionalText = ""


class Visit(_Strict):
    """A whole bill: who, which visit, which diagnoses, which fee lines."""

    patient: Patient
    visit: VisitInfo
    diagnoses: tuple[Diagnosis, ...] = Field(min_length=1)
    items: tuple[Item, ...] = Field(min_length=1)
    acct_used_flag: Literal["0", "1"] = "0"
    refused_chronic: Literal["ordinary", "self_pay"] | None = None
    """Where the items of a filed disease that cannot be settled directly here, but may be claimed at the
    insured place, go: ``ordinary`` (settled as 普通门诊: the receipt is used) or ``self_pay`` (collected in
    full, the receipt kept for the manual claim, the details queued for upload). The cashier asks the
    patient; with no answer such a bill is planned but not settled (issue #14)."""

    @model_validator(mode="after")
    def _consistent(self) -> Visit:
        problems = _consistency_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _consistency_problems(visit: Visit) -> list[str]:
    problems: list[str] = []
    codes = [d.diag_code for d in visit.diagnoses]
    known = frozenset(codes)
    total = Decimal(0)
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"diagnoses: diag_code {code} appears more than once")
    seen: set[str] = set()
    for index, item in enumerate(visit.items):
        if item.feedetl_sn in seen:
            problems.append(f"{_where(index, item)}.feedetl_sn: duplicate within the visit")
        seen.add(item.feedetl_sn)
        if item.diag_code and item.diag_code not in known:
            problems.append(
                f"{_where(index, item)}.diag_code: {item.diag_code} is not one of the visit's diagnoses"
            )
        line = _EXACT.multiply(item.cnt, item.pric)
        total += line
        if not fits_digits(line, AMOUNT_PLACES):
            problems.append(f"{_where(index, item)}: cnt × pric = {line} is beyond an amount's N16,2")
    if not fits_digits(total, AMOUNT_PLACES):
        problems.append(f"items: the bill's total {total} is beyond an amount's N16,2")
    return problems


def _where(index: int, item: Item) -> str:
    return f"items[{index}] (feedetl_sn {item.feedetl_sn})"


def parse_visit(document: object) -> Visit:
    """Validate a decoded visit document; ``InputError`` lists every problem with its place."""
    if isinstance(document, Visit):
        return document
    try:
        return Visit.model_validate(document)
    except ValidationError as error:
        raise InputError(_describe(error, document)) from error


def load_visit(path: str | Path) -> Visit:
    """Read and validate a visit JSON file."""
    path = Path(path)
    try:
        document = decode(path.read_bytes())
    except OSError as error:
        raise InputError(f"cannot read visit file {path}: {error.strerror}") from error
    except ValueError as error:  # UnicodeDecodeError and the codec's own depth limit included
        raise InputError(f"visit file {path} is not valid JSON: {error}") from error
    return parse_visit(document)


def _describe(error: ValidationError, document: object) -> str:
    lines = []
    for problem in error.errors():
        where = _place(problem["loc"], document)
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "invalid visit: " + "; ".join(lines)


def _place(location: tuple[int | str, ...], document: object) -> str:
    """``items.2.pric`` → ``items[2] (feedetl_sn 3).pric``: name the item the cashier knows."""
    parts: list[str] = []
    node: Any = document
    for step in location:
        if isinstance(step, int):
            parts[-1] += f"[{step}]"
            node = node[step] if isinstance(node, list | tuple) and step < len(node) else None
            if isinstance(node, dict) and "feedetl_sn" in node:
                parts[-1] += f" (feedetl_sn {node['feedetl_sn']})"
        else:
            parts.append(step)
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)

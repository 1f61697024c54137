"""Field types shared by the transaction models: the spec's types, parsed leniently.

PROTOCOL.md says: accept every variant it names when parsing, send the national
form. So numbers arrive as JSON numbers *or* strings and are read as ``Decimal``
(never float); dictionary codes may arrive as numbers (``"chrgitm_lv": 1``) and are
read as strings, with ``chrgitm_lv`` normalised to the two-digit form; empty
strings in optional fields mean "absent". Dates go out as ``yyyy-MM-dd`` and
date-times as ``yyyy-MM-dd HH:mm:ss`` (PROTOCOL.md §1.6).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, PlainSerializer

from .._money import AMOUNT_PLACES, PRICE_PLACES, QUANTITY_PLACES, RATIO_PLACES, has_places, to_decimal

__all__ = [
    "Amount",
    "ChargeLevel",
    "Code",
    "ExpContent",
    "ListOf",
    "OptionalAmount",
    "OptionalCode",
    "OptionalDate",
    "OptionalDateTime",
    "OptionalNumber",
    "OptionalPrice",
    "OptionalRatio",
    "Price",
    "Quantity",
    "Ratio",
    "WireDate",
    "WireDateTime",
]

T = TypeVar("T")

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _number(value: Any) -> Decimal:
    return to_decimal(value)


def _places(places: int) -> Callable[[Any], Decimal]:
    # Read and checked in one validator: every number of every answer passes here (one Python call
    # per field instead of two, docs/benchmarks.md).
    def check(value: Any) -> Decimal:
        # The decoder's own Decimal, written with no more places than allowed, as almost every
        # amount arrives: its text says so in a third of the time of has_places (whose as_tuple
        # builds a named tuple). The text of a finite Decimal without an exponent ("E", or "e" in a
        # context with capitals=0) has exactly -exponent digits after its point; any other value
        # takes the general path below.
        if type(value) is Decimal and value.is_finite():
            text = str(value)
            if "E" not in text and "e" not in text:
                point = text.find(".")
                if point < 0 or len(text) - point - 1 <= places:
                    return value
        number = to_decimal(value)
        if not has_places(number, places):
            raise ValueError(f"more than {places} decimal places: {number}")
        return number

    return check


Amount = Annotated[Decimal, BeforeValidator(_places(AMOUNT_PLACES))]
"""N16,2: money to the fen."""
Price = Annotated[Decimal, BeforeValidator(_places(PRICE_PLACES))]
"""N16,6: unit price and price cap."""
Quantity = Annotated[Decimal, BeforeValidator(_places(QUANTITY_PLACES))]
"""N16,4: quantity."""
Ratio = Annotated[Decimal, BeforeValidator(_places(RATIO_PLACES))]
"""N5,4: a proportion such as selfpay_prop."""


def _code(value: Any) -> Any:
    if type(value) is str:  # the usual case, first: no isinstance chain for it
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    return value


Code = Annotated[str, BeforeValidator(_code)]
"""A dictionary code or identifier; numbers sent by some platforms are read as text."""


def _charge_level(value: Any) -> Any:
    text = _code(value)
    # National text writes 1/2/3, Hunan and live data 01/02/03 (PROTOCOL.md §4).
    if isinstance(text, str) and text in {"1", "2", "3"}:
        return "0" + text
    return text


def _optional_code(value: Any) -> Any:
    return "" if value is None else _code(value)


OptionalCode = Annotated[str, BeforeValidator(_optional_code)]
"""An optional code or text: ``null`` reads as ``""`` (live answers send both for "no value")."""


ChargeLevel = Annotated[str, BeforeValidator(_charge_level)]
"""收费项目等级, normalised to ``01`` 甲 / ``02`` 乙 / ``03`` 丙."""


def _blank_is_none(value: Any) -> Any:
    if value is None:
        return None
    kind = type(value)
    if kind is Decimal or kind is int:
        # Never blank; and Decimal's == against a str asks numbers.Rational (an ABC) first.
        return value
    return None if value == "" else value


WireDate = Annotated[
    date,
    BeforeValidator(lambda v: v[:10] if isinstance(v, str) and len(v) > 10 else v),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
]
"""``yyyy-MM-dd``; a date-time string is cut to its date part."""


def _wire_datetime(moment: datetime) -> str:
    """``moment.strftime(DATETIME_FORMAT)`` from its fields, in about half the time (every fee line
    of every 2204 carries one)."""
    if moment.year < 1000:  # strftime writes such a year with as many digits as the C library likes
        return moment.strftime(DATETIME_FORMAT)
    return "%d-%02d-%02d %02d:%02d:%02d" % (  # noqa: UP031 - printf is the quickest here
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )


WireDateTime = Annotated[datetime, PlainSerializer(_wire_datetime, return_type=str)]
"""``yyyy-MM-dd HH:mm:ss``."""


def _list_of(value: Any) -> Any:
    # Some regions send a single object where the spec has an array (PROTOCOL.md §3.2,
    # §3.7), and failures may omit the node altogether.
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        return [value]
    return value


ListOf = Annotated[tuple[T, ...], BeforeValidator(_list_of)]
"""An array node (kept as an immutable tuple) that may also arrive as one object, null, or not at all."""


def _exp_content(value: Any) -> Any:
    return "" if value is None else value


ExpContent = Annotated[str | dict[str, Any], BeforeValidator(_exp_content)]
"""字段扩展: a JSON string (HN), sometimes an object; kept as received."""


OptionalDate = Annotated[WireDate | None, BeforeValidator(_blank_is_none)]
"""An optional date: ``""`` and ``null`` both mean absent."""
OptionalDateTime = Annotated[WireDateTime | None, BeforeValidator(_blank_is_none)]
"""An optional date-time: ``""`` and ``null`` both mean absent."""
OptionalAmount = Annotated[Amount | None, BeforeValidator(_blank_is_none)]
"""An optional amount (``crt_payb_lmt_amt`` is often null in live data)."""
OptionalPrice = Annotated[Price | None, BeforeValidator(_blank_is_none)]
"""An optional price (``pric_uplmt_amt`` is absent for items without a cap)."""
OptionalRatio = Annotated[Ratio | None, BeforeValidator(_blank_is_none)]
"""An optional proportion (``selfpay_prop``, ``pool_prop_selfpay``)."""
_Exact = Annotated[Decimal, BeforeValidator(_number)]
OptionalNumber = Annotated[_Exact | None, BeforeValidator(_blank_is_none)]
"""An optional number read exactly, for the odd non-money figure (``age`` N4,1, ``prd_days`` N4,2)."""

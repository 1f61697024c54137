"""Money and quantity as ``Decimal``: parsing at the boundary and named rounding.

Floats are refused wherever a number enters the adapter (a float cannot hold 0.1
exactly, and one fen of drift is a reconciliation failure). Precision follows the
national interface (PROTOCOL.md conventions; DOMAIN.md §2.1): amounts 2 decimals,
``pric``/``pric_uplmt_amt`` 6, ``cnt`` 4, ``selfpay_prop`` 4. Rounding always names
its mode; the ambient decimal context is never relied on.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "AMOUNT_PLACES",
    "CENT",
    "PRICE_PLACES",
    "QUANTITY_PLACES",
    "RATIO_PLACES",
    "TOTAL_DIGITS",
    "fits_digits",
    "has_places",
    "round_amount",
    "to_decimal",
]

CENT = Decimal("0.01")
AMOUNT_PLACES = 2
PRICE_PLACES = 6
QUANTITY_PLACES = 4
RATIO_PLACES = 4
TOTAL_DIGITS = 16
"""Every number of the interface is N16,p: 16 digits in all, p of them after the point."""

# ASCII only: Decimal() also reads full-width and other Unicode digits ("１２", "٦٠"), which no
# platform field accepts. An exponent is allowed ("1E+2"); the size check follows.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?", re.ASCII)


def to_decimal(value: object) -> Decimal:
    """Read ``value`` as an exact Decimal.

    Accepts ``Decimal``, ``int`` and numeric strings; refuses ``float`` and ``bool``
    (``True`` is an ``int`` in Python, never a quantity) and non-finite values.
    Raises ``ValueError`` naming the problem (a ``ValueError`` so that pydantic
    validators report it with its field instead of aborting validation).
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        raise ValueError("floats are not accepted for money or quantities; pass a str or Decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text.isascii():
            raise ValueError(f"not a number: {value!r} (digits must be ASCII 0-9)")
        if _NUMBER.fullmatch(text) is None:
            raise ValueError(f"not a number: {value!r}")
        try:
            result = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def has_places(value: Decimal, places: int) -> bool:
    """True when ``value`` needs no more than ``places`` decimals (``1.230`` has 2).

    Read from the digits, not by quantizing: quantize raises ``InvalidOperation`` once
    the result has more digits than the context's precision (28), e.g. on a 25-digit price.
    """
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return False  # NaN / infinity
    if exponent >= -places:
        return True  # written with no more decimals than allowed: nothing to strip
    significant = list(digits)
    while exponent < -places and significant and significant[-1] == 0:
        significant.pop()
        exponent += 1
    return exponent >= -places or not any(significant)


def fits_digits(value: Decimal, places: int, *, total: int = TOTAL_DIGITS) -> bool:
    """True when ``value`` has at most ``total - places`` digits before the point (N16,p)."""
    return value.is_finite() and (value.is_zero() or value.adjusted() < total - places)


def round_amount(value: Decimal) -> Decimal:
    """Round to the fen, half up: the rule the platform applies (DEMO_DATA.md, DOMAIN.md §2.3)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)

"""Decimal helpers: the wire's precisions and the one rounding mode the platform uses.

PROTOCOL.md §3.8 / DOMAIN.md §2.1: amounts N16,2, `cnt` N16,4, `pric` and `pric_uplmt_amt` N16,6,
`selfpay_prop` and ratios N5,4. Rounding is ROUND_HALF_UP to the cent (DEMO_DATA.md "Benefit policies": per
line for 先行自付 and over-limit, per settlement for the fund amount), always named, never the ambient
context.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")
PRICE = Decimal("0.000001")
COUNT = Decimal("0.0001")
ZERO = Decimal("0.00")


def round2(value: Decimal) -> Decimal:
    """An amount rounded half-up to the cent (N16,2)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ratio4(value: Decimal) -> Decimal:
    """A ratio with 4 decimals (N5,4)."""
    return value.quantize(RATIO, rounding=ROUND_HALF_UP)


def price6(value: Decimal) -> Decimal:
    """A unit price with 6 decimals (N16,6)."""
    return value.quantize(PRICE, rounding=ROUND_HALF_UP)


def count4(value: Decimal) -> Decimal:
    """A quantity with 4 decimals (N16,4)."""
    return value.quantize(COUNT, rounding=ROUND_HALF_UP)


def negated(value: Decimal, sign: int = -1) -> Decimal:
    """`value` times `sign` (±1) without a negative zero (`-0.00` would go on the wire as written)."""
    return value if sign > 0 else -value  # unary minus turns 0.00 into 0.00, multiplication into -0.00


def plain(value: Decimal) -> str:
    """A number for a human message: trailing zeros dropped down to 2 decimals (180.000000 -> 180.00)."""
    reduced = value.normalize()
    if decimals(reduced) < 2:
        reduced = reduced.quantize(CENT)
    return format(reduced, "f")


def decimals(value: Decimal) -> int:
    """How many decimal places a Decimal is written with (`1.50` -> 2, `3` -> 0)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0

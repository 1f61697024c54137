"""ICD-10 pattern specs used by the rule and region tables: grammar, parser and matcher.

China's 医保版 ICD-10 extends WHO codes (``I10.x09``, ``N18.902``, ``Z94.002``), so rules match on the
3-character category and, where needed, the first subcategory digit (DOMAIN.md §3.2). A spec is a
``|``-separated list of alternatives; each alternative is::

    CAT            one category                          I10
    CAT-CAT        a range of categories (same letter)   I10-I15
    CAT.D          one category, subcategory digit D     Z94.0
    CAT.D-D        one category, subcategory range       K74.3-6
    CAT-CAT.D      each category of the range, digit D   E10-E14.2   (= E10.2, E11.2, ..., E14.2)

A code whose subcategory starts with ``x`` (``I10.x09``: no WHO subdivision) only matches alternatives
without a subcategory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mappings.codes import IcdCode

_ALTERNATIVE = re.compile(
    r"(?P<letter>[A-Z])(?P<lo>[0-9]{2})(?:-(?P<letter2>[A-Z])(?P<hi>[0-9]{2}))?"
    r"(?:\.(?P<sub_lo>[0-9])(?:-(?P<sub_hi>[0-9]))?)?",
    re.ASCII,
)


@dataclass(frozen=True, slots=True)
class _Alternative:
    letter: str
    lo: int
    hi: int
    sub_lo: int | None
    sub_hi: int | None

    def categories(self) -> Iterator[str]:
        for number in range(self.lo, self.hi + 1):
            yield f"{self.letter}{number:02d}"

    def matches(self, category: str, sub: str | None) -> bool:
        if category[0] != self.letter or not self.lo <= int(category[1:]) <= self.hi:
            return False
        if self.sub_lo is None:
            return True
        if sub is None or not sub.isdigit():
            return False
        assert self.sub_hi is not None
        return self.sub_lo <= int(sub) <= self.sub_hi


@dataclass(frozen=True, slots=True)
class IcdPattern:
    """A parsed spec; ``str()`` gives the spec back."""

    spec: str
    alternatives: tuple[_Alternative, ...]

    def categories(self) -> frozenset[str]:
        """Every 3-character category some alternative can match (used to index rules)."""
        return frozenset(cat for alternative in self.alternatives for cat in alternative.categories())

    def matches(self, code: IcdCode) -> bool:
        category, sub = split_icd(code)
        return any(alternative.matches(category, sub) for alternative in self.alternatives)

    def __str__(self) -> str:
        return self.spec


def split_icd(code: IcdCode) -> tuple[str, str | None]:
    """``N18.902`` -> ``("N18", "9")``; ``I10.x09`` -> ``("I10", "x")``; ``E11`` -> ``("E11", None)``."""
    return code[:3], (code[4] if len(code) > 4 else None)


def parse_pattern(spec: str) -> IcdPattern:
    """Parse a spec; raises ``ValueError`` naming the bad alternative."""
    text = spec.strip()
    alternatives = tuple(_parse_alternative(part.strip()) for part in text.split("|"))
    return IcdPattern(text, alternatives)


def _parse_alternative(text: str) -> _Alternative:
    match = _ALTERNATIVE.fullmatch(text)
    if match is None:
        raise ValueError(f"bad ICD pattern {text!r}")
    letter, lo = match["letter"], int(match["lo"])
    hi = int(match["hi"]) if match["hi"] is not None else lo
    if match["letter2"] not in (None, letter) or hi < lo:
        raise ValueError(f"bad ICD category range {text!r}")
    sub_lo = int(match["sub_lo"]) if match["sub_lo"] is not None else None
    sub_hi = int(match["sub_hi"]) if match["sub_hi"] is not None else sub_lo
    if sub_lo is not None and sub_hi is not None and sub_hi < sub_lo:
        raise ValueError(f"bad ICD subcategory range {text!r}")
    return _Alternative(letter, lo, hi, sub_lo, sub_hi)

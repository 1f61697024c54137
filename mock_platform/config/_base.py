"""Shared building blocks of the data-file models: frozen models, provenance and constrained types.

Every row of a data file says where it comes from (`source`: a seed and clause, DEMO_DATA.md, or the word
"illustrative"); values a seed does not give are listed by field name in `illustrative` (DEMO_DATA.md asks to
keep that word next to them). Amounts are `Decimal`: the loader parses TOML floats with `parse_float=Decimal`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

Relation = Literal["local", "in_province", "cross_province"]
RELATIONS: tuple[Relation, ...] = ("local", "in_province", "cross_province")

Admdvs = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
FixmedinsCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]\d{11}$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=r"^\S+$")]
Text = Annotated[str, StringConstraints(min_length=1)]
DedcHospLv = Literal["01", "02", "03"]


def _money(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError("an amount must be a finite number >= 0")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("an amount has at most 2 decimals (PROTOCOL.md: N16,2)")
    return value


def _ratio(value: Decimal) -> Decimal:
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(1):
        raise ValueError("a ratio must lie between 0 and 1")
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValueError("a ratio has at most 4 decimals (PROTOCOL.md: N5,4)")
    return value


Money = Annotated[Decimal, AfterValidator(_money)]
Ratio = Annotated[Decimal, AfterValidator(_ratio)]


class FrozenModel(BaseModel):
    """Immutable, and unknown keys are errors: a typo in a data file must fail at load."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(FrozenModel):
    """A row with provenance."""

    source: Text
    illustrative: tuple[str, ...] = Field(default=())

    @model_validator(mode="after")
    def _illustrative_names_fields(self) -> Sourced:
        unknown = [name for name in self.illustrative if name not in type(self).model_fields]
        if unknown:
            raise ValueError(f"illustrative names unknown fields: {', '.join(unknown)}")
        return self

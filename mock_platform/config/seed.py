"""The seed document (`MockPlatform.seed`, `POST /_mock/seed`): extra data validated like the shipped files.

Every part uses the model of the file it extends, so seeded data obeys the same rules, provenance included:

* ``people``: [Person], the shape of config/demo/people.toml ``[[person]]`` (insurance, filings, 备案);
* ``hospitals``: [Hospital], the shape of config/demo/hospitals.toml ``[[hospital]]`` (+ `item_map` file);
* ``policies``: [RegionPolicy], the shape of config/policies/<admdvs>.toml;
* ``payment_scope``: [ScopeEntry], the columns of payment_scope_<province>.csv (lists as JSON arrays);
* ``item_map``: [SeededItem], the columns of item_map_*.csv plus fixmedins_code (目录对照 rows, 3301);
* ``region_catalogue``: [CatalogueRow], the columns of region_catalogues.csv.

Amounts are Decimals (JSON numbers decoded as Decimal, or strings); a Python float is refused, as everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import StringConstraints, ValidationError

from mock_platform.config._base import FrozenModel
from mock_platform.config.loader import format_location
from mock_platform.config.people import Person
from mock_platform.config.platform import Hospital
from mock_platform.config.policies import RegionPolicy
from mock_platform.config.tables import CatalogueRow, ItemMapRow, ScopeEntry
from mock_platform.errors import SeedError


class SeededItem(ItemMapRow):
    """A 目录对照 row for one hospital."""

    fixmedins_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]\d{11}$")]


class SeedDocument(FrozenModel):
    people: tuple[Person, ...] = ()
    hospitals: tuple[Hospital, ...] = ()
    policies: tuple[RegionPolicy, ...] = ()
    payment_scope: tuple[ScopeEntry, ...] = ()
    item_map: tuple[SeededItem, ...] = ()
    region_catalogue: tuple[CatalogueRow, ...] = ()

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in type(self).model_fields}


def parse_seed(document: Any) -> SeedDocument:
    """Validate a seed document, raising `SeedError` naming the first bad field (`people[0].certno: …`)."""
    if not isinstance(document, Mapping):
        raise SeedError("(document)", "a seed document is a JSON object")
    float_path = _find_float(document, ())
    if float_path is not None:
        raise SeedError(format_location(float_path), "amounts must be decimals (or strings), never floats")
    try:
        return SeedDocument.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SeedError(format_location(tuple(error["loc"])) or "(document)", message) from exc


def _find_float(value: Any, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    if isinstance(value, float):
        return path
    if isinstance(value, Mapping):
        items: list[tuple[str | int, Any]] = [(str(key), item) for key, item in value.items()]
    elif isinstance(value, list | tuple):
        items = list(enumerate(value))
    else:
        return None
    for key, item in items:
        found = _find_float(item, (*path, key))
        if found is not None:
            return found
    return None

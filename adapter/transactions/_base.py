"""What a transaction is: its infno, its input and output models, and whether it changes state.

Whether a transaction changes platform state decides how failures are handled
(STYLE.md §4): queries are retried with the same msgid; state-changing calls are
never retried after anything might have reached the platform, and an ambiguous end
becomes ``OutcomeUnknownError`` for the execution layer to resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

__all__ = ["InputModel", "OutputModel", "Transaction", "exp_content_field"]


class InputModel(BaseModel):
    """Base of request models: strict about unknown fields, immutable."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def to_wire(self) -> dict[str, Any]:
        """The ``input`` object as sent: national field names, no nulls.

        PROTOCOL.md §1.6: an empty value is sent as ``""`` (numbers as 0; our numeric
        request fields always carry a value).
        """
        dumped: dict[str, Any] = _without_nulls(self.model_dump(mode="python", by_alias=True))
        return dumped


class OutputModel(BaseModel):
    """Base of response models: tolerant of extra fields, immutable."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


def exp_content_field() -> Any:
    """A ``exp_content`` field that also accepts the national spelling ``expContent``."""
    return Field(default="", validation_alias=AliasChoices("exp_content", "expContent"))


def _without_nulls(value: dict[str, Any]) -> dict[str, Any]:
    """``None`` as ``""``, in place: the dict is a fresh dump, nothing else holds it."""
    for key, item in value.items():
        if item is None:
            value[key] = ""
        elif type(item) is dict:
            _without_nulls(item)
        elif type(item) is list or type(item) is tuple:
            value[key] = _items_without_nulls(item)
    return value


def _items_without_nulls(items: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [
        _without_nulls(item)
        if type(item) is dict
        else ""
        if item is None
        else _items_without_nulls(item)
        if type(item) is list or type(item) is tuple
        else item
        for item in items
    ]


InT = TypeVar("InT", bound=InputModel)
OutT = TypeVar("OutT", bound=OutputModel)


@dataclass(frozen=True)
class Transaction(Generic[InT, OutT]):
    """One national-interface transaction."""

    infno: str
    title: str
    input_model: type[InT]
    output_model: type[OutT]
    changes_state: bool
    requires_sign_in: bool = True
    list_output_node: str | None = None
    """For a transaction whose ``output`` is an array with no node name (5204,
    PROTOCOL.md §3.14): the output model's field that array is read into."""
    file_output: bool = False
    """The platform answers the bytes of a file instead of an envelope (9102, PROTOCOL.md §1.1); the
    output model has one field, ``content``."""

    def parse_output(self, output: object) -> OutT:
        """Validate the envelope's ``output`` (missing or null reads as an empty object).

        A bare array is accepted only where the transaction declares
        ``list_output_node``; anywhere else it fails validation as before.
        """
        if output is None:
            output = {}
        elif isinstance(output, list) and self.list_output_node is not None:
            output = {self.list_output_node: output}
        return self.output_model.model_validate(output)

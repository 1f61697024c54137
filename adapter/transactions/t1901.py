"""1901 字典表查询 (PROTOCOL.md §3.16): the entries of one dictionary.

Casing differs by region: JX (national) sends and answers camelCase (``parentValue``, ``valiFlag``,
``createUser``), HN takes ``parent_value`` / ``Vali_Flag``, NT answers snake_case. The request is sent in the
national casing; the answer is read in any of them.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from ._base import InputModel, OutputModel, Transaction
from ._fields import Code, ListOf, OptionalCode, WireDate

__all__ = ["TRANSACTION", "DictionaryEntry", "DictionaryQuery", "Input", "Output"]


class DictionaryQuery(InputModel):
    type: str
    parent_value: str = Field(default="", alias="parentValue")
    admdvs: str
    date: WireDate
    vali_flag: str = Field(default="1", alias="valiFlag")


class Input(InputModel):
    data: DictionaryQuery


def _either(camel: str, snake: str) -> AliasChoices:
    return AliasChoices(camel, snake, camel[0].upper() + snake[1:])


class DictionaryEntry(OutputModel):
    type: Code
    label: str
    value: Code
    parent_value: OptionalCode = Field(default="", validation_alias=_either("parentValue", "parent_value"))
    sort: int | None = None
    vali_flag: OptionalCode = Field(default="1", validation_alias=_either("valiFlag", "vali_flag"))
    create_user: OptionalCode = Field(default="", validation_alias=_either("createUser", "create_user"))
    create_date: OptionalCode = Field(default="", validation_alias=_either("createDate", "create_date"))
    version: OptionalCode = ""


class Output(OutputModel):
    list: ListOf[DictionaryEntry] = ()


TRANSACTION = Transaction(
    infno="1901", title="字典表查询", input_model=Input, output_model=Output, changes_state=False
)

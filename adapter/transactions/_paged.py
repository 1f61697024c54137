"""The paged wrapper of the catalogue queries 1312 / 1319 / 1320 (PROTOCOL.md §3.16).

The national text says only "无节点"; NT documents the wrapper (``pageNum``, ``pageSize``, ``size``,
``startRow``, ``endRow``, ``pages``, ``recordCounts``, ``firstPage``, ``lastPage``, ``data[]``). Some
platforms send the counts as strings, some omit the ones they do not use: only ``data`` and
``recordCounts`` are relied on, the rest defaults.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import AliasChoices, Field

from ._base import InputModel, OutputModel
from ._fields import ListOf

__all__ = ["PageQuery", "PagedOutput"]

RowT = TypeVar("RowT", bound=OutputModel)


class PageQuery(InputModel):
    """What every paged catalogue query takes: the cursor and the page."""

    updt_time: str
    """``yyyy-MM-dd`` (rows updated that day or later) or ``yyyy-MM-dd HH:mm:ss`` (rows updated after it)."""
    page_num: int = Field(ge=1, le=9999)
    page_size: int = Field(ge=1, le=9999)
    insu_admdvs: str = ""
    hilist_code: str = ""
    list_type: str = ""


class PagedOutput(OutputModel, Generic[RowT]):
    page_num: int = Field(default=1, validation_alias=AliasChoices("pageNum", "page_num"))
    page_size: int = Field(default=0, validation_alias=AliasChoices("pageSize", "page_size"))
    pages: int = 0
    record_counts: int = Field(validation_alias=AliasChoices("recordCounts", "record_counts"))
    data: ListOf[RowT] = ()

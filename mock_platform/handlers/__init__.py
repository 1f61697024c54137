"""Transaction handlers, one module per family (the adapter uses the same family names).

* `signin`    9001 签到, 9002 签退
* `person`    1101 人员信息获取, 5301 人员慢特病备案查询
* `treatment` 2001 人员待遇享受检查

A handler takes a `HandlerContext` and returns the `output` object, or raises `RequestError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mock_platform.handlers import person, signin, treatment
from mock_platform.handlers._base import HandlerContext, Transaction

TRANSACTIONS: Mapping[str, Transaction] = MappingProxyType(
    {t.infno: t for family in (signin, person, treatment) for t in family.TRANSACTIONS}
)

__all__ = ["TRANSACTIONS", "HandlerContext", "Transaction"]

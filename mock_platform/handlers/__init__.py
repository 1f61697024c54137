"""Transaction handlers, one module per family (the adapter uses the same family names).

* `signin`     9001 签到, 9002 签退
* `person`     1101 人员信息获取, 5301 人员慢特病备案查询
* `filing`     2503 人员慢特病备案, 2504 人员慢特病备案撤销
* `treatment`  2001 人员待遇享受检查
* `visit`      2201 门诊挂号, 2202 门诊挂号撤销, 2203 门诊就诊信息上传
* `fee`        2204 门诊费用明细信息上传, 2205 门诊费用明细信息撤销
* `settlement` 2206 门诊预结算, 2207 门诊结算, 2208 门诊结算撤销
* `reversal`   2601 冲正交易
* `query`      5201 就诊信息查询, 5203 结算信息查询, 5204 费用明细查询, 5206 人员累计信息查询
* `reconcile`  3201 对总账, 3202 对明细账
* `ownpay`     4205 自费病人门诊就医信息上传, 4203 自费病人就诊以及费用明细上传完成
* `files`      9101 文件上传, 9102 文件下载 (9102 answers the file's bytes, not an envelope)
* `catalogue`  1312 医保目录信息查询, 1319 限价, 1320 先行自付比例, 1309 门诊慢特病种目录下载, 1901 字典表查询

A handler takes a `HandlerContext` and returns the `output` node (an object; 5204 an array), or raises
`RequestError`. The dispatcher runs it inside one SQLite transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mock_platform.handlers import (
    catalogue,
    fee,
    files,
    filing,
    ownpay,
    person,
    query,
    reconcile,
    reversal,
    settlement,
    signin,
    treatment,
    visit,
)
from mock_platform.handlers._base import HandlerContext, Transaction

TRANSACTIONS: Mapping[str, Transaction] = MappingProxyType(
    {
        t.infno: t
        for family in (
            signin,
            person,
            filing,
            treatment,
            visit,
            fee,
            settlement,
            reversal,
            query,
            reconcile,
            files,
            ownpay,
            catalogue,
        )
        for t in family.TRANSACTIONS
    }
)

__all__ = ["TRANSACTIONS", "HandlerContext", "Transaction"]

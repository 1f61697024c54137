"""Reconciliation: 3201 对总账, 3202 对明细账 (PROTOCOL.md §3.15); the rules are in `backend.statements`.

3201 answers `stmtinfo` {setl_optins, stmt_rslt 0 平 / 1 不平, stmt_rslt_dscr naming each total that
differs}. 3202 reads the detail file 9101 stored (TXT in ZIP, TAB-separated, the §3.15 column order; a
refund as its forward and its reverse row), checks the file against the totals sent with it, compares row
by row, stores the result file for the hospital and answers `fileinfo` {file_qury_no, filename, dld_endtime}
for 9102.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator

from mock_platform._time import format_datetime
from mock_platform.backend.files import read_table, zip_table
from mock_platform.backend.statements import (
    UPLOAD_COLUMNS,
    Period,
    Totals,
    UploadedRow,
)
from mock_platform.errors import RequestError
from mock_platform.handlers._base import HandlerContext, Transaction, input_node
from mock_platform.wire import ExpContent, OptStr, Req, WireModel


def _signed(value: Any) -> Decimal:
    # Totals may be negative (a day with more refunded than settled); never a float or a bool.
    if not isinstance(value, int | str | Decimal) or isinstance(value, bool) or value == "":
        raise ValueError("类型错误，应为数值")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise ValueError("类型错误，应为数值") from None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        raise ValueError("小数位数超过2位")
    return number


def _day(value: Any) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("日期格式应为yyyy-MM-dd")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("日期格式应为yyyy-MM-dd") from None


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise ValueError("应为非负整数")
    if len(str(value).strip()) > 10:  # N10
        raise ValueError("超过10位")
    return int(str(value).strip())


Signed = Annotated[Decimal, BeforeValidator(_signed)]
Day = Annotated[date, BeforeValidator(_day)]
Count = Annotated[int, BeforeValidator(_count)]


class TotalsInput(WireModel):
    insutype: Req
    clr_type: Req
    setl_optins: Req
    stmt_begndate: Day
    stmt_enddate: Day
    medfee_sumamt: Signed
    fund_pay_sumamt: Signed
    acct_pay: Signed
    fixmedins_setl_cnt: Count
    refd_setl_flag: OptStr = ""
    exp_content: ExpContent


class DetailInput(WireModel):
    setl_optins: Req
    file_qury_no: Req
    stmt_begndate: Day
    stmt_enddate: Day
    medfee_sumamt: Signed
    fund_pay_sumamt: Signed
    cash_payamt: Signed
    fixmedins_setl_cnt: Count
    clr_type: Req
    refd_setl_flag: OptStr = ""
    exp_content: ExpContent


def totals(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", TotalsInput)
    period = Period(
        fixmedins_code=context.envelope.fixmedins_code,
        setl_optins=data.setl_optins,
        clr_type=data.clr_type,
        begin=data.stmt_begndate,
        end=data.stmt_enddate,
        insutype=data.insutype,
        refd_setl_flag=data.refd_setl_flag,
    )
    hospital = Totals(
        data.medfee_sumamt, data.fund_pay_sumamt, data.acct_pay, Decimal(0), data.fixmedins_setl_cnt
    )
    difference = context.backend.statements.compare_totals(period, hospital)
    return {
        "stmtinfo": {
            "setl_optins": data.setl_optins,
            "stmt_rslt": "1" if difference else "0",
            "stmt_rslt_dscr": difference or "对账平",
        }
    }


def details(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", DetailInput)
    code = context.envelope.fixmedins_code
    upload = context.backend.files.get(data.file_qury_no, fixmedins_code=code, now=context.now)
    uploaded = [_uploaded(number, row) for number, row in enumerate(read_table(upload.content, columns=7), 1)]
    sums = (
        sum((row.medfee_sumamt for row in uploaded), Decimal("0.00")),
        sum((row.fund_pay_sumamt for row in uploaded), Decimal("0.00")),
    )
    if sums != (data.medfee_sumamt, data.fund_pay_sumamt) or len(uploaded) != data.fixmedins_setl_cnt:
        raise RequestError(
            f"对账明细文件合计（医疗费总额{sums[0]}，基金支付总额{sums[1]}，{len(uploaded)}笔）"
            f"与交易输入（{data.medfee_sumamt}，{data.fund_pay_sumamt}，{data.fixmedins_setl_cnt}笔）不一致"
        )
    period = Period(
        fixmedins_code=code,
        setl_optins=data.setl_optins,
        clr_type=data.clr_type,
        begin=data.stmt_begndate,
        end=data.stmt_enddate,
        refd_setl_flag=data.refd_setl_flag,
    )
    rows = context.backend.statements.compare_rows(period, uploaded)
    name = f"stmt_{data.setl_optins}_{data.clr_type}_{data.stmt_begndate:%Y%m%d}_{data.stmt_enddate:%Y%m%d}"
    stored = context.backend.files.put(
        fixmedins_code=code, filename=f"{name}.zip", content=zip_table(f"{name}.txt", rows), now=context.now
    )
    return {
        "fileinfo": {
            "file_qury_no": stored.file_qury_no,
            "filename": stored.filename,
            "dld_endtime": format_datetime(stored.dld_endtime),
        }
    }


def _uploaded(number: int, row: list[str]) -> UploadedRow:
    values = dict(zip(UPLOAD_COLUMNS, row, strict=True))
    try:
        amounts = {name: _signed(values[name]) for name in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")}
    except ValueError as exc:
        raise RequestError(f"对账明细文件第{number}行金额格式错误：{exc}") from exc
    if not values["setl_id"] or values["refd_setl_flag"] not in ("0", "1"):
        raise RequestError(f"对账明细文件第{number}行结算ID为空或退费结算标志不是0/1")
    return UploadedRow(
        setl_id=values["setl_id"],
        mdtrt_id=values["mdtrt_id"],
        psn_no=values["psn_no"],
        refd_setl_flag=values["refd_setl_flag"],
        **amounts,
    )


TRANSACTIONS = (
    Transaction("3201", "对总账", totals),
    Transaction("3202", "对明细账", details),
)

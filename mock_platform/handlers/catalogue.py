"""Catalogues: 1312 医保目录, 1319 限价, 1320 先行自付比例, 1301-1309 目录下载, 1901 字典表 (§3.16).

* 1312 / 1319 / 1320 are paged queries of the published catalogue (`backend.catalogue`) by `updt_time`,
  answered in the paged wrapper NT documents (`pageNum`, `pageSize`, `size`, `startRow`, `endRow`, `pages`,
  `recordCounts`, `firstPage`, `lastPage`, `data[]`), rows in (updt_time, rid) order. `updt_time` is a date
  (rows updated on or after that day, as the national text's `D` says) or a `yyyy-MM-dd HH:mm:ss` time (rows
  updated strictly after it — where a client that remembers the last updt_time it saw resumes).
  `page_size` is 1..1000. Filters: `insu_admdvs`, `hilist_code`, `list_type`.
* 1309 answers `file_qury_no`, `filename`, `dld_end_time` and `data_cnt` of a ZIP the platform publishes
  (`fixmedins_code` "plc", fetched with 9102): the 16 TXT columns of §3.16, one row per national code of each
  region's disease catalogue, every row of version v0001 (the shipped region catalogues). `ver` is the
  client's newest version (`v0000` for everything); the file holds the rows of later versions only.
* 1301 西药中成药 / 1305 医疗服务项目 / 1306 医用耗材目录下载: the same catalogue as files, by version —
  `ver` the client's newest (`v0000` for everything); a `plc` ZIP of the rows whose version is later, in
  `ITEM_FILE_COLUMNS` (the national files' columns vary by region; these are the 1312/1319/1320 fields).
* 1901 answers `list[]` of one dictionary (a subset of PROTOCOL.md §4). Input in either casing §3.16
  reports (`parentValue` / `parent_value`, `valiFlag` / `vali_flag` / `Vali_Flag` / `vali_Flag`); the answer
  is camelCase (JX, national) unless the request was snake_case (NT documents snake_case output then).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from mock_platform._time import format_date, format_datetime
from mock_platform.backend.catalogue import BASE_UPDT_TIME, BASE_VERSION, CatalogueItem, Page
from mock_platform.backend.files import PUBLIC_OWNER, zip_table
from mock_platform.errors import RequestError
from mock_platform.handlers._base import HandlerContext, Transaction

MAX_PAGE_SIZE = 1000
_CREATED = format_datetime(BASE_UPDT_TIME)
_VERSION = re.compile(r"v[0-9]{4}")


def query_1312(context: HandlerContext) -> dict[str, Any]:
    return _paged(context, "1312", _item_row)


def query_1319(context: HandlerContext) -> dict[str, Any]:
    return _paged(context, "1319", _cap_row)


def query_1320(context: HandlerContext) -> dict[str, Any]:
    return _paged(context, "1320", _ratio_row)


def _paged(context: HandlerContext, source: str, shape: Any) -> dict[str, Any]:
    data = _data(context)
    after, inclusive = _updt_time(data.get("updt_time"))
    page_num = _count(data, "page_num", 9999)
    page_size = _count(data, "page_size", MAX_PAGE_SIZE)
    page = context.backend.catalogue.page(
        updated_after=after,
        inclusive=inclusive,
        page_num=page_num,
        page_size=page_size,
        source=source,
        insu_admdvs=_optional(data, "insu_admdvs"),
        hilist_code=_optional(data, "hilist_code"),
        list_type=_optional(data, "list_type"),
    )
    return _wrapper(page, [shape(row) for row in page.rows])


def _wrapper(page: Page, rows: list[dict[str, Any]]) -> dict[str, Any]:
    start = (page.page_num - 1) * page.page_size
    return {
        "pageNum": page.page_num,
        "pageSize": page.page_size,
        "size": len(rows),
        "startRow": start + 1 if rows else 0,
        "endRow": start + len(rows),
        "pages": page.pages,
        "recordCounts": page.record_count,
        "firstPage": 1,
        "lastPage": max(page.pages, 1),
        "data": rows,
    }


def _common(row: CatalogueItem) -> dict[str, Any]:
    return {
        "hilist_code": row.hilist_code,
        "insu_admdvs": row.insu_admdvs,
        "begndate": format_date(row.begndate),
        "enddate": format_date(row.enddate),
        "vali_flag": row.vali_flag,
        "rid": row.rid,
        "updt_time": format_datetime(row.updt_time),
    }


def _item_row(row: CatalogueItem) -> dict[str, Any]:
    return {
        **_common(row),
        "hilist_name": row.hilist_name,
        "med_chrgitm_type": row.med_chrgitm_type,
        "chrgitm_lv": row.chrgitm_lv,
        "lmt_used_flag": row.lmt_used_flag,
        "list_type": row.list_type,
        "med_use_flag": "1",
        "matn_used_flag": "0",
        "hilist_use_type": "1",
        "lmt_cpnd_type": "0",
        "crte_time": _CREATED,
    }


def _cap_row(row: CatalogueItem) -> dict[str, Any]:
    has_cap = row.pric_uplmt_amt is not None
    return {
        **_common(row),
        "vali_flag": row.vali_flag if has_cap else "0",
        "hilist_lmtpric_type": "1",
        "overlmt_dspo_way": "1",  # the part above the cap is self-paid (DOMAIN.md §2.2)
        "hilist_pric_uplmt_amt": row.pric_uplmt_amt if has_cap else "",
    }


def _ratio_row(row: CatalogueItem) -> dict[str, Any]:
    has_ratio = row.chrgitm_lv == "02" and row.selfpay_prop is not None
    return {
        **_common(row),
        "vali_flag": row.vali_flag if has_ratio else "0",
        "selfpay_prop": row.selfpay_prop if has_ratio else "",
    }


def download_1309(context: HandlerContext) -> dict[str, Any]:
    data = _data(context)
    ver = data.get("ver")
    if not isinstance(ver, str) or not _VERSION.fullmatch(ver):
        raise RequestError("交易输入[data.ver]格式错误，应为v加4位数字(如v0000)")
    rows = _disease_rows(context) if ver < BASE_VERSION else []
    filename = f"opsp_dise_list_{ver}_{BASE_VERSION}.txt"
    return _published(context, filename, rows)


def _published(context: HandlerContext, filename: str, rows: list[list[str]]) -> dict[str, Any]:
    """Store ``rows`` as a public ("plc") ZIP of one TXT table and answer where 9102 finds it (§3.16)."""
    stored = context.backend.files.put(
        fixmedins_code=PUBLIC_OWNER,
        filename=filename.replace(".txt", ".zip"),
        content=zip_table(filename, rows),
        now=context.now,
    )
    return {
        "file_qury_no": stored.file_qury_no,
        "filename": stored.filename,
        "dld_end_time": format_datetime(stored.dld_endtime),
        "data_cnt": len(rows),
    }


def _disease_rows(context: HandlerContext) -> list[list[str]]:
    """One row per (region, national code) of the region catalogues, in the 16 columns of §3.16."""
    seen: dict[tuple[str, str], list[str]] = {}
    stamp = format_datetime(BASE_UPDT_TIME)
    for row in context.backend.reference.coverage.rows():
        if row.kind != "national":
            continue
        key = (row.admdvs, row.benefit_code)
        if key in seen:
            continue
        seen[key] = [
            row.benefit_code,  # 1 opsp_dise_code
            row.category,  # 2 门慢门特病种大类名称
            "",  # 3 细分类名称
            row.admdvs,  # 4 医保区划
            "",  # 5 备注
            "1",  # 6 有效标志
            f"D{row.admdvs}{row.benefit_code}",  # 7 唯一记录号
            stamp,  # 8 创建时间
            stamp,  # 9 更新时间
            BASE_VERSION,  # 10 版本号
            "",  # 11 病种内涵
            "门慢门特病种目录 " + BASE_VERSION,  # 12 版本名称
            "",  # 13 诊疗指南页码
            "",  # 14 诊疗指南电子档案
            row.benefit_name,  # 15 opsp_dise_name
            row.benefit_code[:4],  # 16 opsp_dise_majcls_code
        ]
    return list(seen.values())


# -- 1301 / 1305 / 1306: the catalogue as files ------------------------------------------------------

# The national 1301-1319 downloads differ by region in their columns; the mock's files carry the rows it
# serves through 1312/1319/1320, one TAB-separated line each, in these columns.
ITEM_FILE_COLUMNS = (
    "hilist_code",
    "hilist_name",
    "insu_admdvs",
    "list_type",
    "med_chrgitm_type",
    "chrgitm_lv",
    "selfpay_prop",
    "pric_uplmt_amt",
    "lmt_used_flag",
    "begndate",
    "enddate",
    "vali_flag",
    "rid",
    "updt_time",
    "ver",
)
_FILE_FAMILIES = {"1301": ("10",), "1305": ("20",), "1306": ("30",)}  # list_type 10x drugs, 201, 301


def download_items(context: HandlerContext) -> dict[str, Any]:
    infno = context.envelope.infno
    data = _data(context)
    ver = data.get("ver")
    if not isinstance(ver, str) or not _VERSION.fullmatch(ver):
        raise RequestError("交易输入[data.ver]格式错误，应为v加4位数字(如v0000)")
    families = _FILE_FAMILIES[infno]
    rows = [
        _file_row(row)
        for row in context.backend.catalogue.rows()
        if row.ver > ver and row.list_type.startswith(families)
    ]
    newest = context.backend.catalogue.versions()[-1].ver
    filename = f"hilist_{infno}_{ver}_{newest}.txt"
    return _published(context, filename, rows)


def _file_row(row: CatalogueItem) -> list[str]:
    return [
        row.hilist_code,
        row.hilist_name,
        row.insu_admdvs,
        row.list_type,
        row.med_chrgitm_type,
        row.chrgitm_lv,
        "" if row.selfpay_prop is None else str(row.selfpay_prop),
        "" if row.pric_uplmt_amt is None else str(row.pric_uplmt_amt),
        row.lmt_used_flag,
        format_date(row.begndate),
        format_date(row.enddate),
        row.vali_flag,
        row.rid,
        format_datetime(row.updt_time),
        row.ver,
    ]


# -- 1901 ------------------------------------------------------------------------------------------

DICTIONARIES: dict[str, tuple[tuple[str, str], ...]] = {
    "chrgitm_lv": (("01", "甲类"), ("02", "乙类"), ("03", "丙类")),
    "list_type": (
        ("101", "西药"),
        ("102", "中成药"),
        ("103", "中药饮片"),
        ("104", "自制剂"),
        ("105", "民族药"),
        ("201", "服务项目"),
        ("301", "医用材料"),
    ),
    "med_chrgitm_type": tuple(
        (f"{n:02d}", name)
        for n, name in enumerate(
            (
                "床位费",
                "诊察费",
                "检查费",
                "化验费",
                "治疗费",
                "手术费",
                "护理费",
                "卫生材料费",
                "西药费",
                "中药饮片费",
                "中成药费",
                "一般诊疗费",
                "挂号费",
                "其他费",
            ),
            start=1,
        )
    ),
    "med_type": (("11", "普通门诊"), ("14", "门诊慢特病")),
    "insutype": (("310", "职工基本医疗保险"), ("390", "城乡居民基本医疗保险")),
    "vali_flag": (("0", "无效"), ("1", "有效")),
}
_SNAKE_KEYS = ("parent_value", "vali_flag", "Vali_Flag")


def dictionary_1901(context: HandlerContext) -> dict[str, Any]:
    data = _data(context)
    kind = data.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise RequestError("交易输入[data.type]不能为空")
    snake = any(key in data for key in _SNAKE_KEYS)
    wanted = next(
        (str(data[key]) for key in ("valiFlag", "vali_flag", "Vali_Flag", "vali_Flag") if key in data), ""
    )
    if wanted not in ("", "0", "1"):
        raise RequestError("交易输入[data.valiFlag]应为0或1")
    entries = DICTIONARIES.get(kind.strip(), ())
    if wanted == "0":
        entries = ()  # every entry served is valid
    rows = []
    for sort, (value, label) in enumerate(entries, start=1):
        row = {
            "type": kind.strip(),
            "label": label,
            "value": value,
            "parentValue": "",
            "sort": sort,
            "valiFlag": "1",
            "createUser": "mock",
            "createDate": format_datetime(BASE_UPDT_TIME),
            "version": BASE_VERSION,
        }
        rows.append({_SNAKE.get(key, key): item for key, item in row.items()} if snake else row)
    return {"list": rows}


_SNAKE = {
    "parentValue": "parent_value",
    "valiFlag": "vali_flag",
    "createUser": "create_user",
    "createDate": "create_date",
}


# -- input -----------------------------------------------------------------------------------------


def _data(context: HandlerContext) -> dict[str, Any]:
    raw = context.envelope.input.get("data")
    if raw is None:
        raise RequestError("交易输入[data]不能为空")
    if not isinstance(raw, dict):
        raise RequestError("交易输入[data]类型错误，应为JSON对象")
    return raw


def _updt_time(value: Any) -> tuple[datetime, bool]:
    if not isinstance(value, str) or not value.strip():
        raise RequestError("交易输入[data.updt_time]不能为空")
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time()), True
        if len(text) == 19 and text[10] == " ":
            return datetime.fromisoformat(text), False
    except ValueError:
        pass
    raise RequestError("交易输入[data.updt_time]格式错误，应为yyyy-MM-dd或yyyy-MM-dd HH:mm:ss")


def _count(data: dict[str, Any], name: str, maximum: int) -> int:
    value = data.get(name)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise RequestError(f"交易输入[data.{name}]应为1至{maximum}的整数")
    return value


def _optional(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


TRANSACTIONS = (
    Transaction("1312", "医保目录信息查询", query_1312),
    Transaction("1319", "医保目录限价信息查询", query_1319),
    Transaction("1320", "医保目录先行自付比例信息查询", query_1320),
    Transaction("1309", "门诊慢特病种目录下载", download_1309, changes_state=True),
    Transaction("1301", "西药中成药目录下载", download_items, changes_state=True),
    Transaction("1305", "医疗服务项目目录下载", download_items, changes_state=True),
    Transaction("1306", "医用耗材目录下载", download_items, changes_state=True),
    Transaction("1901", "字典表查询", dictionary_1901),
)

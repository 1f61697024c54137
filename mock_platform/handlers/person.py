"""1101 人员信息获取 and 5301 人员慢特病备案查询 (PROTOCOL.md §3.2, §3.3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from mock_platform._time import completed_years, format_date, format_datetime
from mock_platform.backend.people import CredentialKind, IdentityRecord, InsuranceRecord, PersonRecord
from mock_platform.errors import RequestError
from mock_platform.handlers._base import (
    PERSON_NOT_FOUND,
    HandlerContext,
    Transaction,
    dump,
    input_node,
    require_person,
)
from mock_platform.wire import ExpContent, OptDateTime, OptStr, Req, WireModel, dictionary

# mdtrt_cert_type (PROTOCOL.md §4): 01 医保电子凭证 -> ecToken, 02 居民身份证 -> ID number,
# 03 社会保障卡 -> card number.
_CREDENTIALS: dict[str, CredentialKind] = {"01": "ec_token", "02": "certno", "03": "card_no"}


class PersonQuery(WireModel):
    """1101 input `data`."""

    mdtrt_cert_type: Annotated[Req, dictionary("mdtrt_cert_type", tuple(_CREDENTIALS))]
    mdtrt_cert_no: Req
    card_sn: OptStr = ""
    begntime: OptDateTime = ""
    psn_cert_type: OptStr = ""
    certno: OptStr = ""
    psn_name: OptStr = ""


class BaseInfo(WireModel):
    psn_no: str
    psn_cert_type: str
    certno: str
    psn_name: str
    gend: str
    naty: str
    brdy: str
    age: Decimal  # N4,1


class InsuInfo(WireModel):
    balc: Decimal  # N16,2
    insutype: str
    psn_type: str
    psn_insu_stas: str
    psn_insu_date: str
    paus_insu_date: str
    cvlserv_flag: str
    insuplc_admdvs: str
    emp_name: str


class IdetInfo(WireModel):
    psn_idet_type: str
    psn_type_lv: str
    memo: str
    begntime: str
    endtime: str


class PersonInfo(WireModel):
    baseinfo: BaseInfo
    insuinfo: list[InsuInfo]
    idetinfo: list[IdetInfo]


class FilingQuery(WireModel):
    """5301 input `data`."""

    psn_no: Req
    exp_content: ExpContent


class FilingRow(WireModel):
    opsp_dise_code: str
    opsp_dise_name: str
    begndate: str
    enddate: str


def person_info(context: HandlerContext) -> dict[str, Any]:
    query = input_node(context, "data", PersonQuery)
    person = _find_person(context, query)
    _check_declared_identity(query, person)
    return dump(_person_info(person, context))


def _find_person(context: HandlerContext, query: PersonQuery) -> PersonRecord:
    kind = _CREDENTIALS[query.mdtrt_cert_type]
    if kind == "card_no" and not query.card_sn:
        # PROTOCOL.md §3.2: card_sn is required with a 社会保障卡 (type 03).
        raise RequestError("交易输入[data.card_sn]不能为空")
    person = context.backend.people.find_by_credential(kind, query.mdtrt_cert_no)
    if person is None:
        raise RequestError(PERSON_NOT_FOUND)
    if kind == "card_no" and person.card_sn != query.card_sn:
        raise RequestError("交易输入[data.card_sn]卡识别码与社会保障卡卡号不匹配")
    return person


def _check_declared_identity(query: PersonQuery, person: PersonRecord) -> None:
    """The 异地 identity fields, when sent, must describe the person the credential belongs to."""
    if query.psn_cert_type and query.psn_cert_type != person.psn_cert_type:
        raise RequestError("交易输入[data.psn_cert_type]与就诊凭证对应人员不一致")
    if query.certno and query.certno.upper() != person.certno.upper():
        raise RequestError("交易输入[data.certno]与就诊凭证对应人员不一致")
    if query.psn_name and query.psn_name != person.psn_name:
        raise RequestError("交易输入[data.psn_name]与就诊凭证对应人员不一致")


def _person_info(person: PersonRecord, context: HandlerContext) -> PersonInfo:
    return PersonInfo(
        baseinfo=_base_info(person, context.now.date()),
        insuinfo=[_insu_info(row) for row in person.insurances],
        idetinfo=[_idet_info(row) for row in person.identities],
    )


def _base_info(person: PersonRecord, today: date) -> BaseInfo:
    return BaseInfo(
        psn_no=person.psn_no,
        psn_cert_type=person.psn_cert_type,
        certno=person.certno,
        psn_name=person.psn_name,
        gend=person.gend,
        naty=person.naty,
        brdy=format_date(person.brdy),
        # N4,1: completed years on the platform's date, with one decimal.
        age=Decimal(completed_years(person.brdy, today)).quantize(Decimal("0.1")),
    )


def _insu_info(row: InsuranceRecord) -> InsuInfo:
    return InsuInfo(
        balc=row.balc,
        insutype=row.insutype,
        psn_type=row.psn_type,
        psn_insu_stas=row.psn_insu_stas,
        psn_insu_date=format_date(row.psn_insu_date),
        paus_insu_date=format_date(row.paus_insu_date),
        cvlserv_flag=row.cvlserv_flag,
        insuplc_admdvs=row.insuplc_admdvs,
        emp_name=row.emp_name,
    )


def _idet_info(row: IdentityRecord) -> IdetInfo:
    return IdetInfo(
        psn_idet_type=row.psn_idet_type,
        psn_type_lv=row.psn_type_lv,
        memo=row.memo,
        begntime=format_datetime(row.begntime),
        endtime="" if row.endtime is None else format_datetime(row.endtime),
    )


def opsp_filings(context: HandlerContext) -> dict[str, Any]:
    """5301: the person's 门诊慢特病 filings that have not expired on the platform's date.

    Decision: PROTOCOL.md §3.3 says 5301 returns the "currently valid" filings. The mock returns every filing
    whose enddate is empty or not before today, *including filings that start later*: the hospital then sees
    the begndate and can tell the cashier "filing not yet valid" instead of "no filing" (DEMO_DATA.md P7's
    M03900 from 2027-01-01 is returned). Expired filings are left out, and so are filings a hospital made with
    2503 that the insurer has not approved (or that were revoked): they are not in force (`backend.filings`).
    A compound benefit is returned as one row per component disease (P4: M01600 and M03900).
    """
    query = input_node(context, "data", FilingQuery)
    person = require_person(context, query.psn_no)
    today = context.now.date()
    rows = [
        FilingRow(
            opsp_dise_code=filing.opsp_dise_code,
            opsp_dise_name=filing.opsp_dise_name,
            begndate=format_date(filing.begndate),
            enddate=format_date(filing.enddate),
        )
        for filing in person.filings
        if filing.enddate is None or filing.enddate >= today
    ]
    return {"feedetail": [dump(row) for row in rows]}


TRANSACTIONS = (
    Transaction("1101", "人员信息获取", person_info),
    Transaction("5301", "人员慢特病备案查询", opsp_filings),
)

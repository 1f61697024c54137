"""Self-pay visits: 4205 自费病人门诊就医信息上传, 4203 自费病人就诊以及费用明细上传完成.

Source (docs/ownpay_upload.md): the national 4201-4209 family as public HIS code calls it — field lists of
4205 (`mdtrtinfo`, `diseinfo[]`, `feedetail[]`) from liutao2019/IBORN_HIS_ALL
`API.GZSI/Models/Request/RequestGzsiModel4205.cs` (Foshan, Guangdong), 4203 (`fixmedins_mdtrt_id`,
`fixmedins_code`, `cplt_flag`) from a C# model `MZ4203` in public code; both answer no output. The person is
named by certificate, as the field lists of two regions' clients agree (Foshan above; Inner Mongolia,
newtouch-cloud/openhis `WinServiceAPI/NeiMengGuYiBaoApp/Models/Input/YiBao/Input_4205.cs`): `psn_cert_type`,
`certno` and `psn_name` are required and must be one registered person's; the family has no `psn_no` (a key
sent anyway is ignored, as every unknown key).

Rules: every detail line carries a national code (`med_list_codg`: seed 002 三(四), "应将已贯标的数据上传")
and `det_item_fee_sumamt` = cnt × pric to the fen; each line's `fixmedins_mdtrt_id` is the visit's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from mock_platform._money import round2
from mock_platform.errors import RequestError
from mock_platform.handlers._base import HandlerContext, Transaction, input_node
from mock_platform.wire import (
    Amount,
    ExpContent,
    OptStr,
    Quantity,
    Req,
    ReqDateTime,
    UnitPrice,
    WireModel,
    describe,
)


class OwnPayVisitInput(WireModel):
    fixmedins_mdtrt_id: Req
    fixmedins_code: Req
    fixmedins_name: OptStr = ""
    psn_cert_type: Req
    certno: Req
    psn_name: Req
    begntime: ReqDateTime
    endtime: OptStr = ""
    med_type: Req
    dise_codg: OptStr = ""
    dise_name: OptStr = ""
    exp_content: ExpContent


class OwnPayDiagnosis(WireModel):
    diag_type: Req
    diag_srt_no: OptStr = ""
    diag_code: Req
    diag_name: Req
    diag_dept: OptStr = ""
    diag_dr_code: OptStr = ""
    diag_dr_name: OptStr = ""
    diag_time: OptStr = ""
    vali_flag: OptStr = "1"


class OwnPayDetail(WireModel):
    fixmedins_mdtrt_id: Req
    med_type: Req
    bkkp_sn: Req
    fee_ocur_time: ReqDateTime
    fixmedins_code: Req
    cnt: Quantity
    pric: UnitPrice
    det_item_fee_sumamt: Amount
    med_list_codg: OptStr = ""
    medins_list_codg: Req
    medins_list_name: OptStr = ""
    med_chrgitm_type: OptStr = ""


class CompletionInput(WireModel):
    fixmedins_mdtrt_id: Req
    fixmedins_code: Req
    cplt_flag: Req


def upload(context: HandlerContext) -> dict[str, Any]:
    visit = input_node(context, "mdtrtinfo", OwnPayVisitInput)
    code = context.envelope.fixmedins_code
    if visit.fixmedins_code != code:
        raise RequestError("交易输入[mdtrtinfo.fixmedins_code]与报文头[fixmedins_code]不一致")
    psn_no = _person(context, visit)
    diagnoses = _rows(context, "diseinfo", OwnPayDiagnosis)
    details = _rows(context, "feedetail", OwnPayDetail)
    if not details:
        raise RequestError("交易输入[feedetail]不能为空")
    for number, line in enumerate(details, start=1):
        where = f"第{number}条费用明细[{line.bkkp_sn}]"
        if line.fixmedins_mdtrt_id != visit.fixmedins_mdtrt_id:
            raise RequestError(f"{where}医药机构就诊ID与就诊信息不一致")
        if not line.med_list_codg:
            raise RequestError(f"{where}医疗目录编码为空：未贯标的明细不上传")
        expected = round2(line.cnt * line.pric)
        if line.det_item_fee_sumamt != expected:
            raise RequestError(
                f"{where}明细项目费用总额[{line.det_item_fee_sumamt}]与数量×单价[{expected}]不一致"
            )
    context.backend.ownpay.upload(
        fixmedins_code=code,
        fixmedins_mdtrt_id=visit.fixmedins_mdtrt_id,
        psn_no=psn_no,
        body={
            "mdtrtinfo": visit.model_dump(mode="json"),
            "diseinfo": [d.model_dump(mode="json") for d in diagnoses],
            "feedetail": [d.model_dump(mode="json") for d in details],
        },
        msgid=context.envelope.msgid,
        now=context.now,
    )
    return {}


def complete(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", CompletionInput)
    if data.fixmedins_code != context.envelope.fixmedins_code:
        raise RequestError("交易输入[data.fixmedins_code]与报文头[fixmedins_code]不一致")
    if data.cplt_flag != "1":
        raise RequestError("交易输入[data.cplt_flag]应为1（上传完成）")
    context.backend.ownpay.complete(data.fixmedins_code, data.fixmedins_mdtrt_id, now=context.now)
    return {}


def _person(context: HandlerContext, visit: OwnPayVisitInput) -> str:
    """The person the certificate names; its type and the name must be the person's (no psn_no here)."""
    person = context.backend.people.find_by_credential("certno", visit.certno)
    if person is None:
        raise RequestError("交易输入[mdtrtinfo.certno]未找到人员信息")
    if person.psn_cert_type != visit.psn_cert_type:
        raise RequestError("交易输入[mdtrtinfo.psn_cert_type]与该证件号码登记的人员证件类型不一致")
    if person.psn_name != visit.psn_name:
        raise RequestError("交易输入[mdtrtinfo.psn_name]与该证件号码登记的人员姓名不一致")
    return person.psn_no


def _rows(context: HandlerContext, name: str, model: type[Any]) -> list[Any]:
    raw = context.envelope.input.get(name)
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        raise RequestError(f"交易输入[{name}]类型错误，应为JSON数组")
    rows = []
    for number, item in enumerate(raw):
        try:
            rows.append(model.model_validate(item))
        except ValidationError as exc:
            raise RequestError(describe(exc, "交易输入", prefix=f"{name}[{number}].")) from exc
    return rows


TRANSACTIONS = (
    Transaction("4205", "自费病人门诊就医信息上传", upload, changes_state=True, idempotent=True),
    Transaction("4203", "自费病人就诊以及费用明细上传完成", complete, changes_state=True, idempotent=True),
)

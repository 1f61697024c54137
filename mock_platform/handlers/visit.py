"""2201 门诊挂号, 2202 门诊挂号撤销, 2203 门诊就诊信息上传 (PROTOCOL.md §3.5-3.7); rules in `backend.visits`.

2201 checks that the person exists, has the insutype, and that the 就诊凭证 is the person's own; it issues the
`mdtrt_id`. 2203 sets the visit's one med_type (11 or 14; others are not supported by the mock) and, for 14,
requires a `dise_codg` the person is filed under and the insured place covers for this relation
(`eligibility.disease_problem`); the dated checks (insurance status, filing period, 备案) are made again at
settlement, where they refuse with their own reasons. `diseinfo` rows are stored (upserted by type and code).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationError

from mock_platform.backend.eligibility import SUPPORTED_MED_TYPES, disease_problem
from mock_platform.backend.people import CredentialKind, PersonRecord
from mock_platform.backend.visits import Registration, Treatment
from mock_platform.errors import RequestError
from mock_platform.handlers._base import (
    HandlerContext,
    Transaction,
    dump,
    input_node,
    require_insurance,
    require_person,
)
from mock_platform.wire import (
    ExpContent,
    OptNumber,
    OptStr,
    Req,
    ReqDateTime,
    WireModel,
    describe,
    dictionary,
)

_CREDENTIALS: dict[str, CredentialKind] = {"01": "ec_token", "02": "certno", "03": "card_no"}


class RegistrationInput(WireModel):
    """2201 input `data`."""

    psn_no: Req
    insutype: Req
    begntime: ReqDateTime
    mdtrt_cert_type: Annotated[Req, dictionary("mdtrt_cert_type", tuple(_CREDENTIALS))]
    mdtrt_cert_no: Req
    ipt_otp_no: Req
    atddr_no: OptStr = ""  # HN: optional since V1.1.23
    dr_name: OptStr = ""
    dept_code: Req
    dept_name: Req
    caty: Req
    card_sn: OptStr = ""
    psn_cert_type: OptStr = ""
    certno: OptStr = ""
    psn_type: OptStr = ""
    psn_name: OptStr = ""
    exp_content: ExpContent


class RegistrationOutput(WireModel):
    mdtrt_id: str
    psn_no: str
    ipt_otp_no: str


class CancelInput(WireModel):
    """2202 input `data`."""

    psn_no: Req
    mdtrt_id: Req
    ipt_otp_no: Req
    exp_content: ExpContent


class TreatmentInfo(WireModel):
    """2203 `mdtrtinfo`."""

    mdtrt_id: Req
    psn_no: Req
    med_type: Req
    begntime: ReqDateTime
    main_cond_dscr: OptStr = ""
    dise_codg: OptStr = ""
    dise_name: OptStr = ""
    birctrl_type: OptStr = ""
    birctrl_matn_date: OptStr = ""
    matn_type: OptStr = ""
    geso_val: OptNumber = None  # N2
    dise_type_code: OptStr = ""
    exp_content: ExpContent


class Diagnosis(WireModel):
    """2203 `diseinfo[]` row."""

    diag_type: Annotated[Req, dictionary("diag_type", ("1", "2", "3", "4"))]
    diag_srt_no: Annotated[int, Field(ge=0, le=99)]
    diag_code: Req
    diag_name: Req
    diag_dept: Req
    dise_dor_no: Req
    dise_dor_name: Req
    diag_time: ReqDateTime
    vali_flag: Annotated[Req, dictionary("vali_flag", ("0", "1"))]


def register(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", RegistrationInput)
    person = require_person(context, data.psn_no)
    insurance = require_insurance(person, data.insutype)
    _check_credential(context, data, person)
    visit = context.backend.visits.register(
        Registration(
            psn_no=person.psn_no,
            insutype=insurance.insutype,
            fixmedins_code=context.hospital.fixmedins_code,
            hospital_admdvs=context.hospital.admdvs,
            insuplc_admdvs=insurance.insuplc_admdvs,
            begntime=data.begntime,
            ipt_otp_no=data.ipt_otp_no,
            mdtrt_cert_type=data.mdtrt_cert_type,
            atddr_no=data.atddr_no,
            dr_name=data.dr_name,
            dept_code=data.dept_code,
            dept_name=data.dept_name,
            caty=data.caty,
        ),
        msgid=context.envelope.msgid,
        now=context.now,
    )
    output = RegistrationOutput(mdtrt_id=visit.mdtrt_id, psn_no=visit.psn_no, ipt_otp_no=visit.ipt_otp_no)
    return {"data": dump(output)}


def _check_credential(context: HandlerContext, data: RegistrationInput, person: PersonRecord) -> None:
    """The 就诊凭证 must be the person's own (PROTOCOL.md §3.5: mdtrt_cert_type/no as in 1101)."""
    kind = _CREDENTIALS[data.mdtrt_cert_type]
    holder = context.backend.people.find_by_credential(kind, data.mdtrt_cert_no)
    if holder is None or holder.psn_no != person.psn_no:
        raise RequestError("交易输入[data.mdtrt_cert_no]就诊凭证与人员编号不一致")


def cancel(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", CancelInput)
    require_person(context, data.psn_no)
    visit = context.backend.visits.require(data.mdtrt_id, data.psn_no)
    if visit.ipt_otp_no != data.ipt_otp_no:
        raise RequestError(f"交易输入[data.ipt_otp_no]与就诊[{visit.mdtrt_id}]的门诊号不一致")
    context.backend.visits.revoke(visit.mdtrt_id, now=context.now)
    return {}


def upload_treatment(context: HandlerContext) -> dict[str, Any]:
    info = input_node(context, "mdtrtinfo", TreatmentInfo)
    diagnoses = _diagnoses(context)
    person = require_person(context, info.psn_no)
    visit = context.backend.visits.require(info.mdtrt_id, info.psn_no)
    if info.med_type not in SUPPORTED_MED_TYPES:
        raise RequestError(f"交易输入[mdtrtinfo.med_type]医疗类别[{info.med_type}]暂不支持")
    if info.med_type == "14":
        if not info.dise_codg:
            raise RequestError("交易输入[mdtrtinfo.dise_codg]不能为空（门诊慢特病须传病种编码）")
        insurance = require_insurance(person, visit.insutype)
        problem = disease_problem(
            person=person,
            insurance=insurance,
            hospital=context.hospital,
            coverage=context.backend.reference.coverage,
            dise_codg=info.dise_codg,
        )
        if problem is not None:
            raise RequestError(problem)
    treatment = Treatment(
        med_type=info.med_type,
        begntime=info.begntime,
        dise_codg=info.dise_codg,
        dise_name=info.dise_name,
        main_cond_dscr=info.main_cond_dscr,
    )
    context.backend.visits.record_treatment(visit, treatment)
    context.backend.visits.record_diagnoses(visit.mdtrt_id, [dump(row) for row in diagnoses])
    return {}


def _diagnoses(context: HandlerContext) -> list[Diagnosis]:
    """`diseinfo`: an array, or a single object (TZ's Nanjing client, PROTOCOL.md §3.7 ⚠)."""
    raw: Any = context.envelope.input.get("diseinfo")
    if raw is None:
        return []
    rows = [raw] if isinstance(raw, dict) else raw
    if not isinstance(rows, list):
        raise RequestError("交易输入[diseinfo]类型错误，应为JSON数组")
    parsed = []
    for index, row in enumerate(rows):
        try:
            parsed.append(Diagnosis.model_validate(row))
        except ValidationError as exc:
            raise RequestError(describe(exc, "交易输入", prefix=f"diseinfo[{index}].")) from exc
    return parsed


TRANSACTIONS = (
    Transaction("2201", "门诊挂号", register, changes_state=True, idempotent=True),
    Transaction("2202", "门诊挂号撤销", cancel, changes_state=True, idempotent=True),
    Transaction("2203", "门诊就诊信息上传", upload_treatment, changes_state=True, idempotent=True),
)

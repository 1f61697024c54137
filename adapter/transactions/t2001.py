"""2001 人员待遇享受检查 — is the person entitled to this kind of care here (PROTOCOL.md §3.4)?

Not being entitled is an answer (``trt_enjymnt_flag`` 0 with the reason in
``trt_chk_rslt``), not an error.
"""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction, exp_content_field
from ._fields import Code, ExpContent, ListOf, OptionalDate, OptionalDateTime, WireDateTime

__all__ = ["TRANSACTION", "Input", "Output", "TreatmentCheck", "TreatmentQuery"]


class TreatmentQuery(InputModel):
    psn_no: str
    insutype: str
    fixmedins_code: str
    med_type: str
    begntime: WireDateTime
    endtime: OptionalDateTime = None
    dise_codg: str = ""
    dise_name: str = ""
    oprn_oprt_code: str = ""
    oprn_oprt_name: str = ""
    matn_type: str = ""
    birctrl_type: str = ""
    exp_content: str = ""


class Input(InputModel):
    data: TreatmentQuery


class TreatmentCheck(OutputModel):
    psn_no: Code
    trt_chk_type: Code
    fund_pay_type: Code
    trt_enjymnt_flag: Code
    begndate: OptionalDate = None
    enddate: OptionalDate = None
    trt_chk_rslt: str = ""
    exp_content: ExpContent = exp_content_field()

    @property
    def entitled(self) -> bool:
        return self.trt_enjymnt_flag == "1"


class Output(OutputModel):
    trtinfo: ListOf[TreatmentCheck] = ()


TRANSACTION = Transaction(
    infno="2001",
    title="人员待遇享受检查",
    input_model=Input,
    output_model=Output,
    changes_state=False,
)

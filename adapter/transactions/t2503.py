"""2503 人员慢特病备案 — a hospital files a chronic disease after its own assessment (PROTOCOL.md §3.17).

The answer's ``trt_dcla_detl_sn`` names the filing; keep it for 2504. The filing waits for the insurer's
approval before 5301 lists it. HN's extra fields (``trt_dcla_detl_sn``, ``selfdef_splm_flag``, ``memo`` in the
input) are not modelled (⚠ local).
"""

from __future__ import annotations

from pydantic import Field

from ._base import InputModel, OutputModel, Transaction
from ._fields import Code, OptionalDate, WireDate

__all__ = ["TRANSACTION", "Filing", "FilingResult", "Input", "Output"]


class Filing(InputModel):
    psn_no: str
    insutype: str
    opsp_dise_code: str
    opsp_dise_name: str
    tel: str = Field(default="", repr=False)
    addr: str = Field(default="", repr=False)
    insu_optins: str
    """参保机构医保区划: the person's insured place."""
    ide_fixmedins_no: str
    """鉴定定点医药机构编号: the hospital that assessed the patient (this one)."""
    ide_fixmedins_name: str
    hosp_ide_date: WireDate
    diag_dr_codg: str
    diag_dr_name: str
    begndate: WireDate
    enddate: OptionalDate = None
    exp_content: str = ""


class Input(InputModel):
    data: Filing


class FilingResult(OutputModel):
    trt_dcla_detl_sn: Code


class Output(OutputModel):
    result: FilingResult


TRANSACTION = Transaction(
    infno="2503",
    title="人员慢特病备案",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)

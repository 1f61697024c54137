"""2203 门诊就诊信息上传 — the visit's medical type, disease and diagnoses (PROTOCOL.md §3.7).

One ``mdtrtinfo`` and one or more ``diseinfo`` rows; a diagnosis is voided by sending
it again with ``vali_flag`` 0. For 门诊慢特病 ``med_type`` is 14 and ``dise_codg`` the
filed opsp code (required in HN). ``matn_type``/``geso_val`` come from JX's 2203A and
``dise_type_code`` is HN-only (V1.1.25, ⚠); like every optional field they are sent
empty (``""``, numbers ``0``) when not given. No output.
"""

from __future__ import annotations

from pydantic import Field

from ._base import InputModel, OutputModel, Transaction
from ._fields import OptionalDate, WireDateTime

__all__ = ["TRANSACTION", "Diagnosis", "Input", "Output", "VisitInfo"]


class VisitInfo(InputModel):
    """``mdtrtinfo``."""

    mdtrt_id: str
    psn_no: str
    med_type: str
    begntime: WireDateTime
    """就诊时间."""
    main_cond_dscr: str = ""
    dise_codg: str = ""
    dise_name: str = ""
    birctrl_type: str = ""
    birctrl_matn_date: OptionalDate = None
    matn_type: str = ""
    geso_val: int = 0
    """孕周数 (N2)."""
    dise_type_code: str = ""
    """[HN-only] 10 门慢门特病种 / 11 门诊慢性病 / 12 门诊特殊疾病 / 3 按病种结算病种 (⚠)."""
    exp_content: str = ""


class Diagnosis(InputModel):
    """One ``diseinfo`` row."""

    diag_type: str
    diag_srt_no: int
    diag_code: str
    """ICD-10 医保版 code."""
    diag_name: str
    diag_dept: str
    dise_dor_no: str
    dise_dor_name: str
    diag_time: WireDateTime
    vali_flag: str
    """1 有效 / 0 无效."""


class Input(InputModel):
    mdtrtinfo: VisitInfo
    diseinfo: tuple[Diagnosis, ...] = Field(min_length=1)


class Output(OutputModel):
    """2203 has no output."""


TRANSACTION = Transaction(
    infno="2203",
    title="门诊就诊信息上传",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)

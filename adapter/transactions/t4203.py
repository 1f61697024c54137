"""4203 自费病人就诊以及费用明细上传完成 — mark an uploaded self-pay visit complete (``cplt_flag`` 1).

Fields from public HIS code whose repositories the search index did not name (docs/ownpay_upload.md): a C#
model ``MZ4203`` (``fixmedins_mdtrt_id``, ``fixmedins_code``, ``cplt_flag`` "费用明细和就诊信息上传完成后
修改完成标志"), and a Foshan GZSI client that calls 4205 then 4203 with ``cplt_flag`` "1". No output.
"""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction

__all__ = ["TRANSACTION", "Completion", "Input", "Output"]


class Completion(InputModel):
    fixmedins_mdtrt_id: str
    fixmedins_code: str
    cplt_flag: str = "1"


class Input(InputModel):
    data: Completion


class Output(OutputModel):
    """4203 has no output."""


TRANSACTION = Transaction(
    infno="4203",
    title="自费病人就诊以及费用明细上传完成",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)

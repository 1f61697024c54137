"""4205 自费病人门诊就医信息上传 — a bill not settled directly, uploaded for the insured place.

Seed 002 三(四): within 3 working days, the 已贯标 lines.

The national 4201-4209 family ("自费病人就诊以及费用明细信息上传"): 4205 carries one outpatient visit
(``mdtrtinfo``), its diagnoses (``diseinfo[]``) and its fee details (``feedetail[]``) in one call; 4203 then
marks the visit complete. Field lists from public HIS code (docs/ownpay_upload.md): liutao2019/IBORN_HIS_ALL
``API.GZSI/Models/Request/RequestGzsiModel4205.cs`` (Foshan); no output (``ResponseGzsiModel4205`` is the bare
envelope). Only lines with a national code are sent ("应将已贯标的数据上传"). The person is named by
certificate: ``psn_cert_type``, ``certno``, ``psn_name`` — the field lists of two regions' clients agree and
have no ``psn_no`` (a self-pay patient may have none): the Foshan model above and newtouch-cloud/openhis
``WinServiceAPI/NeiMengGuYiBaoApp/Models/Input/YiBao/Input_4205.cs`` (Inner Mongolia). Both are personal
fields: kept out of reprs, sealed in the journal's outbox, masked in the mock's traffic journal.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from ._base import InputModel, OutputModel, Transaction
from ._fields import Amount, Price, Quantity, WireDateTime

__all__ = ["TRANSACTION", "Input", "Output", "OwnPayDetail", "OwnPayDiagnosis", "OwnPayVisit"]


class OwnPayVisit(InputModel):
    fixmedins_mdtrt_id: str
    """The hospital's own visit id (医药机构就诊ID): unique per uploaded visit."""
    fixmedins_code: str
    fixmedins_name: str = ""
    psn_cert_type: str
    """人员证件类型 (1101's): with certno and psn_name, who the visit is — the family has no psn_no."""
    certno: str = Field(repr=False)
    psn_name: str = Field(repr=False)
    begntime: WireDateTime
    endtime: WireDateTime
    med_type: str
    dise_codg: str = ""
    dise_name: str = ""
    exp_content: str = ""


class OwnPayDiagnosis(InputModel):
    diag_type: str
    diag_srt_no: str
    diag_code: str
    diag_name: str
    diag_dept: str = ""
    diag_dr_code: str = ""
    diag_dr_name: str = ""
    diag_time: WireDateTime | None = None
    vali_flag: str = "1"


class OwnPayDetail(InputModel):
    fixmedins_mdtrt_id: str
    med_type: str
    bkkp_sn: str
    """记账流水号: the line's feedetl_sn."""
    fee_ocur_time: WireDateTime
    fixmedins_code: str
    fixmedins_name: str = ""
    cnt: Quantity
    pric: Price
    det_item_fee_sumamt: Amount
    med_list_codg: str
    medins_list_codg: str
    medins_list_name: str = ""
    med_chrgitm_type: str = ""
    bilg_dept_codg: str = ""
    bilg_dept_name: str = ""
    bilg_dr_code: str = ""
    bilg_dr_name: str = ""
    fulamt_ownpay_amt: Amount = Decimal("0.00")
    overlmt_selfpay: Amount = Decimal("0.00")
    preselfpay_amt: Amount = Decimal("0.00")
    inscp_amt: Amount = Decimal("0.00")
    rxno: str = ""


class Input(InputModel):
    mdtrtinfo: OwnPayVisit
    diseinfo: tuple[OwnPayDiagnosis, ...]
    feedetail: tuple[OwnPayDetail, ...]


class Output(OutputModel):
    """4205 has no output."""


TRANSACTION = Transaction(
    infno="4205", title="自费病人门诊就医信息上传", input_model=Input, output_model=Output, changes_state=True
)

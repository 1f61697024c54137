"""1101 人员信息获取 — the person, their insurances and identities, by card (PROTOCOL.md §3.2).

Personal fields are kept out of ``repr`` so that a model printed in a traceback or a
log line does not leak a name or an ID number.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import AliasChoices, Field

from ._base import InputModel, OutputModel, Transaction, exp_content_field
from ._fields import Amount, Code, ExpContent, ListOf, OptionalDate, OptionalDateTime

__all__ = ["TRANSACTION", "BaseInfo", "IdentityInfo", "Input", "InsuranceInfo", "Output", "PersonQuery"]


class PersonQuery(InputModel):
    mdtrt_cert_type: str
    """01 医保电子凭证 / 02 居民身份证 / 03 社会保障卡."""
    mdtrt_cert_no: str = Field(repr=False)
    card_sn: str = Field(default="", repr=False)
    begntime: OptionalDateTime = None
    psn_cert_type: str = ""
    certno: str = Field(default="", repr=False)
    psn_name: str = Field(default="", repr=False)


class Input(InputModel):
    data: PersonQuery


class BaseInfo(OutputModel):
    psn_no: Code
    psn_cert_type: Code
    certno: str = Field(repr=False)
    psn_name: str = Field(repr=False)
    gend: Code
    naty: Code = ""
    brdy: OptionalDate = Field(default=None, repr=False)
    age: Decimal | None = None
    exp_content: ExpContent = exp_content_field()


class InsuranceInfo(OutputModel):
    balc: Amount = Decimal("0")
    insutype: Code
    psn_type: Code
    psn_insu_stas: Code = ""
    psn_insu_date: OptionalDate = None
    paus_insu_date: OptionalDate = None
    cvlserv_flag: Code = "0"
    # HN appendix B names it insu_admdvs (PROTOCOL.md §3.2); accept both.
    insuplc_admdvs: Code = Field(validation_alias=AliasChoices("insuplc_admdvs", "insu_admdvs"))
    emp_name: str = Field(default="", repr=False)


class IdentityInfo(OutputModel):
    psn_idet_type: Code
    psn_type_lv: Code = ""
    memo: str = ""
    begntime: OptionalDateTime = None
    endtime: OptionalDateTime = None


class Output(OutputModel):
    baseinfo: BaseInfo
    insuinfo: ListOf[InsuranceInfo]
    idetinfo: ListOf[IdentityInfo] = ()


TRANSACTION = Transaction(
    infno="1101",
    title="人员信息获取",
    input_model=Input,
    output_model=Output,
    changes_state=False,
)

"""The blocks the settlement transactions share (PROTOCOL.md §3.10–§3.12a).

* ``PreSettlementData`` is the ``data`` node of 2206; ``SettlementData`` (2207) is the
  same plus the invoice number and the four amount classes of the bill.
* ``SettlementInfo`` (``setlinfo``) and ``FundPayment`` (``setldetail[]``) are the
  answer of 2206, 2207 and 2208, and with a few renamed fields of 5203.

Tolerance (§3.12a): only the five amounts a settlement cannot lack are required;
every other field is optional, because the platform answers 2208 with more (or
fewer) fields than the national table lists. The cash amount is ``psn_cash_pay`` in
2206/2207 and ``pdn_cash_pay`` in the national 2208 text (a typo copied by JX, HN and
NT; ⚠): both are read into ``psn_cash_pay``. 2208 amounts are negative.

Funds (§3.12a): ``FUND_FIELDS`` are the setlinfo fields that make up ``fund_pay_sumamt``
(the basic pooled fund first, then the layers an insured place may pay from), and
``FUND_LABELS`` their Chinese names, the one place receipts, ``--json`` readers and
reports take them from. ``PERSONAL_FIELDS`` split ``psn_part_amt``: account, 门诊共济
(``acct_mulaid_pay``) and cash.

The amount identities (``medfee = fund + psn_part + hosp_part``, ``psn_part = acct +
共济 + cash``) are *not* enforced here: provinces disagree on whether ``fund_pay_sumamt``
includes the personal account (DOMAIN.md §2.3, "Accounting identity"), so the layer
that knows the region reconciles them.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from ._base import InputModel, OutputModel, exp_content_field
from ._fields import (
    Amount,
    Code,
    ExpContent,
    ListOf,
    OptionalAmount,
    OptionalCode,
    OptionalDate,
    OptionalDateTime,
    OptionalNumber,
    OptionalRatio,
)

__all__ = [
    "FUND_FIELDS",
    "FUND_LABELS",
    "PERSONAL_FIELDS",
    "FundAmounts",
    "FundPayment",
    "PreSettlementData",
    "SettlementData",
    "SettlementInfo",
    "SettlementOutput",
]

FUND_FIELDS = (
    "hifp_pay",
    "hifob_pay",
    "hifmi_pay",
    "cvlserv_pay",
    "maf_pay",
    "hifes_pay",
    "hifdm_pay",
    "oth_pay",
)
"""The setlinfo fields whose sum is ``fund_pay_sumamt`` (PROTOCOL.md §3.12a)."""
PERSONAL_FIELDS = ("acct_pay", "acct_mulaid_pay", "psn_cash_pay")
"""The setlinfo fields whose sum is ``psn_part_amt``."""
FUND_LABELS = {
    "hifp_pay": "基本医疗保险统筹基金",
    "hifob_pay": "职工大额医疗费用补助",
    "hifmi_pay": "大病保险",
    "cvlserv_pay": "公务员医疗补助",
    "maf_pay": "医疗救助",
    "hifes_pay": "企业补充医疗保险",
    "hifdm_pay": "伤残人员医疗保障基金",
    "oth_pay": "其他基金",
    "acct_pay": "个人账户",
    "acct_mulaid_pay": "个人账户共济支付（门诊共济）",
    "psn_cash_pay": "个人现金",
    "hosp_part_amt": "医院负担",
}
"""Chinese labels of every fund and personal-share field, as the platform's dictionary names them."""


_ZERO = Decimal("0.00")


class PreSettlementData(InputModel):
    """2206 ``data`` (§3.10); the 异地 person fields are only needed for cross-region visits."""

    psn_no: str
    mdtrt_cert_type: str
    mdtrt_cert_no: str = Field(repr=False)
    med_type: str
    medfee_sumamt: Amount
    """Sum of the batch's ``det_item_fee_sumamt``."""
    psn_setlway: str
    """01 按项目结算 / 02 按定额结算."""
    mdtrt_id: str
    chrg_bchno: str
    acct_used_flag: str
    """0 / 1 (HN adds 2 使用共济人个账)."""
    insutype: str
    card_sn: str = Field(default="", repr=False)
    psn_cert_type: str = ""
    certno: str = Field(default="", repr=False)
    psn_type: str = ""
    psn_name: str = Field(default="", repr=False)
    exp_content: str = ""
    pub_hosp_rfom_flag: str = ""


class SettlementData(PreSettlementData):
    """2207 ``data`` (§3.11): every 2206 field, then these."""

    invono: str = ""
    fulamt_ownpay_amt: Amount
    overlmt_selfpay: Amount
    preselfpay_amt: Amount
    inscp_scp_amt: Amount


class SettlementInfo(OutputModel):
    """``setlinfo`` of 2206/2207/2208 (§3.12a). 2206 has no ``setl_id``; 2208's is the reversal's."""

    mdtrt_id: OptionalCode = ""
    setl_id: OptionalCode = ""
    psn_no: OptionalCode = ""
    psn_name: OptionalCode = Field(default="", repr=False)
    psn_cert_type: OptionalCode = ""
    certno: OptionalCode = Field(default="", repr=False)
    gend: OptionalCode = ""
    naty: OptionalCode = ""
    brdy: OptionalDate = Field(default=None, repr=False)
    age: OptionalNumber = None
    insutype: OptionalCode = ""
    psn_type: OptionalCode = ""
    cvlserv_flag: OptionalCode = ""
    setl_time: OptionalDateTime = None
    mdtrt_cert_type: OptionalCode = ""
    med_type: OptionalCode = ""
    medfee_sumamt: Amount
    fulamt_ownpay_amt: OptionalAmount = None
    overlmt_selfpay: OptionalAmount = None
    preselfpay_amt: OptionalAmount = None
    inscp_scp_amt: OptionalAmount = None
    act_pay_dedc: OptionalAmount = None
    hifp_pay: OptionalAmount = None
    pool_prop_selfpay: OptionalRatio = None
    cvlserv_pay: OptionalAmount = None
    hifes_pay: OptionalAmount = None
    hifmi_pay: OptionalAmount = None
    hifob_pay: OptionalAmount = None
    maf_pay: OptionalAmount = None
    oth_pay: OptionalAmount = None
    fund_pay_sumamt: Amount
    psn_part_amt: Amount
    acct_pay: Amount
    # ⚠ The national 2208 table spells it pdn_cash_pay (§3.12a).
    psn_cash_pay: Amount = Field(validation_alias=AliasChoices("psn_cash_pay", "pdn_cash_pay"))
    hosp_part_amt: OptionalAmount = None
    balc: OptionalAmount = None
    acct_mulaid_pay: OptionalAmount = None
    medins_setl_id: OptionalCode = ""
    """The ``msgid`` of the request that settled."""
    clr_optins: OptionalCode = ""
    """Becomes ``setl_optins`` in 3201/3202."""
    clr_way: OptionalCode = ""
    clr_type: OptionalCode = ""
    hifdm_pay: OptionalAmount = None
    exp_content: ExpContent = exp_content_field()

    def fund_amounts(self) -> dict[str, Decimal]:
        """Every fund field (``FUND_FIELDS`` order), an absent one as 0.00."""
        return {name: getattr(self, name) or _ZERO for name in FUND_FIELDS}


class FundAmounts(BaseModel):
    """What the ledger keeps of each fund of a settlement (every ``FUND_FIELDS`` field, 门诊共济, 医院负担),
    so reconciliation and the day's report can total them; absent fields are 0.00."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hifp_pay: Decimal = _ZERO
    hifob_pay: Decimal = _ZERO
    hifmi_pay: Decimal = _ZERO
    cvlserv_pay: Decimal = _ZERO
    maf_pay: Decimal = _ZERO
    hifes_pay: Decimal = _ZERO
    hifdm_pay: Decimal = _ZERO
    oth_pay: Decimal = _ZERO
    acct_mulaid_pay: Decimal = _ZERO
    hosp_part_amt: Decimal = _ZERO

    @classmethod
    def of(cls, info: SettlementInfo) -> FundAmounts:
        return cls(
            **info.fund_amounts(),
            acct_mulaid_pay=info.acct_mulaid_pay or _ZERO,
            hosp_part_amt=info.hosp_part_amt or _ZERO,
        )


class FundPayment(OutputModel):
    """``setldetail[]``: one fund's share of the settlement (§3.12a)."""

    fund_pay_type: Code
    inscp_scp_amt: OptionalAmount = None
    crt_payb_lmt_amt: OptionalAmount = None
    """本次可支付限额金额; often null in live data."""
    fund_payamt: Amount
    fund_pay_type_name: OptionalCode = ""
    setl_proc_info: OptionalCode = ""


class SettlementOutput(OutputModel):
    """The output of 2206/2207/2208. NT samples put ``expContent`` beside ``setlinfo``."""

    setlinfo: SettlementInfo
    setldetail: ListOf[FundPayment] = ()
    exp_content: ExpContent = exp_content_field()

"""Manual reimbursement (手工报销) advice: by the insured place and by why direct settlement failed.

The advice is what the insured place's own document says, never a generic promise:

* **No claim** where a seed says 不予报销 — 停保 (seed 001 一(四)1 "就医期间处于停保状态"), costs before the
  filing starts (seed 001 一(四)3 "未增加门诊慢特病病种之前发生的相关费用"); and a disease the insured place
  does not cover for this relation has no benefit to claim there either (Wuhai outside the region: only 5
  diseases, seed 000 一(三)2; "其他门诊单据不予结算", 三(三)).
* **Yinchuan 640100** (seed 001 一(三)): a claim at the insured place within 30 个工作日 with the listed
  materials, when the hospital or the disease is not opened for direct settlement or the card could not be
  used.
* **Wuhai 150300** (seed 000 三(三)): "因系统故障等特殊原因不能在异地直接结算时，经所属医保经办机构
  同意，可返回参保地经办机构予以结算" — only with the agency's consent.
* **Hubei 42xxxx** (seed 002 三(一)): the patient pays first and claims at the insured place with the
  hospital's fee list and receipts; the hospital uploads the details within 3 working days (三(四)).
* Any other insured place: its own rules apply; the adapter does not invent them.
* A local disease code with no national code (``local_code``) has a benefit at the insured place but none
  through the national interface (seed 002 二(二)): the insured place's claim rules above apply.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CLAIMABLE", "Refusal", "manual_claim_advice"]


class Refusal(StrEnum):
    """Why a bill (or a disease's items) could not be settled directly."""

    SUSPENDED = "suspended"
    """停保 on the visit day."""
    BEFORE_FILING = "before_filing"
    """The 门诊慢特病 filing starts after the visit (or has ended)."""
    NOT_COVERED = "not_covered"
    """The insured place does not cover the disease for this relation (e.g. a Wuhai local disease outside
    Inner Mongolia)."""
    NOT_OPENED = "not_opened"
    """The hospital is not designated, or has not opened the disease, for direct settlement."""
    PLATFORM_DOWN = "platform_down"
    """The platform could not settle (系统故障)."""
    LOCAL_CODE = "local_code"
    """Filed under the insured place's own disease code with no national 门诊慢特病 code (Wuhai WH-S01
    肺心病): the national interface carries national codes only (seed 002 二(二)), so the insured place's
    benefit exists but cannot be settled directly here — a "特殊原因" of seed 000 三(三), claimable there."""


CLAIMABLE = frozenset({"not_opened", "platform_down", "local_code"})
"""Refusals after which the insured place accepts a manual claim (the others: 不予报销 or no benefit)."""

_YINCHUAN_MATERIALS = (
    "医院收费票据原件（加盖医院公章）、处方底方、门诊费用明细清单、本人社保卡复印件"
    "（使用血液制品、蛋白类制品的另附化验单）"
)


def manual_claim_advice(insured_admdvs: str, refusal: Refusal) -> str:
    """What the cashier tells the patient about claiming these costs at the insured place."""
    if refusal is Refusal.SUSPENDED:
        return "停保期间发生的费用不予报销，参保地不受理手工报销（seed 001 一(四)1）"
    if refusal is Refusal.BEFORE_FILING:
        return "门诊慢特病备案生效前发生的相关费用不予报销（seed 001 一(四)3）；可按普通门诊结算"
    if refusal is Refusal.NOT_COVERED:
        if insured_admdvs.startswith("15"):
            return (
                "参保地乌海在自治区范围外只保障 5 个慢病病种（seed 000 一(三)2），该病种在此无异地慢病待遇，"
                "不能手工报销慢病费用；可按普通门诊结算"
            )
        return "参保地未将该病种纳入本次就医的门诊慢特病范围，无慢病待遇可报销；可按普通门诊结算"
    if insured_admdvs == "640100":
        return (
            "可回银川参保地手工报销：报销时限 30 个工作日，线下窗口办理；材料："
            f"{_YINCHUAN_MATERIALS}（seed 001 一(三)）"
        )
    if insured_admdvs.startswith("1503"):
        return "经所属医保经办机构同意后，可返回乌海参保地经办机构予以结算（seed 000 三(三)）"
    if insured_admdvs.startswith("42"):
        return (
            "由参保人先行垫付，持医疗费用明细清单和票据向参保地医保经办机构申请报销（seed 002 三(一)）；"
            "本院于 3 个工作日内上传费用明细（seed 002 三(四)）"
        )
    return "按参保地规定向参保地医保经办机构咨询手工报销（本系统未收录该参保地的报销规定）"

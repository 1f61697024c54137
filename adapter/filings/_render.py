"""Filing outcomes in Chinese for the cashier / 医保办 (the wording lives here, not in ``_run``)."""

from __future__ import annotations

from collections.abc import Sequence

from ._model import FilingOutcome, RevocationOutcome

__all__ = ["render_filing", "render_filing_recovery", "render_revocation"]


def render_filing(outcome: FilingOutcome) -> str:
    disease = f"{outcome.opsp_dise_code} {outcome.opsp_dise_name}"
    head = f"门诊慢特病备案（2503）  {disease}  参保地 {outcome.insu_optins}"
    period = f"{outcome.begndate} 至 {outcome.enddate or '长期'}"
    if outcome.status == "filed":
        again = "（结果不明后按原 msgid 重新询问所得）" if outcome.replayed else ""
        return (
            f"{head}\n  已申报{again}：待遇申报明细流水号 {outcome.trt_dcla_detl_sn}，有效期 {period}\n"
            "  医保经办机构审核通过后生效（5301 可查到）；审核前可用 opsp filing revoke 撤销。"
        )
    if outcome.status == "refused":
        return f"{head}\n  未备案：医保平台拒绝（{outcome.err_msg}）"
    return (
        f"{head}\n  医保平台未返回确定结果，备案状态不明（msgid {outcome.msgid}）。"
        "请勿重复申报；运行 opsp filing recover 按原报文重新询问。"
    )


def render_revocation(outcome: RevocationOutcome) -> str:
    head = f"撤销门诊慢特病备案（2504）  {outcome.trt_dcla_detl_sn}"
    if outcome.status == "revoked":
        again = "（结果不明后按原 msgid 重新询问所得）" if outcome.replayed else ""
        return f"{head}\n  已撤销{again}。"
    if outcome.status == "refused":
        return f"{head}\n  未撤销：医保平台拒绝（{outcome.err_msg}）"
    return (
        f"{head}\n  医保平台未返回确定结果，撤销状态不明（msgid {outcome.msgid}）。"
        "运行 opsp filing recover 按原报文重新询问。"
    )


def render_filing_recovery(outcomes: Sequence[FilingOutcome | RevocationOutcome]) -> str:
    if not outcomes:
        return "没有结果不明的备案或撤销。"
    return "\n\n".join(
        render_filing(o) if isinstance(o, FilingOutcome) else render_revocation(o) for o in outcomes
    )

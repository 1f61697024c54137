"""Separating the bill: each item goes to exactly one place, with a one-line reason.

Seed 002 三(二): "将门诊慢特病费用分病种单独结算"; "同时发生的与门诊慢特病治疗无关的其他医疗
费用应按普通门诊费用…分开结算". So: one batch per settleable filed disease (med_type 14,
that dise_codg — the interface allows one dise_codg per chrg_bchno, PROTOCOL.md §3.8), one
ordinary batch (med_type 11) for the rest, and a self-pay bucket that is not uploaded.

The rules, in order:

1. 未贯标 (no national code) → self-pay, not uploaded (seed 002 三(四): "存在未贯标的数据时，
   应将已贯标的数据上传").
2. Insurance not active on the visit date → self-pay (nothing can be settled).
3. The item names its diagnosis: it goes to the first disease (best rule first) that the
   diagnosis supports, that is settleable here, and whose item scope holds the item. A
   local disease without a national code has no item scope data: its diagnosis suffices.
   An item in a settleable disease's scope but ordered for an unrelated diagnosis is
   *ordinary*: the order, not the drug, says what it treats (seed 003 二(三): "与门诊慢特病
   治疗无关的其他疾病的门诊医疗费用，不纳入门诊慢特病保障范围").
4. The item names no diagnosis: in the scope of exactly one settleable filed disease →
   that disease; in several or none → ordinary (a guess between diseases would put money
   under the wrong cap).
5. Everything else → ordinary outpatient.

An item of a filed disease that cannot be settled here but may be claimed at the insured place
(``claimable``) follows the visit's ``refused_chronic``: ``self_pay`` keeps the receipt for the claim;
``ordinary`` (or no answer yet) settles it as 普通门诊 — with no answer the plan says a decision is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ._resolve import Resolution
from ._visit import Item

__all__ = ["Placement", "place_items"]

Destination = Literal["chronic", "ordinary", "self_pay"]


@dataclass(frozen=True, slots=True, eq=False)
class Placement:
    """Where an item goes, and why: one per (resolution, diagnosis) of a bill, compared by identity."""

    destination: Destination
    disease: str
    """The opsp (or local) code of the chronic batch; ``""`` otherwise."""
    reason: str
    refused: str = ""
    """The filed disease that could not be settled here and sent the item elsewhere; ``""`` otherwise."""


def place_items(
    items: tuple[Item, ...],
    resolutions: tuple[Resolution, ...],
    *,
    claimable: frozenset[str] = frozenset(),
    keep_for_claim: bool = False,
    insurance_active: bool,
    settleable: tuple[str, ...],
    refused: Mapping[str, str],
    diagnoses: Mapping[str, tuple[str, ...]],
) -> tuple[Placement, ...]:
    """Place every item (``resolutions`` in the same order); ``settleable`` in filing order, ``refused``
    maps code → why not. An item's place depends only on its resolution and its diagnosis: each such
    pair is placed once (a long bill repeats a few)."""
    placed: dict[tuple[Resolution, str], Placement] = {}
    placements = []
    for item, resolution in zip(items, resolutions, strict=True):
        key = (resolution, item.diag_code)
        placement = placed.get(key)
        if placement is None:
            placement = _place(resolution, item.diag_code, insurance_active, settleable, refused, diagnoses)
            if keep_for_claim:
                placement = _claim(placement, claimable)
            placed[key] = placement
        placements.append(placement)
    return tuple(placements)


def _claim(placement: Placement, claimable: frozenset[str]) -> Placement:
    """An ordinary placement caused by a claimable refused disease becomes self-pay, kept for the claim."""
    code = placement.refused
    if placement.destination != "ordinary" or code not in claimable:
        return placement
    reason = f"{code} 不能直接结算：按自费收取，保留票据回参保地手工报销"
    return Placement("self_pay", "", reason, refused=code)


def _place(
    resolved: Resolution,
    diag: str,
    insurance_active: bool,
    settleable: tuple[str, ...],
    refused: Mapping[str, str],
    diagnoses: Mapping[str, tuple[str, ...]],
) -> Placement:
    if resolved.unmapped:
        return Placement("self_pay", "", "未贯标（无国家医保编码）：自费，不上传")
    if not insurance_active:
        return Placement("self_pay", "", "参保状态异常：自费")
    if diag:
        return _place_by_diagnosis(resolved, diag, diagnoses.get(diag, ()), settleable, refused)
    in_scope = [code for code in settleable if code in resolved.treats]
    if len(in_scope) == 1:
        return Placement("chronic", in_scope[0], f"未填诊断；仅属已备案病种 {in_scope[0]} 的支付范围")
    if in_scope:
        return _ordinary(f"未填诊断，且属多个病种范围（{'、'.join(in_scope)}）：按普通门诊")
    return _ordinary(*_ordinary_reason(resolved, refused))


def _place_by_diagnosis(
    resolved: Resolution,
    diag: str,
    supported: tuple[str, ...],
    settleable: tuple[str, ...],
    refused: Mapping[str, str],
) -> Placement:
    for code in supported:
        if code in settleable and (code in resolved.treats or not code.startswith("M")):
            scope = "在该病种支付范围内" if code in resolved.treats else "本地病种，按诊断归属"
            return Placement("chronic", code, f"诊断 {diag} → {code}，{scope}")
    unrelated = [code for code in settleable if code in resolved.treats]
    if unrelated:
        return _ordinary(f"属 {'、'.join(unrelated)} 范围，但开单诊断 {diag} 与其无关：按普通门诊")
    for code in supported:
        # A refused local disease (no national code, so no item scope) is matched by its diagnosis, as
        # a settleable one is above: its items are refused chronic items, not unrelated ordinary ones.
        if code in refused and (code in resolved.treats or not code.startswith("M")):
            return _ordinary(f"{code} 不能直接结算（{refused[code]}）：按普通门诊", code)
    if supported:
        return _ordinary(f"诊断 {diag} → {'、'.join(supported)}，但项目不在可结算病种范围内：按普通门诊")
    return _ordinary(f"诊断 {diag} 非门诊慢特病：按普通门诊")


def _ordinary_reason(resolved: Resolution, refused: Mapping[str, str]) -> tuple[str, str]:
    """(reason, the refused disease behind it or "")."""
    for code in sorted(resolved.treats):
        if code in refused:
            return f"{code} 不能直接结算（{refused[code]}）：按普通门诊", code
    return "非门诊慢特病项目：按普通门诊", ""


def _ordinary(reason: str, refused: str = "") -> Placement:
    return Placement("ordinary", "", reason, refused=refused)

"""专病专治 at the place of care: a line outside its batch's disease scope is not paid as chronic care.

Seed 002 三(二): "应专病专治，合理用药，将门诊慢特病费用分病种单独结算"; 三(一): "就医地有相应
门诊慢特病病种及限定支付范围的，执行就医地规定"; seed 003 二(三): "与门诊慢特病治疗无关的其他疾病的
门诊医疗费用，不纳入门诊慢特病保障范围". The place of care's item scope of each disease is
`mappings/data/item_disease_scope.csv` (read here through the mock's own loader; an empty cell = an
ordinary item that treats no chronic disease).

A 2204 line whose `dise_codg` names a disease is judged against that disease's scope: an item the file lists
for other diseases only (or for none) is outside it and split as 全自费, with a memo saying why, so 2206/2207
pay nothing for it. A local benefit code (WH-C02) is judged through its national codes
(`region_catalogues.csv`); a disease the place of care has no scope for (no national code, e.g. WH-S01 肺心病)
is not restricted ("没有相应门诊慢特病病种的…遵循相关病种诊疗规范", seed 002 三(一)); neither is an item the
file does not list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from mock_platform._money import ZERO
from mock_platform.backend.fee_split import LineSplit
from mock_platform.config.tables import CatalogueRow

NATIONAL_PREFIX = "M"


def national_codes(code: str, catalogue: Iterable[CatalogueRow]) -> frozenset[str]:
    """The national codes a batch's disease stands for: itself, or a local benefit's national codes."""
    if code.startswith(NATIONAL_PREFIX):
        return frozenset({code})
    found: set[str] = set()
    for row in catalogue:
        if row.benefit_code == code:
            found.update(row.national_codes)
    return frozenset(found)


def outside_scope(
    split: LineSplit,
    national_code: str,
    dise_codg: str,
    diseases: frozenset[str],
    items: Mapping[str, frozenset[str]],
) -> LineSplit:
    """The line's split, or 全自费 when the item treats none of the batch's disease codes."""
    if not dise_codg or not diseases or national_code not in items:
        return split
    treats = items[national_code]
    if treats & diseases or split.fulamt_ownpay_amt == split.det_item_fee_sumamt:
        return split
    other = "、".join(sorted(treats)) or "非门诊慢特病"
    return replace(
        split,
        fulamt_ownpay_amt=split.det_item_fee_sumamt,
        overlmt_amt=ZERO,
        preselfpay_amt=ZERO,
        inscp_scp_amt=ZERO,
        memo=f"非本病种[{dise_codg}]支付范围项目（属{other}），专病专治，不纳入本病种结算，按自费处理",
    )

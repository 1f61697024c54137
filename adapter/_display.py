"""How people and codes are shown to a cashier: masked personal data and dictionary labels.

Names are masked wherever the adapter prints them, the way hospital receipts do:
马建国 → 马*国; ID and card numbers are never printed at all.
Dictionary labels are the national ones (PROTOCOL.md §4).
"""

from __future__ import annotations

from mappings import MappingError, region_name

__all__ = [
    "CERT_TYPE_LABELS",
    "INSURANCE_STATUS_LABELS",
    "INSUTYPE_LABELS",
    "label",
    "mask_name",
    "place_label",
]

INSUTYPE_LABELS = {
    "310": "职工基本医疗保险",
    "320": "公务员医疗补助",
    "330": "大额医疗费用补助",
    "340": "离休人员医疗保障",
    "390": "城乡居民基本医疗保险",
    "392": "城乡居民大病医疗保险",
    "510": "生育保险",
}
CERT_TYPE_LABELS = {"01": "医保电子凭证", "02": "居民身份证", "03": "社会保障卡"}
INSURANCE_STATUS_LABELS = {"0": "未参保", "1": "正常参保", "2": "暂停参保", "3": "无效参保", "4": "终止参保"}


def label(code: str, labels: dict[str, str]) -> str:
    """``310 职工基本医疗保险``; the bare code when the dictionary does not know it."""
    name = labels.get(code)
    return f"{code} {name}" if name else code


def mask_name(name: str) -> str:
    """Keep the family name and, for three or more characters, the last one."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def place_label(admdvs: str) -> str:
    """``640100 银川市``; the bare code for an area the region table does not name."""
    try:
        return f"{admdvs} {region_name(admdvs)}"
    except MappingError:
        return admdvs

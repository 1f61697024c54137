"""How people and codes are shown to a cashier: masked personal data and dictionary labels.

Names are masked wherever the adapter prints them, the way hospital receipts do:
马建国 → 马*国; ID and card numbers are never printed in clear: a receipt shows the last four
characters only (``**************2010``).
Dictionary labels are the national ones (PROTOCOL.md §4).
"""

from __future__ import annotations

import re

from mappings import MappingError, region_name

__all__ = [
    "CERT_TYPE_LABELS",
    "INSURANCE_STATUS_LABELS",
    "INSUTYPE_LABELS",
    "cashier_text",
    "label",
    "mask_name",
    "mask_number",
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


def mask_number(number: str) -> str:
    """An ID or card number as a receipt prints it: every character but the last four hidden."""
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * min(len(number) - 4, 14) + number[-4:]


# A parenthesis citing a document (seed 001 一(四)1, DOMAIN.md §3.2, PROTOCOL.md) or holding
# developer English (an error class, an infno/msgid, "step 1 (refund …) refused"): the cashier
# does not need it; `--explain` / `-v` keep it.
_CITATION = re.compile(r"(seed \d|DOMAIN\.md|PROTOCOL\.md|STYLE\.md|INF:|§)")
_ENGLISH = re.compile(r"[A-Za-z]{2,}[ _-][A-Za-z]{2,}|[a-z_]+ → [a-z_]+|Error\b|\[\d{4} [A-Z0-9]{20,}\]")
_GROUP = re.compile(r"[（(]([^（）()]|[（(][^（）()]*[）)])*[）)]")


def cashier_text(text: str, *, explain: bool = False) -> str:
    """``text`` without citations and developer English in parentheses (kept with ``explain``)."""
    if explain:
        return text

    def drop(match: re.Match[str]) -> str:
        inner = match.group(0)
        return "" if _CITATION.search(inner) or _ENGLISH.search(inner) else inner

    previous = None
    while previous != text:
        previous, text = text, _GROUP.sub(drop, text)
    text = re.sub(r"INF: .*$", "", text)
    return text.strip()

"""Masking personal data inside free text the platform sends (``err_msg``), before it goes anywhere.

A platform's refusal can name the patient: "参保人：马建国（640104196203152010）卡号[A1234567]…".
``err_msg`` reaches the cashier's screen, the journal (call outcomes, batch notes) and the
log, so it is masked once, where ``PlatformError`` is made:

* ID numbers (18 characters, the last may be X, or 15 digits) anywhere: ``6401**********2010``
  keeps the region and the last four, enough to tell two patients apart when calling support;
* a value after a card, certificate or token label (卡号, 证件号码, 凭证, token …): ``***``;
* a name after a person label with a delimiter (姓名：, 参保人[, 患者（ …): the family name
  and the last character stay, as receipts print it (马*国).

Names without a label cannot be told from other words; the platform's own messages label them.

The platform's URL is printed the same way (``redact_url_credentials``): an endpoint may carry a
user name and password (``https://user:password@host/...``), which no error message repeats.
"""

from __future__ import annotations

import re

__all__ = ["mask_personal_text", "redact_url_credentials"]

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_OPEN = r"\s*(?:[:：=]\s*|[\[【(（「“\"'])\s*"
_CARD = re.compile(
    r"(卡号|社保卡号|社会保障卡号|证件号码?|身份证号码?|凭证号码?|电子凭证|ec_?token|token|mdtrt_cert_no|certno|card_sn)"
    + _OPEN
    + r"([0-9A-Za-z*_\-]{4,})",
    re.IGNORECASE,
)
_NAME = re.compile(r"(姓名|患者|参保人|病人|就诊人|人员姓名|psn_name)" + _OPEN + r"([\u4e00-\u9fff·]{2,6})")


# The userinfo of a URL: after "//", up to the authority's last "@" (httpx splits there too).
_USERINFO = re.compile(r"(?<=//)[^/?#\s]*@")


def _mask_id(match: re.Match[str]) -> str:
    number = match.group(1)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _mask_name(name: str) -> str:
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_personal_text(text: str) -> str:
    """``text`` with ID numbers, labelled card numbers and labelled names masked."""
    text = _CARD.sub(lambda m: m.group(0)[: m.start(2) - m.start(0)] + "***", text)
    text = _ID_NUMBER.sub(_mask_id, text)
    return _NAME.sub(lambda m: m.group(0)[: m.start(2) - m.start(0)] + _mask_name(m.group(2)), text)


def redact_url_credentials(text: str) -> str:
    """``text`` with the user name and password of every URL in it replaced by ``***``."""
    return _USERINFO.sub("***@", text)

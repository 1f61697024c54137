"""Who is at the cashier: 1101 (person and insurances by card) then 5301 (filings).

This is the I/O half of eligibility: it asks the platform and returns what it said,
typed. Judging what may be settled here is pure and lives elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._client import PlatformClient
from ._errors import InputError
from .transactions import t1101, t5301

__all__ = ["Card", "PersonRecord", "look_up_person"]


@dataclass(frozen=True)
class Card:
    """The credential presented: 01 医保电子凭证, 02 居民身份证, 03 社会保障卡 (with card_sn)."""

    mdtrt_cert_type: str
    mdtrt_cert_no: str = field(repr=False)
    card_sn: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.mdtrt_cert_type not in {"01", "02", "03"}:
            raise InputError("must be 01, 02 or 03", where="mdtrt_cert_type")
        if not self.mdtrt_cert_no:
            raise InputError("is required", where="mdtrt_cert_no")
        if self.mdtrt_cert_type == "03" and not self.card_sn:
            raise InputError("is required for a social security card (03)", where="card_sn")


@dataclass(frozen=True)
class PersonRecord:
    """What the platform says about the person: 1101 and 5301 answers."""

    person: t1101.BaseInfo
    insurances: tuple[t1101.InsuranceInfo, ...]
    identities: tuple[t1101.IdentityInfo, ...]
    filings: tuple[t5301.Filing, ...]


def look_up_person(client: PlatformClient, card: Card) -> PersonRecord:
    """1101 by card, then 5301 for the person's chronic-disease filings."""
    query = t1101.PersonQuery(
        mdtrt_cert_type=card.mdtrt_cert_type, mdtrt_cert_no=card.mdtrt_cert_no, card_sn=card.card_sn
    )
    person = client.call(t1101.TRANSACTION, t1101.Input(data=query)).output
    insured_place = person.insuinfo[0].insuplc_admdvs if person.insuinfo else ""
    filings = client.call(
        t5301.TRANSACTION,
        t5301.Input(data=t5301.PersonRef(psn_no=person.baseinfo.psn_no)),
        insuplc_admdvs=insured_place,
    ).output
    return PersonRecord(
        person=person.baseinfo,
        insurances=person.insuinfo,
        identities=person.idetinfo,
        filings=filings.feedetail,
    )

"""Model of `people.toml`: the platform's insured persons with their credentials, insurance and filings.

Shape (the adapter side reads the credential keys `key`, `psn_no`, `psn_name`, `psn_cert_type`, `certno`,
`card_no`, `card_sn`, `ec_token`; keep them stable)::

    [[person]]                 key, psn_no, psn_name, psn_cert_type, certno, gend, naty, brdy,
                               card_no, card_sn, ec_token, source, illustrative
    [[person.insurance]]       insutype, psn_type, psn_insu_stas, psn_insu_date, paus_insu_date?,
                               cvlserv_flag, insuplc_admdvs, emp_name, balc, source, illustrative
    [[person.identity]]        psn_idet_type, psn_type_lv, memo, begntime, endtime?   (1101 idetinfo)
    [[person.filing]]          opsp_dise_code, opsp_dise_name, begndate, enddate?, compound?   (5301)
    [[person.remote_filing]]   admdvs, begndate, enddate?                              (异地就医备案)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field, model_validator

from mock_platform.config._base import Admdvs, Code, FrozenModel, Money, Sourced, Text

# GB 11643 check-digit weights and characters: the demo ID numbers are synthetic but valid (DEMO_DATA.md).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def _check_resident_id(certno: str, brdy: date, gend: str) -> None:
    if len(certno) != 18 or not certno[:17].isdigit():
        raise ValueError("certno of psn_cert_type 01 must be an 18-character resident ID number")
    total = sum(int(digit) * weight for digit, weight in zip(certno[:17], _WEIGHTS, strict=True))
    if certno[17].upper() != _CHECK_CHARS[total % 11]:
        raise ValueError("certno has a wrong GB 11643 check digit")
    if certno[6:14] != brdy.strftime("%Y%m%d"):
        raise ValueError("brdy does not match the birth date inside certno")
    expected_gend = "1" if int(certno[16]) % 2 else "2"
    if gend != expected_gend:
        raise ValueError(f"gend must be {expected_gend} (GB 11643: odd 17th digit = male)")


class Insurance(Sourced):
    insutype: Code
    psn_type: Code
    psn_insu_stas: str = Field(pattern=r"^[0-4]$")
    psn_insu_date: date
    paus_insu_date: date | None = None
    cvlserv_flag: str = Field(pattern=r"^[01]$")
    insuplc_admdvs: Admdvs
    emp_name: str = ""
    balc: Money
    mulaid_balc: Money = Decimal("0.00")
    """门诊共济: what bound family members' accounts may pay for this person (acct_mulaid_pay)."""

    @model_validator(mode="after")
    def _suspension_has_date(self) -> Insurance:
        # psn_insu_stas 2 = 暂停参保 (PROTOCOL.md §4): the platform needs the date it started.
        if self.psn_insu_stas == "2" and self.paus_insu_date is None:
            raise ValueError("psn_insu_stas 2 (暂停参保) needs paus_insu_date")
        return self


class Identity(Sourced):
    psn_idet_type: Code
    psn_type_lv: str = ""
    memo: str = ""
    begntime: datetime
    endtime: datetime | None = None


class _Period(Sourced):
    begndate: date
    enddate: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _Period:
        if self.enddate is not None and self.enddate < self.begndate:
            raise ValueError("enddate is before begndate")
        return self


class Filing(_Period):
    """One 门诊慢特病 filing, as 5301 returns it; `compound` names its local compound benefit."""

    opsp_dise_code: Code
    opsp_dise_name: Text
    compound: Code | None = None


class RemoteFiling(_Period):
    """异地就医备案: to which admdvs (a province xx0000, a city xxxx00, or a county), from which date."""

    admdvs: Admdvs


class Person(Sourced):
    key: Text
    psn_no: Code
    psn_name: Text
    psn_cert_type: Code
    certno: Code
    gend: str = Field(pattern=r"^[0129]$")
    naty: Code
    brdy: date
    card_no: Code
    card_sn: str = Field(pattern=r"^[0-9A-Za-z]{32}$")
    ec_token: Code
    insurance: tuple[Insurance, ...] = Field(min_length=1)
    identity: tuple[Identity, ...] = ()
    filing: tuple[Filing, ...] = ()
    remote_filing: tuple[RemoteFiling, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Person:
        if self.psn_cert_type == "01":
            _check_resident_id(self.certno, self.brdy, self.gend)
        insutypes = [row.insutype for row in self.insurance]
        if len(set(insutypes)) != len(insutypes):
            raise ValueError("one insurance row per insutype")
        return self


class PeopleFile(FrozenModel):
    """`config/demo/people.toml`."""

    person: tuple[Person, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> PeopleFile:
        for field in ("key", "psn_no", "certno", "card_no", "ec_token"):
            values = [getattr(person, field) for person in self.person]
            if len(set(values)) != len(values):
                raise ValueError(f"{field} values must be unique across people")
        return self

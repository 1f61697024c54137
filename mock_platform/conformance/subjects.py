"""Scenario subjects: people a scenario seeds for itself, relative to the platform's clock.

`filing-not-yet-valid` needs a person whose 门诊慢特病 filing begins after today. A fixed demo person cannot
serve: DEMO_DATA's P7 is filed from 2027-01-01, so on a mock using the real clock it stops being "not yet
valid" on that day. The scenario therefore seeds a synthetic person whose M03900 高血压 filing begins
tomorrow (the mock's clock), shaped like P7 (Yinchuan 职工, 异地备案 to Hubei, so the demo hospital in Wuhan
settles them).

Seeded people are added, never replaced, and a person's filings cannot be changed by a seed, so each day has
its own person: every identifier is derived from the filing's first day. Starting the scenario again on the
same day finds that day's person and reuses it (also when two starts race: the loser's seed is refused and
the person read back); the next day a new one is seeded, and the day before's (filed from today) is simply
an ordinary valid filing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mock_platform._time import format_date
from mock_platform.backend import Backend

# GB 11643's weights and check characters, as the people file's validator applies them.
from mock_platform.config.people import _CHECK_CHARS, _WEIGHTS
from mock_platform.errors import SeedError

FILING_DISEASE = ("M03900", "高血压")
_AREA = "640106"  # 银川市金凤区, as P7
_SEQUENCE = "903"  # odd 17th digit: male (gend 1)
_SOURCE = "mock_platform/conformance/subjects.py: synthetic subject of scenario filing-not-yet-valid"


@dataclass(frozen=True)
class FilingSubject:
    """The person to bill in `filing-not-yet-valid`: filed for `opsp_dise_code` from `begndate`."""

    psn_no: str
    psn_name: str
    psn_cert_type: str
    certno: str
    insutype: str
    insuplc_admdvs: str
    opsp_dise_code: str
    opsp_dise_name: str
    begndate: date

    def described(self) -> str:
        return (
            f"{self.psn_name} (身份证 {self.certno}, psn_no {self.psn_no}, insured in 银川 "
            f"{self.insuplc_admdvs}; {self.opsp_dise_code} {self.opsp_dise_name} filed from "
            f"{format_date(self.begndate)})"
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "psn_no": self.psn_no,
            "psn_name": self.psn_name,
            "psn_cert_type": self.psn_cert_type,
            "certno": self.certno,
            "insutype": self.insutype,
            "insuplc_admdvs": self.insuplc_admdvs,
            "opsp_dise_code": self.opsp_dise_code,
            "opsp_dise_name": self.opsp_dise_name,
            "begndate": format_date(self.begndate),
        }


def filing_subject(backend: Backend) -> FilingSubject:
    """Tomorrow's subject (the platform's clock), seeded unless it already exists."""
    begndate = backend.now().date() + timedelta(days=1)
    document = subject_person(begndate)
    if backend.people.get(document["psn_no"]) is None:
        try:
            backend.seed({"people": [document]})
        except SeedError:
            if backend.people.get(document["psn_no"]) is None:  # not a concurrent twin: a real refusal
                raise
    return FilingSubject(
        psn_no=document["psn_no"],
        psn_name=document["psn_name"],
        psn_cert_type=document["psn_cert_type"],
        certno=document["certno"],
        insutype="310",
        insuplc_admdvs="640100",
        opsp_dise_code=FILING_DISEASE[0],
        opsp_dise_name=FILING_DISEASE[1],
        begndate=begndate,
    )


def subject_person(begndate: date) -> dict[str, Any]:
    """The seed document's person for a filing from `begndate` (identifiers derived from that day)."""
    day = begndate.strftime("%Y%m%d")
    # Born 40 years before the filing's day (a 29 February falls on one again: 40 is a multiple of 4 and
    # no century year without a 29 February lies within a date's range here).
    born = begndate.replace(year=begndate.year - 40)
    body = _AREA + born.strftime("%Y%m%d") + _SEQUENCE
    check = _CHECK_CHARS[sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True)) % 11]
    psn_no = f"64010090{day}0007"
    return {
        "key": f"filing-not-yet-valid-{day}",
        "psn_no": psn_no,
        "psn_name": "孙明远",
        "psn_cert_type": "01",
        "certno": body + check,
        "gend": "1",
        "naty": "01",
        "brdy": born.isoformat(),
        "card_no": f"F{day}7",
        "card_sn": f"F{psn_no}".ljust(32, "0"),
        "ec_token": f"ec-filing-{day}",
        "source": _SOURCE,
        "insurance": [
            {
                "insutype": "310",
                "psn_type": "11",
                "psn_insu_stas": "1",
                "psn_insu_date": "2000-01-01",
                "cvlserv_flag": "0",
                "insuplc_admdvs": "640100",
                "emp_name": "银川示范软件公司",
                "balc": "300.00",
                "source": _SOURCE,
            }
        ],
        "filing": [
            {
                "opsp_dise_code": FILING_DISEASE[0],
                "opsp_dise_name": FILING_DISEASE[1],
                "begndate": begndate.isoformat(),
                "source": _SOURCE,
            }
        ],
        "remote_filing": [{"admdvs": "420000", "begndate": "2024-01-01", "source": _SOURCE}],
    }

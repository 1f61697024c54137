"""Scenarios: named sequences a HIS must handle, each arming the mock and telling the vendor what to do.

`POST /_mock/scenarios/{name}` starts one: it clears the armed faults, arms the scenario's, switches the
profile, and records where the run starts in the traffic journal; the vendor then does at the HIS what
`steps` say (with the demo people of DEMO_DATA.md, e.g. P1 马建国 at 武汉市示范医院). The conformance report
(`GET /_mock/conformance`) checks the scenario's rules over the traffic of its run (from its start to the
next run's start) and every rule over all traffic.

A scenario whose subject depends on the day (`filing-not-yet-valid`: a filing that begins tomorrow) seeds it
when it starts (`subjects`); the start's answer names that person in its steps and under `run.subject`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mock_platform.backend import Backend
from mock_platform.conformance.subjects import FilingSubject, filing_subject


@dataclass(frozen=True)
class ArmedFault:
    infno: str
    kind: str
    times: int = 1
    seconds: float | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    steps: tuple[str, ...]
    expect: str
    rules: tuple[str, ...]
    faults: tuple[ArmedFault, ...] = ()
    profile: str = "national"
    # Seeds the person the steps are about, relative to the platform's clock (see `subjects`); the steps'
    # `{subject}` is replaced with who it is.
    subject: Callable[[Backend], FilingSubject] | None = None

    def as_dict(self, subject: FilingSubject | None = None) -> dict[str, Any]:
        """As listed; with the run's `subject`, the steps name that person."""
        named = UNNAMED_SUBJECT if subject is None else subject.described()
        return {
            "name": self.name,
            "title": self.title,
            "steps": [step.replace("{subject}", named) for step in self.steps],
            "expect": self.expect,
            "rules": list(self.rules),
            "faults": [
                {"infno": f.infno, "kind": f.kind, "times": f.times}
                | ({} if f.seconds is None else {"seconds": f.seconds})
                for f in self.faults
            ],
            "profile": self.profile,
        }


UNNAMED_SUBJECT = "the person the scenario's start seeds and names (M03900 高血压 filed from tomorrow)"

_BASIC = ("msgid-unique", "registration-closed", "deviations-reported")

SCENARIOS: Mapping[str, Scenario] = MappingProxyType(
    {
        scenario.name: scenario
        for scenario in (
            Scenario(
                "happy-path",
                "门诊慢特病 settlement, start to end",
                (
                    "Sign in (9001) at 武汉市示范医院 H42010200001.",
                    "Settle a 糖尿病 (M01600) bill for P1 (mdtrt_cert_no 640104196203152010): 2201 → 2203 → "
                    "2204 → 2206 → 2207, e.g. 30 × Y001 二甲双胍片 0.40.",
                    "Optionally POST the totals your receipt prints to /_mock/receipts (setl_id, "
                    "medfee_sumamt, funds, fund_pay_sumamt, acct_pay, psn_cash_pay), compared with 2207's.",
                ),
                "Every call answered with infcode 0; the visit ends settled; a receipt shows 2207's amounts.",
                (*_BASIC, "one-disease-per-batch", "receipt-matches-2207"),
            ),
            Scenario(
                "lost-2207-answer",
                "The 2207 answer is lost after the platform settled",
                ("Settle a bill for P1 as in happy-path. The first 2207's answer never arrives.",),
                "2601 with omsgid = the lost 2207's msgid (oinfno 2207), then a clean 2206/2207 "
                "with a new msgid (or the visit unwound: 2205, 2202).",
                (*_BASIC, "reverse-unknown-2207"),
                faults=(ArmedFault("2207", "drop_after_commit"),),
            ),
            Scenario(
                "maintenance-during-2204",
                "停机 during the fee upload",
                ("Settle a bill for P1. The first 2204 is answered 系统停机维护中，请稍后再试.",),
                "The HIS shows the platform's message and cancels or finishes the visit; nothing left open.",
                _BASIC,
                faults=(ArmedFault("2204", "maintenance"),),
            ),
            Scenario(
                "refund-order",
                "Two settlements refunded",
                ("Settle two bills for P1 one after the other, then refund both (2208).",),
                "The newer settlement is refunded first; the platform refuses the older one first.",
                (*_BASIC, "refund-newest-first"),
            ),
            Scenario(
                "two-diseases",
                "One bill with items for two chronic diseases",
                ("Bill P1 for Y001 (糖尿病 M01600) and Y005 (高血压 M03900) in one visit.",),
                "One 2204 batch (chrg_bchno) per disease, each with its own dise_codg, settled separately.",
                (*_BASIC, "one-disease-per-batch"),
            ),
            Scenario(
                "unmapped-items",
                "A bill with an item not in the hospital's 目录对照",
                (
                    "Bill P1 for Y001 and L999 院内自制茶饮 15.00 (未贯标 in the demo 目录对照), or any item "
                    "your HIS has not mapped.",
                ),
                "The unmapped item is not sent in 2204 (charged as self-pay at the desk); the rest settles.",
                (*_BASIC, "unmapped-items-not-uploaded"),
            ),
            Scenario(
                "filing-not-yet-valid",
                "A 慢特病 filing that is not valid yet",
                ("Bill {subject} for Y005 on today's date.",),
                "The HIS does not settle it as 门诊慢特病 (5301 shows the filing's begndate); "
                "no visit left open.",
                (*_BASIC, "filing-valid-on-visit-day"),
                subject=filing_subject,
            ),
        )
    }
)


@dataclass
class ScenarioRun:
    name: str
    started_at: str  # the platform's time, ISO
    first_entry_id: int  # the first traffic journal id that belongs to the run


@dataclass
class ScenarioBook:
    """The runs started on this platform, in order (kept in memory: a run is a test session)."""

    runs: list[ScenarioRun] = field(default_factory=list)

    def start(self, run: ScenarioRun) -> None:
        self.runs.append(run)

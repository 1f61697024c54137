"""The rule checker: what a HIS must do, checked over the traffic the mock received (issue #17).

Each rule has an id, the clause it rests on and a check over a `Traffic`: the traffic journal's entries
(oldest first, with their request and answer bodies, personal fields masked; receipts the vendor uploaded are
entries too, path `/_mock/receipts`) and `Facts`, what the platform knows that the traffic does not carry
(the hospital's 目录对照, a person's filings, a visit's day). A verdict is `pass`, `fail` (with the offending
entries as evidence: journal id, infno, msgid and why) or `not_applicable` (the traffic holds nothing the rule
is about). Accepted deviations (`warnings` in the journal) are listed by their own rule,
`deviations-reported`, as `warn`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from mock_platform.conformance.receipts import RECEIPTS_PATH, ReceiptUpload

Verdict = Literal["pass", "fail", "warn", "not_applicable"]
Entry = Mapping[str, Any]


@dataclass(frozen=True)
class FilingFact:
    """A person's 慢特病 filing for one disease: valid from `begndate` to `enddate` (open when None)."""

    dise_codg: str
    begndate: date
    enddate: date | None

    def valid_on(self, day: date) -> bool:
        return self.begndate <= day and (self.enddate is None or day <= self.enddate)


class Facts(Protocol):
    """What the platform knows that the traffic does not carry (read when the report is built)."""

    def mapped_code(self, fixmedins_code: str, medins_list_codg: str) -> str | None:
        """The national code the hospital's 目录对照 maps an item to; "" when 未贯标, None when not mapped."""

    def filings(self, psn_no: str) -> Sequence[FilingFact]:
        """The person's 慢特病 filings (5301), every disease."""

    def visit_day(self, mdtrt_id: str) -> date | None:
        """The day a registered visit began; None when the platform has no such visit."""


@dataclass(frozen=True)
class Traffic:
    """What the rules judge: journal entries (oldest first) and the platform's facts."""

    entries: Sequence[Entry]
    facts: Facts


# Faults after which the HIS cannot know whether the platform processed the call.
UNKNOWN_OUTCOME_FAULTS = frozenset(
    {"drop_after_commit", "timeout_after_commit", "fail_before_commit", "bad_gateway"}
)
STATE_CHANGING = frozenset({"2201", "2202", "2203", "2204", "2205", "2207", "2208"})


@dataclass(frozen=True)
class Evidence:
    entry_id: int
    infno: str
    msgid: str
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "infno": self.infno, "msgid": self.msgid, "why": self.why}


@dataclass(frozen=True)
class RuleResult:
    rule: str
    title: str
    clause: str
    verdict: Verdict
    evidence: tuple[Evidence, ...] = ()
    advice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "clause": self.clause,
            "verdict": self.verdict,
            "advice": self.advice,
            "evidence": [item.as_dict() for item in self.evidence],
        }


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    clause: str
    advice: str
    check: Callable[[Traffic], tuple[Verdict, list[Evidence]]] = field(repr=False)

    def run(self, traffic: Traffic) -> RuleResult:
        verdict, evidence = self.check(traffic)
        return RuleResult(
            self.id,
            self.title,
            self.clause,
            verdict,
            tuple(evidence),
            self.advice if verdict == "fail" else "",
        )


def _body(entry: Entry, column: str) -> Any:
    text = entry.get(column) or ""
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        return None


def _data(entry: Entry) -> Mapping[str, Any]:
    request = _body(entry, "request_body")
    node = request.get("input", {}).get("data") if isinstance(request, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _evidence(entry: Entry, why: str) -> Evidence:
    return Evidence(int(entry.get("id", 0)), str(entry.get("infno", "")), str(entry.get("msgid", "")), why)


def _verdict(applicable: bool, evidence: list[Evidence]) -> tuple[Verdict, list[Evidence]]:
    if evidence:
        return "fail", evidence
    return ("pass" if applicable else "not_applicable"), []


def _platform(entries: Iterable[Entry]) -> list[Entry]:
    return [entry for entry in entries if str(entry.get("path", "")).startswith("/fsi/api/")]


def check_msgid_unique(traffic: Traffic) -> tuple[Verdict, list[Evidence]]:
    """A msgid names one request: a second, different request under it is a reuse."""
    first: dict[str, Entry] = {}
    evidence: list[Evidence] = []
    for entry in _platform(traffic.entries):
        msgid = str(entry.get("msgid", ""))
        if not msgid:
            continue
        earlier = first.get(msgid)
        if earlier is None:
            first[msgid] = entry
            continue
        same = (earlier.get("infno"), _input(earlier)) == (entry.get("infno"), _input(entry))
        if not same:
            evidence.append(
                _evidence(
                    entry, f"msgid already used by journal entry {earlier.get('id')} for another request"
                )
            )
    return _verdict(bool(first), evidence)


def _input(entry: Entry) -> Any:
    request = _body(entry, "request_body")
    return request.get("input") if isinstance(request, Mapping) else None


def check_retry_after_unknown(traffic: Traffic) -> tuple[Verdict, list[Evidence]]:
    """After a 2207 whose outcome the HIS could not know, 2601 with omsgid = its msgid comes before any
    new 2207."""
    pending: dict[str, Entry] = {}  # msgid of a 2207 with an unknown outcome -> its entry
    evidence: list[Evidence] = []
    applicable = False
    for entry in _platform(traffic.entries):
        infno = entry.get("infno")
        if infno == "2207" and entry.get("fault") in UNKNOWN_OUTCOME_FAULTS:
            pending[str(entry.get("msgid", ""))] = entry
            applicable = True
        elif infno == "2601":
            pending.pop(str(_data(entry).get("omsgid", "")), None)
        elif infno == "2207" and pending and entry.get("msgid") not in pending:
            for msgid, lost in pending.items():
                evidence.append(
                    _evidence(
                        entry,
                        f"2207 sent with a new msgid while 2207 {msgid} (journal entry {lost.get('id')}) "
                        "had an unknown outcome and no 2601 reversed it",
                    )
                )
            pending.clear()
    for msgid, lost in pending.items():
        evidence.append(
            _evidence(lost, f"2207 {msgid} had an unknown outcome and was never reversed with 2601")
        )
    return _verdict(applicable, evidence)


def check_refund_order(traffic: Traffic) -> tuple[Verdict, list[Evidence]]:
    """2208 reverses a person's settlements newest first: the platform refused one out of order."""
    refunds = [entry for entry in _platform(traffic.entries) if entry.get("infno") == "2208"]
    evidence = [
        _evidence(entry, f"refused: {entry.get('err_msg')}")
        for entry in refunds
        if "倒序" in str(entry.get("err_msg", ""))
    ]
    return _verdict(bool(refunds), evidence)


def check_one_disease_per_batch(traffic: Traffic) -> tuple[Verdict, list[Evidence]]:
    """Every fee row of one chrg_bchno carries the same dise_codg."""
    uploads = [entry for entry in _platform(traffic.entries) if entry.get("infno") == "2204"]
    evidence: list[Evidence] = []
    for entry in uploads:
        request = _body(entry, "request_body")
        rows = request.get("input", {}).get("feedetail") if isinstance(request, Mapping) else None
        if not isinstance(rows, list):
            continue
        diseases: dict[str, set[str]] = {}
        for row in rows:
            if isinstance(row, Mapping):
                diseases.setdefault(str(row.get("chrg_bchno", "")), set()).add(str(row.get("dise_codg", "")))
        for batch, codes in diseases.items():
            if len(codes) > 1:
                evidence.append(
                    _evidence(
                        entry, f"batch {batch} carries {len(codes)} dise_codg: {', '.join(sorted(codes))}"
                    )
                )
    return _verdict(bool(uploads), evidence)


def check_registrations_closed(traffic: Traffic) -> tuple[Verdict, list[Evidence]]:
    """Every visit registered (2201) is settled (2207) or cancelled (2202) by the end of the traffic."""
    opened: dict[str, Entry] = {}
    for entry in _platform(traffic.entries):
        if entry.get("infcode") != 0 and entry.get("outcome") != "replayed":
            continue
        infno, mdtrt_id = entry.get("infno"), str(entry.get("mdtrt_id", ""))
        if infno == "2201" and mdtrt_id:
            opened[mdtrt_id] = entry
        elif infno in ("2202", "2207") and mdtrt_id:
            opened.pop(mdtrt_id, None)
    applicable = any(entry.get("infno") == "2201" for entry in traffic.entries)
    evidence = [
        _evidence(entry, f"visit {mdtrt_id} registered and left open") for mdtrt_id, entry in opened.items()
    ]
    return _verdict(applicable, evidence)


def check_deviations(traffic: Traffic) -> tuple[Verdict, list[Evidence]]:
    evidence = [
        _evidence(entry, str(entry["warnings"]))
        for entry in _platform(traffic.entries)
        if entry.get("warnings")
    ]
    return ("warn" if evidence else "pass"), evidence


def _rows(entry: Entry) -> list[Mapping[str, Any]]:
    """The fee rows (`input.feedetail`) a 2204 request sent."""
    request = _body(entry, "request_body")
    rows = request.get("input", {}).get("feedetail") if isinstance(request, Mapping) else None
    return [row for row in rows if isinstance(row, Mapping)] if isinstance(rows, list) else []


def check_unmapped_items(traffic: Traffic) -> tuple[Verdict, list[Evidence]]:
    """Every 2204 row is an item the hospital's 目录对照 maps to a national code, sent as that code."""
    uploads = [entry for entry in _platform(traffic.entries) if entry.get("infno") == "2204"]
    evidence: list[Evidence] = []
    for entry in uploads:
        hospital = str(entry.get("fixmedins_code", ""))
        for row in _rows(entry):
            code, sent = str(row.get("medins_list_codg", "")), str(row.get("med_list_codg", ""))
            national = traffic.facts.mapped_code(hospital, code)
            line = f"feedetl_sn {row.get('feedetl_sn', '?')}: item {code}"
            if national is None:
                why = f"{line} has no 目录对照 at {hospital}, yet was uploaded as a 医保 item"
            elif not national:
                why = f"{line} is 未贯标 (mapped to no national code) at {hospital}, yet was uploaded"
            elif sent != national:
                why = f"{line} was uploaded as {sent}, but the 目录对照 maps it to {national}"
            else:
                continue
            evidence.append(_evidence(entry, why))
    return _verdict(bool(uploads), evidence)


def check_filing_valid(traffic: Traffic) -> tuple[Verdict, list[Evidence]]:
    """A 2207 as 门诊慢特病 (med_type 14) only for a disease whose filing is valid on the visit day.

    The rule is about a 2207 of a person with a filing that is not valid on that visit's day (whatever it
    settled: a 普通门诊 settlement of such a person passes) or any 2207 as 门诊慢特病."""
    batch_disease: dict[tuple[str, str], str] = {}  # (mdtrt_id, chrg_bchno) -> dise_codg of its 2204 rows
    visit_disease: dict[str, str] = {}  # mdtrt_id -> dise_codg of its 2203
    evidence: list[Evidence] = []
    applicable = False
    for entry in _platform(traffic.entries):
        infno = entry.get("infno")
        if infno == "2204":
            for row in _rows(entry):
                key = (str(row.get("mdtrt_id", "")), str(row.get("chrg_bchno", "")))
                batch_disease[key] = str(row.get("dise_codg", ""))
        elif infno == "2203":
            request = _body(entry, "request_body")
            info = request.get("input", {}).get("mdtrtinfo") if isinstance(request, Mapping) else None
            if isinstance(info, Mapping):
                visit_disease[str(info.get("mdtrt_id", ""))] = str(info.get("dise_codg", ""))
        elif infno == "2207":
            data = _data(entry)
            mdtrt_id = str(data.get("mdtrt_id", ""))
            disease = batch_disease.get((mdtrt_id, str(data.get("chrg_bchno", "")))) or visit_disease.get(
                mdtrt_id, ""
            )
            day = traffic.facts.visit_day(mdtrt_id)
            filings = traffic.facts.filings(str(data.get("psn_no", "")))
            chronic = str(data.get("med_type", "")) == "14" and bool(disease)
            if day is None or not (chronic or any(not filing.valid_on(day) for filing in filings)):
                continue
            applicable = True
            why = _filing_problem(filings, disease, mdtrt_id, day) if chronic else None
            if why is not None:
                evidence.append(_evidence(entry, why))
    return _verdict(applicable, evidence)


def _filing_problem(filings: Sequence[FilingFact], disease: str, mdtrt_id: str, day: date) -> str | None:
    """Why the person's filing for `disease` does not cover the visit's day (None: it does, or no filing of
    that code is known, which the platform's own checks judge)."""
    filings = [filing for filing in filings if filing.dise_codg == disease]
    if not filings or any(filing.valid_on(day) for filing in filings):
        return None
    upcoming = sorted(filing.begndate for filing in filings if filing.begndate > day)
    if upcoming:
        state = f"the filing begins {upcoming[0]}"
    else:
        state = f"the filing ended {max(filing.enddate or day for filing in filings)}"
    return f"2207 settles {disease} as 门诊慢特病 (med_type 14) for visit {mdtrt_id} of {day}, but {state}"


def _settled(entry: Entry) -> Mapping[str, Any] | None:
    """The `setlinfo` of a 2207 the platform answered with infcode 0 (also a replayed answer)."""
    if entry.get("infno") != "2207" or entry.get("infcode") != 0:
        return None
    answer = _body(entry, "answer_body")
    output = answer.get("output") if isinstance(answer, Mapping) else None
    info = output.get("setlinfo") if isinstance(output, Mapping) else None
    return info if isinstance(info, Mapping) else None


def check_receipts(traffic: Traffic) -> tuple[Verdict, list[Evidence]]:
    """Each uploaded receipt prints what 2207 answered for its setl_id: every fund, account, cash."""
    answers: dict[str, tuple[Entry, Mapping[str, Any]]] = {}
    evidence: list[Evidence] = []
    applicable = False
    for entry in traffic.entries:
        if entry.get("path") != RECEIPTS_PATH:
            info = _settled(entry) if str(entry.get("path", "")).startswith("/fsi/api/") else None
            if info is not None:
                answers[str(info.get("setl_id", ""))] = (entry, info)
            continue
        applicable = True
        try:
            receipt = ReceiptUpload.model_validate_json(str(entry.get("request_body") or ""))
        except ValidationError:  # refused at upload (400) and journalled as such: nothing to compare
            continue
        found = answers.get(receipt.setl_id)
        if found is None:
            why = f"receipt of setl_id {receipt.setl_id}: no 2207 in this traffic answered that setl_id"
            evidence.append(Evidence(int(entry.get("id", 0)), "2207", "", why))
            continue
        settled, info = found
        for difference in receipt.differences(info):
            why = f"receipt vs the 2207 answer of journal entry {settled.get('id')}: {difference}"
            evidence.append(Evidence(int(entry.get("id", 0)), "2207", str(settled.get("msgid", "")), why))
    return _verdict(applicable, evidence)


RULES: tuple[Rule, ...] = (
    Rule(
        "msgid-unique",
        "A msgid is never reused for another request",
        "PROTOCOL.md §6.2; §1.3",
        "Issue a new msgid for every new request; resend the same msgid only with the identical request.",
        check_msgid_unique,
    ),
    Rule(
        "reverse-unknown-2207",
        "A 2207 with an unknown outcome is reversed (2601 with its msgid) before settling again",
        "PROTOCOL.md §6.4 (JX/HN 2601 冲正)",
        "On a timeout or dropped answer of 2207, send 2601 with omsgid = that 2207's msgid and "
        "oinfno = 2207; "
        "only then re-run 2206/2207 with a new msgid.",
        check_retry_after_unknown,
    ),
    Rule(
        "refund-newest-first",
        "Several settlements are refunded newest first",
        "PROTOCOL.md §6.5; the mock's 2208 ordering",
        "Refund (2208) a person's settlements in reverse chronological order: the latest first.",
        check_refund_order,
    ),
    Rule(
        "one-disease-per-batch",
        "Every fee row of a chrg_bchno carries the same dise_codg",
        "PROTOCOL.md §6.3",
        "Split a bill with two chronic diseases into one 2204 batch (chrg_bchno) per disease.",
        check_one_disease_per_batch,
    ),
    Rule(
        "registration-closed",
        "No registration is left open at the end",
        "PROTOCOL.md §3.0 workflow; §6.4",
        "Settle (2207) or cancel (2202) every visit you registered (2201), also after a failure.",
        check_registrations_closed,
    ),
    Rule(
        "unmapped-items-not-uploaded",
        "Only items the hospital's 目录对照 maps to a national code are uploaded, as that code",
        "seed 002 三(四) (医疗费用中存在未贯标的数据时，应将已贯标的数据上传); PROTOCOL.md §3.8",
        "Keep an item without 目录对照 (or 未贯标) out of 2204: charge it as self-pay at the desk, and send "
        "every other item with the national code its 目录对照 row gives.",
        check_unmapped_items,
    ),
    Rule(
        "filing-valid-on-visit-day",
        "门诊慢特病 (med_type 14) is settled only for a disease whose filing is valid on the visit day",
        "seed 002 二(一) (已…完成门诊慢特病待遇资格认定…的参保人); PROTOCOL.md §3.0 step 3, §3.3",
        "Read 5301 before settling: when the filing's begndate is after the visit day (or it has ended), do "
        "not settle the disease as med_type 14; settle as 普通门诊 or self-pay, and close the visit.",
        check_filing_valid,
    ),
    Rule(
        "receipt-matches-2207",
        "The receipt prints what 2207 answered: every fund, the account, the cash",
        "seed 002 三(二) (参保地…计算…各项医保基金支付的金额，并将结果回传); PROTOCOL.md §3.11, §3.12a",
        "Print each fund, acct_pay and psn_cash_pay from the 2207 answer's setlinfo as they are; never "
        "recompute them at the HIS.",
        check_receipts,
    ),
    Rule(
        "deviations-reported",
        "Deviations from the national text the profile accepted",
        "PROTOCOL.md §1.1-§1.6 (profiles: mock_platform/conformance/profiles.toml)",
        "Each is accepted by the profile in force but refused by a strict platform; fix where you can.",
        check_deviations,
    ),
)


def check(traffic: Traffic, rules: Iterable[Rule] = RULES) -> list[RuleResult]:
    """Every rule over the traffic (journal entries oldest first)."""
    return [rule.run(traffic) for rule in rules]

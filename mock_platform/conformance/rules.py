"""The rule checker: what a HIS must do, checked over the traffic the mock received (issue #17).

Each rule has an id, the clause it rests on and a check over the traffic journal's entries (oldest first,
with their request and answer bodies, personal fields masked). A verdict is `pass`, `fail` (with the
offending entries as evidence: journal id, infno, msgid and why) or `not_applicable` (the traffic holds
nothing the rule is about). Accepted deviations (`warnings` in the journal) are listed by their own rule,
`deviations-reported`, as `warn`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["pass", "fail", "warn", "not_applicable"]
Entry = Mapping[str, Any]

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
    check: Callable[[Sequence[Entry]], tuple[Verdict, list[Evidence]]] = field(repr=False)

    def run(self, entries: Sequence[Entry]) -> RuleResult:
        verdict, evidence = self.check(entries)
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
        return json.loads(text)
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


def check_msgid_unique(entries: Sequence[Entry]) -> tuple[Verdict, list[Evidence]]:
    """A msgid names one request: a second, different request under it is a reuse."""
    first: dict[str, Entry] = {}
    evidence: list[Evidence] = []
    for entry in _platform(entries):
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


def check_retry_after_unknown(entries: Sequence[Entry]) -> tuple[Verdict, list[Evidence]]:
    """After a 2207 whose outcome the HIS could not know, 2601 with omsgid = its msgid comes before any
    new 2207."""
    pending: dict[str, Entry] = {}  # msgid of a 2207 with an unknown outcome -> its entry
    evidence: list[Evidence] = []
    applicable = False
    for entry in _platform(entries):
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


def check_refund_order(entries: Sequence[Entry]) -> tuple[Verdict, list[Evidence]]:
    """2208 reverses a person's settlements newest first: the platform refused one out of order."""
    refunds = [entry for entry in _platform(entries) if entry.get("infno") == "2208"]
    evidence = [
        _evidence(entry, f"refused: {entry.get('err_msg')}")
        for entry in refunds
        if "倒序" in str(entry.get("err_msg", ""))
    ]
    return _verdict(bool(refunds), evidence)


def check_one_disease_per_batch(entries: Sequence[Entry]) -> tuple[Verdict, list[Evidence]]:
    """Every fee row of one chrg_bchno carries the same dise_codg."""
    uploads = [entry for entry in _platform(entries) if entry.get("infno") == "2204"]
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


def check_registrations_closed(entries: Sequence[Entry]) -> tuple[Verdict, list[Evidence]]:
    """Every visit registered (2201) is settled (2207) or cancelled (2202) by the end of the traffic."""
    opened: dict[str, Entry] = {}
    for entry in _platform(entries):
        if entry.get("infcode") != 0 and entry.get("outcome") != "replayed":
            continue
        infno, mdtrt_id = entry.get("infno"), str(entry.get("mdtrt_id", ""))
        if infno == "2201" and mdtrt_id:
            opened[mdtrt_id] = entry
        elif infno in ("2202", "2207") and mdtrt_id:
            opened.pop(mdtrt_id, None)
    applicable = any(entry.get("infno") == "2201" for entry in entries)
    evidence = [
        _evidence(entry, f"visit {mdtrt_id} registered and left open") for mdtrt_id, entry in opened.items()
    ]
    return _verdict(applicable, evidence)


def check_deviations(entries: Sequence[Entry]) -> tuple[Verdict, list[Evidence]]:
    evidence = [
        _evidence(entry, str(entry["warnings"])) for entry in _platform(entries) if entry.get("warnings")
    ]
    return ("warn" if evidence else "pass"), evidence


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
        "deviations-reported",
        "Deviations from the national text the profile accepted",
        "PROTOCOL.md §1.1-§1.6 (profiles: mock_platform/conformance/profiles.toml)",
        "Each is accepted by the profile in force but refused by a strict platform; fix where you can.",
        check_deviations,
    ),
)


def check(entries: Sequence[Entry], rules: Iterable[Rule] = RULES) -> list[RuleResult]:
    """Every rule over the traffic (journal entries oldest first)."""
    return [rule.run(entries) for rule in rules]

"""Diagnosis -> national 门诊慢特病 code: the rule table, single-code and visit-level lookups.

Rules (``data/icd_rules.csv``) come from DOMAIN.md §3.2. A rule maps an ICD-10 pattern (category and
ranges, so 医保版 extended codes such as ``I10.x09`` match ``I10-I15``) to one opsp code. Two kinds:

* **single**: one diagnosis is enough (``E11.900`` -> M01600);
* **combination**: needs a second, different diagnosis of the same visit matching ``with``
  (``N18.902`` + ``Z99.201`` -> M07801; ``Z94.0`` + ``Z94.4`` -> M08306).

Precedence, decided here and documented in ``data/README.md``:

1. Every satisfied rule yields a :class:`Candidate`; candidates sort by the rule's ``precedence``
   (10 = the five national cross-province diseases, 20 = national sub-codes, 30 = class and
   province-specific codes), then by code. Several candidates are normal: the insured region decides
   which one it covers (``mappings.regions``).
2. A satisfied combination drops the candidates of the rules it ``supersedes`` for the whole visit:
   dialysis (M07801/M07803/M07804) drops M07800 "非透析治疗", which the dialysis code contradicts;
   M08306 肝肾联合移植 drops M08301 and M08304, so one transplant is not settled as two [INF].
3. A single-code lookup cannot satisfy a combination; the combinations its code takes part in are
   returned apart, as ``conditional`` candidates with the pattern they still ``need``.

A well-formed code that matches nothing has no candidates (ordinary outpatient, not an error); a
malformed one raises :class:`MalformedCodeError`. Single lookups are cached per raw and normalised
code on the table object, so warm lookups are one dict access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mappings._csv import Record, check_unique, frozen_mapping, read_table
from mappings._icd_patterns import IcdPattern, parse_pattern, split_icd
from mappings.codes import IcdCode, OpspCode, parse_icd, parse_opsp_code
from mappings.diseases import EVIDENCE, DiseaseCatalogue
from mappings.errors import UnknownCodeError

__all__ = [
    "Candidate",
    "DiagnosisLookup",
    "DiagnosisRule",
    "DiagnosisRules",
    "VisitDiagnoses",
    "load_diagnosis_rules",
]

COLUMNS = (
    "rule_id",
    "opsp_dise_code",
    "match",
    "with",
    "precedence",
    "supersedes",
    "description",
    "evidence",
    "provenance",
)
_RULE_ID = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,39}", re.ASCII)
# The cache only ever holds well-formed codes; the bound keeps a stream of distinct codes from growing
# it without limit (a hospital dictionary has a few thousand).
_CACHE_LIMIT = 65_536


@dataclass(frozen=True, slots=True)
class DiagnosisRule:
    """One row of the rule table. ``companion`` is the ``with`` pattern of a combination rule."""

    rule_id: str
    opsp_dise_code: OpspCode
    opsp_dise_name: str
    match: IcdPattern
    companion: IcdPattern | None
    precedence: int
    supersedes: tuple[str, ...]
    description: str
    evidence: str
    provenance: str

    def pattern(self, *, companion: bool) -> IcdPattern:
        """The ``with`` pattern when ``companion`` (and the rule has one), else the ``match`` pattern."""
        return self.companion if companion and self.companion is not None else self.match

    @property
    def text(self) -> str:
        """The rule in one line: ``N18|N19 + Z49|Z99.2 -> M07801``."""
        left = str(self.match) if self.companion is None else f"{self.match} + {self.companion}"
        return f"{left} -> {self.opsp_dise_code}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """An opsp disease a diagnosis supports, with the rule that produced it.

    ``diagnoses`` are the (normalised) codes that satisfied the rule. ``needs`` is set only on a
    conditional candidate: the pattern a further diagnosis must match to satisfy the combination.
    """

    opsp_dise_code: OpspCode
    opsp_dise_name: str
    rule_id: str
    rule: str
    description: str
    precedence: int
    diagnoses: tuple[IcdCode, ...]
    needs: str | None
    evidence: str
    provenance: str


def _candidate(rule: DiagnosisRule, diagnoses: Iterable[IcdCode], needs: str | None = None) -> Candidate:
    return Candidate(
        opsp_dise_code=rule.opsp_dise_code,
        opsp_dise_name=rule.opsp_dise_name,
        rule_id=rule.rule_id,
        rule=rule.text,
        description=rule.description,
        precedence=rule.precedence,
        diagnoses=tuple(dict.fromkeys(diagnoses)),
        needs=needs,
        evidence=rule.evidence,
        provenance=rule.provenance,
    )


def _distinct_codes(candidates: Iterable[Candidate]) -> tuple[OpspCode, ...]:
    return tuple(dict.fromkeys(candidate.opsp_dise_code for candidate in candidates))


@dataclass(frozen=True, slots=True)
class DiagnosisLookup:
    """The answer for one diagnosis code on its own."""

    code: IcdCode
    candidates: tuple[Candidate, ...]
    conditional: tuple[Candidate, ...]

    @property
    def opsp_codes(self) -> tuple[OpspCode, ...]:
        """Distinct candidate codes in precedence order."""
        return _distinct_codes(self.candidates)


@dataclass(frozen=True, slots=True)
class VisitDiagnoses:
    """The answer for a visit's whole diagnosis list, combinations and precedence applied."""

    codes: tuple[IcdCode, ...]
    candidates: tuple[Candidate, ...]
    superseded: tuple[Candidate, ...]

    @property
    def opsp_codes(self) -> tuple[OpspCode, ...]:
        return _distinct_codes(self.candidates)

    def for_code(self, code: str) -> tuple[Candidate, ...]:
        """The candidates a diagnosis of this visit supports (alone or in a combination)."""
        normalised = parse_icd(code)
        return tuple(c for c in self.candidates if normalised in c.diagnoses)

    def supporting(self, opsp_code: str) -> tuple[IcdCode, ...]:
        """The visit's diagnoses that support an opsp code, in visit order."""
        wanted = {d for c in self.candidates if c.opsp_dise_code == opsp_code for d in c.diagnoses}
        return tuple(code for code in self.codes if code in wanted)


# (rule, True) means the category appears in the rule's companion pattern, (rule, False) in its match.
_IndexEntry = tuple[DiagnosisRule, bool]
# Per rule id: the codes matching its `match` part and the codes matching its `with` part.
_Hits = dict[str, tuple[tuple[IcdCode, ...], tuple[IcdCode, ...]]]


@dataclass(frozen=True, slots=True, eq=False)
class DiagnosisRules:
    """The loaded rule table: read-only rules, a category index, and a private lookup cache."""

    source: Path
    comments: tuple[str, ...]
    rules: tuple[DiagnosisRule, ...]
    by_id: Mapping[str, DiagnosisRule]
    _index: Mapping[str, tuple[_IndexEntry, ...]]
    _cache: dict[str, DiagnosisLookup] = field(default_factory=dict, repr=False)
    _match_cache: dict[IcdCode, tuple[tuple[str, bool], ...]] = field(default_factory=dict, repr=False)

    def rule(self, rule_id: str) -> DiagnosisRule:
        found = self.by_id.get(rule_id)
        if found is None:
            raise UnknownCodeError(rule_id, table=f"diagnosis rules ({self.source.name})")
        return found

    def lookup(self, code: str) -> DiagnosisLookup:
        """Candidates for one code; raises :class:`MalformedCodeError` for a malformed one."""
        cached = self._cache.get(code)
        if cached is not None:
            return cached
        normalised = parse_icd(code)
        result = self._cache.get(normalised)
        if result is None:
            result = self._lookup_uncached(normalised)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[normalised] = result
        self._cache[code] = result
        return result

    def lookup_visit(self, codes: Iterable[str]) -> VisitDiagnoses:
        """Candidates for a visit's diagnoses (order kept, duplicates merged)."""
        normalised = tuple(dict.fromkeys(parse_icd(code) for code in codes))
        return self._visit(normalised, self._hits(normalised))

    def _visit(self, codes: tuple[IcdCode, ...], hits: _Hits) -> VisitDiagnoses:
        # Only the rules some code matched can be satisfied; the final sort makes the order deterministic.
        matched = [
            (self.by_id[rule_id], _satisfying(self.by_id[rule_id], *parts)) for rule_id, parts in hits.items()
        ]
        satisfied = [(rule, found) for rule, found in matched if found]
        dropped = {rule_id for rule, _ in satisfied for rule_id in rule.supersedes}
        kept = [_candidate(rule, found) for rule, found in satisfied if rule.rule_id not in dropped]
        lost = [_candidate(rule, found) for rule, found in satisfied if rule.rule_id in dropped]
        return VisitDiagnoses(codes, _sorted(kept), _sorted(lost))

    def _lookup_uncached(self, code: IcdCode) -> DiagnosisLookup:
        hits = self._hits((code,))
        conditional: list[Candidate] = []
        for rule_id, (match_codes, with_codes) in hits.items():
            rule = self.by_id[rule_id]
            if rule.companion is None:
                continue
            needs = rule.companion if match_codes else rule.match
            conditional.append(_candidate(rule, match_codes + with_codes, needs=str(needs)))
        candidates = self._visit((code,), hits).candidates
        # A combination is only worth reporting for a disease the code does not already support alone
        # (C16.9 gives M00500 by itself; "with Z51.0-1" would add nothing).
        alone = {candidate.opsp_dise_code for candidate in candidates}
        pending = [candidate for candidate in conditional if candidate.opsp_dise_code not in alone]
        return DiagnosisLookup(code, candidates, _sorted(pending))

    def _hits(self, codes: tuple[IcdCode, ...]) -> _Hits:
        """Per rule id: the codes matching its ``match`` part and those matching its ``with`` part."""
        found: dict[str, tuple[list[IcdCode], list[IcdCode]]] = {}
        for code in codes:
            for rule_id, is_companion in self._matches(code):
                found.setdefault(rule_id, ([], []))[1 if is_companion else 0].append(code)
        return {rule_id: (tuple(m), tuple(w)) for rule_id, (m, w) in found.items()}

    def _matches(self, code: IcdCode) -> tuple[tuple[str, bool], ...]:
        """The (rule id, is-companion-part) pairs a normalised code matches; cached like lookups."""
        cached = self._match_cache.get(code)
        if cached is None:
            cached = tuple(
                (rule.rule_id, is_companion)
                for rule, is_companion in self._index.get(split_icd(code)[0], ())
                if rule.pattern(companion=is_companion).matches(code)
            )
            if len(self._match_cache) >= _CACHE_LIMIT:
                self._match_cache.clear()
            self._match_cache[code] = cached
        return cached


def _satisfying(
    rule: DiagnosisRule, match_codes: tuple[IcdCode, ...], with_codes: tuple[IcdCode, ...]
) -> tuple[IcdCode, ...]:
    """The codes that satisfy ``rule``, or ``()``; a combination needs two different diagnoses."""
    if rule.companion is None:
        return match_codes
    if any(a != b for a in match_codes for b in with_codes):
        return match_codes + with_codes
    return ()


def _sorted(candidates: list[Candidate]) -> tuple[Candidate, ...]:
    return tuple(sorted(candidates, key=lambda c: (c.precedence, c.opsp_dise_code, c.rule_id)))


def _rule(record: Record, diseases: DiseaseCatalogue) -> DiagnosisRule:
    rule_id = record.text("rule_id")
    if _RULE_ID.fullmatch(rule_id) is None:
        raise record.error("rule_id", f"{rule_id!r} is not a rule id (A-Z, 0-9, '.', '-')")
    code = record.parsed("opsp_dise_code", parse_opsp_code)
    if code not in diseases:
        raise record.error("opsp_dise_code", f"{code} is not in the national disease catalogue")
    companion = record.optional("with", parse_pattern)
    supersedes = record.items("supersedes", str)
    if supersedes and companion is None:
        raise record.error("supersedes", "only a combination rule (with a `with` pattern) may supersede")
    return DiagnosisRule(
        rule_id=rule_id,
        opsp_dise_code=code,
        opsp_dise_name=diseases.entries[code].name,
        match=record.parsed("match", parse_pattern),
        companion=companion,
        precedence=record.integer("precedence"),
        supersedes=supersedes,
        description=record.text("description"),
        evidence=record.choice("evidence", EVIDENCE),
        provenance=record.text("provenance"),
    )


def _check_supersedes(rows: list[tuple[DiagnosisRule, Record]]) -> None:
    known = {rule.rule_id for rule, _ in rows}
    for rule, record in rows:
        for target in rule.supersedes:
            if target not in known or target == rule.rule_id:
                raise record.error("supersedes", f"{target!r} is not another rule of this file")


def _build_index(rules: tuple[DiagnosisRule, ...]) -> Mapping[str, tuple[_IndexEntry, ...]]:
    index: dict[str, list[_IndexEntry]] = {}
    for rule in rules:
        for category in rule.match.categories():
            index.setdefault(category, []).append((rule, False))
        if rule.companion is not None:
            for category in rule.companion.categories():
                index.setdefault(category, []).append((rule, True))
    return frozen_mapping((category, tuple(entries)) for category, entries in index.items())


def load_diagnosis_rules(path: Path, *, diseases: DiseaseCatalogue) -> DiagnosisRules:
    """Load and validate a rule file against ``diseases``; raises :class:`DataFileError`."""
    table = read_table(path, COLUMNS)
    rows = [(_rule(record, diseases), record) for record in table.records]
    check_unique(((rule.rule_id, record) for rule, record in rows), "rule_id")
    _check_supersedes(rows)
    rules = tuple(rule for rule, _ in rows)
    by_id = frozen_mapping((rule.rule_id, rule) for rule in rules)
    return DiagnosisRules(path, table.comments, rules, by_id, _build_index(rules))

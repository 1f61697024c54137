"""The platform's facts the rule checker reads beside the traffic (`rules.Facts`), from the mock's backend.

The traffic shows what a HIS sent; whether an item was mapped, or a filing valid on the visit day, is the
platform's knowledge: the hospital's 目录对照 as the platform holds it (the same rows 2204 checks), a
person's filings (5301) and a registered visit's day (2201).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from mock_platform.backend import Backend
from mock_platform.conformance.rules import FilingFact


class PlatformFacts:
    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def mapped_code(self, fixmedins_code: str, medins_list_codg: str) -> str | None:
        item_map = self._backend.reference.item_map(fixmedins_code)
        row = None if item_map is None else item_map.get(medins_list_codg)
        if row is None:
            return None
        return row.national_code or ""

    def filings(self, psn_no: str) -> Sequence[FilingFact]:
        person = self._backend.people.get(psn_no)
        if person is None:
            return ()
        return tuple(
            FilingFact(filing.opsp_dise_code, filing.begndate, filing.enddate) for filing in person.filings
        )

    def visit_day(self, mdtrt_id: str) -> date | None:
        visit = self._backend.visits.get(mdtrt_id)
        return None if visit is None else visit.begntime.date()

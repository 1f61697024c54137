"""A local disease code is never sent as a national dise_codg (seed 002 二(二): across provinces the national
codes are sent one to one; seed 000 一(三)2: Wuhai covers only 5 diseases outside the region).

P9 (Wuhai 职工) is filed under WH-S01 肺心病, Wuhai's own code with no national code (DOMAIN.md §3.3).
At Wuhan (cross-province) nothing is settled as 门诊慢特病 under it: the bill goes to an ordinary batch,
and the platform never sees WH-S01.
"""

from __future__ import annotations

from tests.execution.helpers import world


def test_a_wuhai_local_code_is_not_sent_across_provinces() -> None:
    with world() as w:
        planned = w.adapter.plan("examples/visits/P9.json")
        result = w.adapter.settle(planned)
        chronic = w.visits("15030000000000000009", "150300", med_type="14")
        ordinary = w.visits("15030000000000000009", "150300", med_type="11")
    (filing,) = planned.plan.eligibility.filings
    assert (filing.opsp_dise_code, filing.settleable, filing.claimable) == ("WH-S01", False, False)
    assert {batch.dise_codg for batch in result.batches} == {""}
    assert [batch.med_type for batch in result.batches] == ["11"]
    assert chronic == []  # no 门诊慢特病 visit was registered on the platform
    assert len(ordinary) == 1

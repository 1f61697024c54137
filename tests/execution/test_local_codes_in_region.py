"""Within Inner Mongolia a Wuhai local disease code is never sent as dise_codg either.

Rule (issue #14; seed 002 二(二): the interface carries the national 门诊慢特病 codes one to one; seed 000
附件 lists Wuhai's own 22 自治区内 diseases, region_catalogues.csv maps each to its national code where one
exists): a local filing with a national equivalent is settled under the national code; one without (WH-S01
肺心病) is not settleable as a chronic batch through the national interface — its items follow the rules for
refused chronic items, and the manual-claim advice of seed 000 三(三) applies.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from adapter import fixed_clock
from adapter._paths import config_dir
from mock_platform import MockPlatform
from tests.execution.helpers import NOW, mock_config, world

HOHHOT_SETTINGS = config_dir() / "adapter" / "demo-hohhot.toml"
NATIONAL = re.compile(r"M\d{5}")


class _Recording(httpx.BaseTransport):
    """Passes every request to the mock and keeps (infno, dise_codg) of what was sent."""

    def __init__(self, inner: httpx.BaseTransport, sent: list[tuple[str, str]]) -> None:
        self._inner, self._sent = inner, sent

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body: Any = json.loads(request.read() or b"{}")
        data = body.get("input", {}).get("data", {}) if isinstance(body, dict) else {}
        if isinstance(data, dict):
            self._sent.append((str(body.get("infno", "")), str(data.get("dise_codg") or "")))
        return self._inner.handle_request(request)


class _RecordingPlatform(MockPlatform):
    sent: list[tuple[str, str]]

    def transport(self) -> httpx.BaseTransport:
        return _Recording(super().transport(), self.sent)


def test_a_wuhai_local_only_disease_is_never_sent_within_inner_mongolia(tmp_path: Path) -> None:
    # P9 (Wuhai 职工, filed under WH-S01 肺心病, no national code) at the Hohhot demo hospital. Its items are
    # refused chronic items: the plan asks the cashier first; with refused_chronic = ordinary they settle as
    # 普通门诊 (Y011 24 x 0.30 = 7.20 + S001 25.00 = 32.20).
    document = json.loads(Path("examples/visits/P9.json").read_text(encoding="utf-8"))
    answered = tmp_path / "P9-ordinary.json"
    answered.write_text(json.dumps({**document, "refused_chronic": "ordinary"}), encoding="utf-8")
    platform = _RecordingPlatform(clock=fixed_clock(NOW), config=mock_config(), sleep=lambda _s: None)
    platform.sent = []
    with world(settings=HOHHOT_SETTINGS, mock=platform) as w:
        asked = w.adapter.plan("examples/visits/P9.json")
        planned = w.adapter.plan(answered)
        result = w.adapter.settle(planned)
        chronic = w.visits("15030000000000000009", "150300", med_type="14")
    platform.close()
    assert asked.plan.decision_needed == ("WH-S01",)
    (filing,) = planned.plan.eligibility.filings
    assert (filing.opsp_dise_code, filing.settleable, filing.refusal) == ("WH-S01", False, "local_code")
    assert filing.claimable  # seed 000 三(三): 经所属医保经办机构同意，可返回参保地经办机构予以结算
    assert "seed 000 三(三)" in filing.manual_claim
    sent = [(infno, code) for infno, code in platform.sent if infno in {"2201", "2207"}]
    assert {infno for infno, _ in sent} == {"2201", "2207"}  # the ordinary batch was settled
    assert all(code == "" or NATIONAL.fullmatch(code) for _, code in sent), sent
    assert [(b.med_type, b.dise_codg, str(b.medfee_sumamt)) for b in result.batches] == [("11", "", "32.20")]
    assert chronic == []  # no 门诊慢特病 visit was registered on the platform

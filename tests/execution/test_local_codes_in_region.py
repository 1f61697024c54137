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
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter import PlatformError, fixed_clock
from adapter._paths import config_dir
from adapter.transactions import t2001
from mock_platform import MockPlatform
from tests.execution.helpers import NOW, bill, mock_config, world
from tests.mock_platform.seeds import WUHAI_LOCAL_FILING

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


def test_a_wuhai_local_filing_is_settled_under_its_national_code_over_the_wire() -> None:
    # A Wuhai 职工 filed under WH-S03 糖尿病 (seed 000 附件 自治区内 单病种 #3) at the Hohhot demo hospital
    # (二级, in region). The adapter sends M01600, the national code region_catalogues.csv maps WH-S03 to,
    # and the platform accepts it for this person's filing (both sides read the same catalogue, each with its
    # own loader). Seed 000 三(一)1: 二级 deductible 700, 职工 85%.
    # Y001 甲 0.40 × 5000 = 2000.00; Y002 乙 70.00 × 100 = 7000.00, 先行自付 10% = 700.00 (Inner Mongolia
    # catalogue): medfee 9000.00, in scope 2000 + 6300 = 8300.00.
    # Fund (8300.00 − 700.00) × 85% = 6460.00; personal 9000.00 − 6460.00 = 2540.00: account 200.00 (the whole
    # balance), cash 2340.00.
    person = WUHAI_LOCAL_FILING
    document = bill(
        "MZ-WH-S03",
        [("Y001", "0.40", "5000"), ("Y002", "70.00", "100")],
        card=("02", person["certno"]),
        acct_used_flag="1",
    )
    with world(settings=HOHHOT_SETTINGS, seed={"people": [person]}) as w:
        planned = w.adapter.plan(document)
        result = w.adapter.settle(planned)
    (filing,) = planned.plan.eligibility.filings
    assert (filing.opsp_dise_code, filing.dise_codg, filing.settleable) == ("WH-S03", "M01600", True)
    (batch,) = result.batches
    receipt = batch.receipt
    assert receipt is not None
    assert (batch.med_type, batch.dise_codg) == ("14", "M01600")
    paid = receipt.amounts
    assert (paid.medfee_sumamt, paid.fund_pay_sumamt, paid.acct_pay, paid.psn_cash_pay) == (
        Decimal("9000.00"),
        Decimal("6460.00"),
        Decimal("200.00"),
        Decimal("2340.00"),
    )


def test_the_platform_refuses_a_local_code_sent_as_dise_codg() -> None:
    # The other way round: a client that sends Wuhai's WH-S03 itself (not through the adapter's plan) is
    # refused by the platform with a message naming the field and the code (seed 002 二(二)).
    person = WUHAI_LOCAL_FILING
    check = t2001.TreatmentQuery(
        psn_no=person["psn_no"],
        insutype="310",
        fixmedins_code="H15010200002",
        med_type="14",
        begntime=NOW.replace(tzinfo=None),
        dise_codg="WH-S03",
    )
    with (
        world(settings=HOHHOT_SETTINGS, seed={"people": [person]}) as w,
        pytest.raises(PlatformError) as refused,
    ):
        w.client.call(t2001.TRANSACTION, t2001.Input(data=check), insuplc_admdvs="150300")
    assert refused.value.err_msg.startswith("交易输入[data.dise_codg]值[WH-S03]不是国家门诊慢特病病种代码")

"""在职 and 退休 employees under a policy whose ratio differs by person type, adapter against mock (#14).

docs/policies.md §"How a settlement is paid" 4: a ``[[scope.ratio]]`` row with ``psn_types`` (1101 人员类别:
11 在职, 21 退休) wins over the insutype's general row. No seed sets such a ratio (seed 003 二(四) leaves
"起付标准、支付比例和最高支付限额" to each 统筹地区), so no shipped policy uses one: this test seeds Wuhai's
policy (config/policies/150300.toml) with one extra row, 退休 90% (a test value), beside seed 000 三(一)1's
职工 85%, and settles the same bill for one 在职 and one 退休 Wuhai employee at the Hohhot demo hospital
(二级, in region: deductible 700, seed 000 三(一)1).
"""

from __future__ import annotations

import copy
import json
import tomllib
from decimal import Decimal
from typing import Any

import pytest

from adapter._paths import config_dir
from tests.execution.helpers import bill, world
from tests.mock_platform.seeds import person

HOHHOT_SETTINGS = config_dir() / "adapter" / "demo-hohhot.toml"
GENERAL_85 = 'value = 0.85\nsource = "seed 000 三(一)1: 起付线以上报销比例为 85%"\n'
RETIRED_90 = (
    '\n[[scope.ratio]]\ninsutype = "310"\npsn_types = ["21"]\nvalue = 0.90\nsource = "test: 退休 90%"\n'
)


def _policy() -> dict[str, Any]:
    text = (config_dir() / "policies" / "150300.toml").read_text(encoding="utf-8")
    assert text.count(GENERAL_85) == 1  # the 自治区范围内 职工 scope
    policy = tomllib.loads(text.replace(GENERAL_85, GENERAL_85 + RETIRED_90), parse_float=Decimal)
    return dict(json.loads(json.dumps(policy, default=str)))


def _employee(key: str, psn_type: str, sequence: str) -> dict[str, Any]:
    seeded = copy.deepcopy(
        person(
            key,
            psn_no=f"1503000000000000{sequence}0",
            area="150302",
            insutype="310",
            insuplc="150300",
            filings=(("M01600", "糖尿病", "2024-01-01"),),
            sequence=sequence,
        )
    )
    seeded["insurance"][0]["psn_type"] = psn_type
    return seeded


@pytest.mark.parametrize(
    ("psn_type", "fund", "cash"),
    [
        # 在职 (11): the general row, seed 000 三(一)1 85%: (8300.00 − 700.00) × 0.85 = 6460.00;
        # cash 9000.00 − 6460.00 = 2540.00.
        ("11", "6460.00", "2540.00"),
        # 退休 (21): the psn_types row, 90%: (8300.00 − 700.00) × 0.90 = 6840.00;
        # cash 9000.00 − 6840.00 = 2160.00.
        ("21", "6840.00", "2160.00"),
    ],
)
def test_the_ratio_follows_the_person_type(psn_type: str, fund: str, cash: str) -> None:
    # Y001 甲 0.40 × 5000 = 2000.00; Y002 乙 70.00 × 100 = 7000.00 with 先行自付 10% = 700.00 (Inner Mongolia
    # catalogue): medfee 9000.00, in scope 8300.00; the first visit of the year meets the whole 700.00.
    # No account (acct_used_flag 0): the personal share is all cash.
    employee = _employee(f"R{psn_type}", psn_type, "1" + psn_type)
    document = bill(
        f"MZ-RATIO-{psn_type}",
        [("Y001", "0.40", "5000"), ("Y002", "70.00", "100")],
        card=("02", employee["certno"]),
    )
    with world(settings=HOHHOT_SETTINGS, seed={"people": [employee], "policies": [_policy()]}) as w:
        result = w.adapter.settle(w.adapter.plan(document))
    (batch,) = result.batches
    assert batch.receipt is not None
    paid = batch.receipt.amounts
    assert (
        paid.medfee_sumamt,
        paid.act_pay_dedc,
        paid.hifp_pay,
        paid.fund_pay_sumamt,
        paid.psn_cash_pay,
    ) == (
        Decimal("9000.00"),
        Decimal("700.00"),
        Decimal(fund),
        Decimal(fund),
        Decimal(cash),
    )

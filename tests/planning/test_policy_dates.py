"""Catalogue rows and policies carry their effective dates; the visit date picks the ones in force (#14).

Seed 003 (Inner Mongolia's 职工 base list): "本通知自 2025 年 1 月 1 日起执行". Seed 000 (Wuhai):
"本通知自发文之日起执行", dated 2022-07-05; its 门诊统筹 clause from 2022-10-01 (三(三)). How the base list
relates to Wuhai's own list: docs/policies.md "Inner Mongolia's base list and Wuhai's own list".
"""

from __future__ import annotations

from datetime import date

from .helpers import HOHHOT, judge, record


def test_inner_mongolia_base_list_applies_from_2025() -> None:
    # A Hohhot (150100) employee has no city list of its own: the province's base list applies from
    # 2025-01-01.
    person = record(
        "1", insutype="310", place="150100", filings=[("M00500", "恶性肿瘤", date(2020, 1, 1), None)]
    )
    (before,) = judge(person, at=HOHHOT, day=date(2024, 12, 31)).filings
    assert not before.settleable
    assert "未配置本地门诊慢特病病种范围" in before.reason
    (after,) = judge(person, at=HOHHOT, day=date(2025, 1, 2)).filings
    assert after.settleable
    assert after.benefit_code == "NM-B01"


def test_wuhai_list_applies_from_the_notice_date() -> None:
    person = record(
        "1", insutype="310", place="150300", filings=[("M04600", "冠心病", date(2020, 1, 1), None)]
    )
    (before,) = judge(person, at=HOHHOT, day=date(2022, 7, 4)).filings
    assert not before.settleable
    (after,) = judge(person, at=HOHHOT, day=date(2022, 7, 5)).filings
    assert after.settleable  # WH-S11 冠心病及手术后期治疗, in region

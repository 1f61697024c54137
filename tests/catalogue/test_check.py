"""A new catalogue version under the adapter: the 目录对照 check reports it, planning follows it by date.

Version v0002, published 2026-11-24: Y008 盐酸昂丹司琼片 (乙类, 先行自付 0.1000) withdrawn after 2026-11-30;
Y001 二甲双胍片 甲类 -> 乙类 with 先行自付 0.1000 from 2026-12-01. Both are mapped in item_map_demo.csv.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter import CHINA_TZ, Adapter
from adapter.catalogue import FindingKind, Severity, check_mapping, planning_tables
from adapter.planning import PlanningTables
from mappings import shipped
from mappings.items import load_item_map
from tests.reconcile.helpers import example_visit

from .helpers import HUBEI, METFORMIN, ONDANSETRON, World, world

HOSPITAL = "H42010200001"


def _publish_v0002(w: World) -> None:
    w.clock.set(date(2026, 11, 24), 9)
    w.publish(
        {"op": "withdraw", "insu_admdvs": HUBEI, "hilist_code": ONDANSETRON, "enddate": "2026-11-30"},
        {"op": "change", "insu_admdvs": HUBEI, "hilist_code": METFORMIN, "from": "2026-12-01",
         "chrgitm_lv": "02", "selfpay_prop": "0.1"},
        note="v0002",
    )  # fmt: skip


def _findings(w: World, on: date) -> set[tuple[str, str, str, date | None, str, str]]:
    report = check_mapping(w.store, shipped.item_map(HOSPITAL), fixmedins_code=HOSPITAL, on=on)
    return {
        (f.hospital_code, f.kind.value, f.severity.value, f.effective, f.before, f.after)
        for f in report.findings
    }


def test_the_check_reports_the_withdrawal_and_the_class_change(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.sync()
        assert _findings(w, date(2026, 11, 24)) == set()  # the shipped catalogue and the 目录对照 agree
        _publish_v0002(w)
        w.sync()
        assert _findings(w, date(2026, 11, 24)) == {
            ("Y008", "ending", "warning", date(2026, 12, 1), "02/0.1/-", ""),
            ("Y001", "chrgitm_lv_changed", "warning", date(2026, 12, 1), "01", "02"),
            ("Y001", "selfpay_prop_changed", "warning", date(2026, 12, 1), "0", "0.1"),
        }
        # Checked for a day after the change, the withdrawal is an error: the code is no longer in force.
        after = _findings(w, date(2026, 12, 2))
        assert ("Y008", "ended", "error", date(2026, 12, 1), "02/0.1/-", "") in after
        report = check_mapping(
            w.store, shipped.item_map(HOSPITAL), fixmedins_code=HOSPITAL, on=date(2026, 12, 2)
        )
        assert report.needs_attention
        assert report.findings[0].severity == Severity.ERROR  # errors first, for the clerk
        assert "2026-11-30" in report.findings[0].message


def test_the_check_reports_codes_missing_from_the_catalogue_and_a_list_type_mismatch(tmp_path: Path) -> None:
    item_map = tmp_path / "item_map.csv"
    item_map.write_text(
        "hospital_code,national_code,name,list_type,med_chrgitm_type,provenance\n"
        f"A1,{METFORMIN},二甲双胍片 0.5g,101,09,test: as the catalogue\n"
        f"A2,{METFORMIN},二甲双胍片(中成药?),102,11,test: mapped as 中成药\n"
        "A3,XA10BAA059A001010100099,不在目录的药,101,09,test: a code the catalogue has not\n"
        "A4,,未贯标项目,,,test: unmapped (not checked)\n",
        encoding="utf-8",
    )
    with world(tmp_path) as w:
        w.sync()
        report = check_mapping(
            w.store, load_item_map(item_map), fixmedins_code=HOSPITAL, on=date(2026, 11, 24)
        )
        assert report.mapped_items == 3
        found = {(f.hospital_code, f.kind, f.before, f.after) for f in report.findings}
        assert found == {
            ("A2", FindingKind.LIST_TYPE, "102", "101"),
            ("A2", FindingKind.CHRGITM_TYPE, "11", "09"),
            ("A3", FindingKind.NOT_IN_CATALOGUE, "", ""),
        }
        assert all(f.severity == Severity.ERROR for f in report.findings)


def _metformin_line(tables: PlanningTables, w: World, when: datetime) -> tuple[str, Decimal, Decimal]:
    w.clock.moment = when
    adapter = Adapter(w.client, clock=w.clock, tables=tables)
    planned = adapter.plan(example_visit("P1", 1, when))
    (line,) = [
        line for batch in planned.plan.batches for line in batch.lines if line.medins_list_codg == "Y001"
    ]
    return line.chrgitm_lv, line.preselfpay_amt, line.inscp_scp_amt


def test_a_plan_uses_the_class_in_force_on_its_day(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.sync()
        _publish_v0002(w)
        w.sync()
        tables = planning_tables(w.store, HOSPITAL)
        # P1's metformin line: 60 x 0.40 = 24.00.
        # On 2026-11-30 (before the change) 甲类: 先行自付 0.00, 政策范围内 24.00.
        before = _metformin_line(tables, w, datetime(2026, 11, 30, 9, 30, tzinfo=CHINA_TZ))
        assert before == ("01", Decimal("0.00"), Decimal("24.00"))
        # On 2026-12-02 乙类 with 先行自付 0.1: 24.00 x 0.1 = 2.40 paid first, 24.00 - 2.40 = 21.60 in scope.
        after = _metformin_line(tables, w, datetime(2026, 12, 2, 9, 30, tzinfo=CHINA_TZ))
        assert after == ("02", Decimal("2.40"), Decimal("21.60"))
        # The shipped CSV still says 甲类 on that day: planning without a sync is unchanged.
        shipped_line = _metformin_line(
            PlanningTables.shipped(HOSPITAL), w, datetime(2026, 12, 2, 9, 30, tzinfo=CHINA_TZ)
        )
        assert shipped_line == ("01", Decimal("0.00"), Decimal("24.00"))


def test_the_mock_settles_with_the_version_in_force_on_the_visit_day(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.sync()
        _publish_v0002(w)
        w.sync()
        when = datetime(2026, 12, 2, 9, 30, tzinfo=CHINA_TZ)
        w.clock.moment = when
        adapter = Adapter(w.client, clock=w.clock, tables=planning_tables(w.store, HOSPITAL))
        result = adapter.dry_run(example_visit("P1", 2, when))
        diabetes = result.batches[0]
        assert diabetes.dise_codg == "M01600"
        assert diabetes.drift == ()  # the platform's 2204 split agrees with the plan line by line
        assert diabetes.prediction is not None
        # 先行自付 of the batch: metformin 24.00 x 0.1 = 2.40 (乙类 since 12-01) + repaglinide 45.00 x 0.1 =
        # 4.50 + HbA1c 0 = 6.90.
        assert diabetes.prediction.preselfpay_amt == Decimal("6.90")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"op": "sell"}, "changes[0].op: must be one of add, withdraw, change"),
        (
            {"op": "withdraw", "insu_admdvs": HUBEI, "hilist_code": "XNOPE", "enddate": "2026-12-01"},
            "changes[0].enddate: XNOPE is not in the catalogue of 420000 on 2026-12-01",
        ),
        (
            {"op": "change", "insu_admdvs": HUBEI, "hilist_code": METFORMIN, "from": "2026-12-01",
             "chrgitm_lv": "02"},
            "changes[0].selfpay_prop",
        ),
        (
            {"op": "change", "insu_admdvs": HUBEI, "hilist_code": METFORMIN, "from": "12/01/2026",
             "chrgitm_lv": "03"},
            "changes[0].from: not a yyyy-MM-dd date",
        ),
    ],
)  # fmt: skip
def test_a_bad_publication_is_refused_naming_the_change_and_changes_nothing(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    with world(tmp_path) as w:
        refusal = w.control("catalogue/publish", {"changes": [change]}, status=400)
        assert message in refusal["message"]
        with httpx.Client(transport=w.mock.transport(), base_url="http://mock") as http:
            listed = http.get("/_mock/catalogue").json()["versions"]
        assert [v["ver"] for v in listed] == ["v0001"]

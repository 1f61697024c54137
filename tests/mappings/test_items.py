"""Items: the demo 目录对照, the payment scope per province of care, item disease scope, validity dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

import pytest

from mappings import UnknownCodeError, lookup_item
from mappings.shipped import hospitals, item_catalogue, item_disease_scope, item_map

DAY = date(2026, 11, 22)  # the demo's reference day (DEMO_DATA.md)


class Demo(NamedTuple):
    """One row of the DEMO_DATA.md item table, written out by hand (not read from the data files).

    ``hubei`` / ``inner_mongolia`` are "chrgitm_lv/selfpay_prop" ("-" = none); ``diseases`` is ";"-separated.
    """

    national: str
    types: str  # "list_type/med_chrgitm_type"
    hubei: str
    inner_mongolia: str
    cap: str | None
    lmt: str
    diseases: str

    def level(self, province: str) -> tuple[str, str | None]:
        level, selfpay = (self.hubei if province == "420000" else self.inner_mongolia).split("/")
        return level, None if selfpay == "-" else selfpay


T = ";".join(f"M0830{n}" for n in range(1, 7))  # M08301-M08306: all six transplant codes
DEMO_ITEMS = {
    "Y001": Demo("XA10BAA059A001010100001", "101/09", "01/0", "01/0", None, "0", "M01600"),
    "Y002": Demo("XA10BXR027A001010100002", "101/09", "02/0.10", "02/0.10", None, "0", "M01600"),
    "Y003": Demo("XA10AEG058B002010100003", "101/09", "02/0.05", "02/0.05", "180.00", "0", "M01600"),
    "Y004": Demo("XA10BFA014A001010100004", "101/09", "02/0.10", "02/0.10", None, "1", "M01600"),
    "Y005": Demo("XC09CAV040E001010100005", "101/09", "01/0", "01/0", None, "0", "M03900"),
    "Y006": Demo("XC08CAA023A001010100006", "101/09", "02/0.10", "01/0", None, "0", "M03900"),
    "Y007": Demo("XL01BCC012A001010100007", "101/09", "02/0.20", "02/0.20", None, "0", "M00500"),
    "Y008": Demo("XA04AAO007A001010100008", "101/09", "02/0.10", "02/0.10", None, "0", "M00500"),
    "Y009": Demo("XB03XAE006B002010100009", "101/09", "02/0.10", "02/0.10", None, "1", "M07801"),
    "Y010": Demo("XL04ADT013E001010100010", "101/09", "02/0.05", "02/0.05", None, "0", T),
    "Y011": Demo("XJ01CAA040E001010100011", "101/09", "01/0", "01/0", None, "0", ""),
    "Y012": Demo("XA11EAF000A001010100012", "101/09", "03/-", "03/-", None, "0", ""),
    "S001": Demo("001102000010000", "201/02", "01/0", "01/0", None, "0", ""),
    "S002": Demo("002502040320000", "201/04", "01/0", "01/0", None, "0", "M01600"),
    "S003": Demo("003113000010000", "201/05", "01/0", "01/0", "400", "0", "M07801"),
    "C001": Demo("C03123456000000000000001", "301/08", "03/-", "03/-", None, "0", "M01600"),
}
PROVINCES = ("420000", "150000")


@pytest.mark.parametrize("hospital", ["H42010200001", "H15010200002"])
@pytest.mark.parametrize("province", PROVINCES)
@pytest.mark.parametrize("code", sorted(DEMO_ITEMS))
def test_demo_item_payment_scope(code: str, province: str, hospital: str) -> None:
    demo = DEMO_ITEMS[code]
    level, selfpay = demo.level(province)
    result = lookup_item(code, province=province, on=DAY, items=item_catalogue(hospital))
    assert result.status == "in_catalogue"
    assert result.mapping.national_code == demo.national
    assert f"{result.mapping.list_type}/{result.mapping.med_chrgitm_type}" == demo.types
    assert result.diseases == frozenset(filter(None, demo.diseases.split(";")))
    scope = result.scope
    assert scope is not None
    assert scope.insu_admdvs == province
    assert scope.chrgitm_lv == level
    assert scope.selfpay_prop == (None if selfpay is None else Decimal(selfpay))
    assert scope.pric_uplmt_amt == (None if demo.cap is None else Decimal(demo.cap))
    assert scope.lmt_used_flag == demo.lmt
    assert scope.provenance


def test_y006_differs_between_provinces_and_decimals_keep_their_precision() -> None:
    hubei = lookup_item("Y006", province="420000", on=DAY).scope
    inner_mongolia = lookup_item("Y006", province="150000", on=DAY).scope
    assert hubei is not None
    assert inner_mongolia is not None
    assert (hubei.chrgitm_lv, str(hubei.selfpay_prop)) == ("02", "0.1000")  # 乙 0.10
    assert (inner_mongolia.chrgitm_lv, str(inner_mongolia.selfpay_prop)) == ("01", "0.0000")  # 甲 0
    y003 = lookup_item("Y003", province="420000", on=DAY).scope
    s003 = lookup_item("S003", province="150000", on=DAY).scope
    assert y003 is not None
    assert s003 is not None
    assert str(y003.pric_uplmt_amt) == "180.000000"
    assert str(s003.pric_uplmt_amt) == "400.000000"


def test_l999_is_in_the_item_map_but_unmapped() -> None:
    result = lookup_item("L999", province="420000", on=DAY)
    assert result.status == "unmapped"
    assert result.mapping.mapped is False
    assert result.mapping.national_code is None
    assert result.mapping.name == "院内自制茶饮"
    assert result.scope is None
    assert result.diseases == frozenset()


def test_a_code_absent_from_the_item_map_is_unknown() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        lookup_item("Y999", province="420000", on=DAY)
    assert caught.value.code == "Y999"
    assert "item_map_demo.csv" in caught.value.table


def test_a_province_without_a_catalogue_is_unknown() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        lookup_item("Y001", province="640000", on=DAY)
    assert caught.value.code == "640000"


def test_validity_dates_are_honoured() -> None:
    # The demo rows are valid from 2020-01-01 (illustrative): before that the item is outside the catalogue.
    assert lookup_item("Y001", province="420000", on=date(2020, 1, 1)).status == "in_catalogue"
    before = lookup_item("Y001", province="420000", on=date(2019, 12, 31))
    assert before.status == "out_of_catalogue"
    assert before.scope is None


def test_item_scope_of_each_disease() -> None:
    scope = item_disease_scope()
    assert scope.items_for("M07801") == ("XB03XAE006B002010100009", "003113000010000")
    assert scope.items_for("M08306") == ("XL04ADT013E001010100010",)
    assert len(scope.items_for("M01600")) == 6
    assert scope.diseases_for("XJ01CAA040E001010100011") == frozenset()  # Y011 ordinary


def test_demo_hospitals() -> None:
    wuhan, hohhot = hospitals().get("H42010200001"), hospitals().get("H15010200002")
    assert (wuhan.fixmedins_name, wuhan.admdvs, wuhan.province) == ("武汉市示范医院", "420100", "420000")
    assert hohhot.fixmedins_name == "呼和浩特市示范医院"
    assert (hohhot.admdvs, hohhot.province) == ("150100", "150000")
    assert item_map("H42010200001") is item_map("H15010200002")  # same codes, one file
    with pytest.raises(UnknownCodeError):
        hospitals().get("H00000000000")


def test_item_lookups_are_cached_per_code_province_and_day() -> None:
    items = item_catalogue()
    first = items.lookup("Y001", province="420000", on=DAY)
    assert items.lookup("Y001", province="420000", on=DAY) is first
    assert items.lookup("Y001", province="150000", on=DAY) is not first
    assert lookup_item("Y001", province="420000", on=DAY) is first  # the default is the demo hospital's

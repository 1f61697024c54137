"""Bad visit files are refused before any I/O, each problem named by field and item."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import InputError
from adapter.planning import load_visit, parse_visit

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "visits" / "P1.json"


def _document() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _broken(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(_document())
    change(document)
    return document


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["visit"].pop("ipt_otp_no"), "visit.ipt_otp_no: Field required"),
        (lambda d: d["items"][1].pop("pric"), r"items\[1\] \(feedetl_sn 2\)\.pric: Field required"),
        (
            lambda d: d["items"][2].update(cnt="-1"),
            r"items\[2\] \(feedetl_sn 3\)\.cnt: must be greater than zero",
        ),
        (
            lambda d: d["items"][0].update(pric="-0.40"),
            r"items\[0\] \(feedetl_sn 1\)\.pric: must not be negative",
        ),
        (
            lambda d: d["items"][0].update(pric="abc"),
            r"items\[0\] \(feedetl_sn 1\)\.pric: not a number: 'abc'",
        ),
        (lambda d: d["items"][0].update(pric="0.1234567"), r"pric: has more than 6 decimal places"),
        (lambda d: d["items"][0].update(cnt="1.00001"), r"cnt: has more than 4 decimal places"),
        (
            lambda d: d["items"][3].update(diag_code="K29.700"),
            r"items\[3\] \(feedetl_sn 4\)\.diag_code: K29\.700 is not one of the visit's diagnoses",
        ),
        (
            lambda d: d["items"][4].update(feedetl_sn="1"),
            r"items\[4\] \(feedetl_sn 1\)\.feedetl_sn: duplicate within the visit",
        ),
        (
            lambda d: d["items"][0].update(fee_ocur_time="2026/11/22"),
            r"fee_ocur_time: must be yyyy-MM-dd HH:mm:ss",
        ),
        (
            lambda d: d["items"][0].update(hosp_appr_flag="9"),
            r"hosp_appr_flag: Input should be '0', '1' or '2'",
        ),
        (
            lambda d: d["patient"].update(mdtrt_cert_type="03"),
            r"card_sn is required for a social security card",
        ),
        (lambda d: d.update(items=[]), r"items: Tuple should have at least 1 item"),
        (lambda d: d.update(surprise=1), r"surprise: Extra inputs are not permitted"),
    ],
)
def test_each_problem_is_named(change: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_visit(_broken(change))


def test_every_problem_is_reported_at_once() -> None:
    def two_problems(d: dict[str, Any]) -> None:
        d["items"][0]["cnt"] = "0"
        d["items"][5]["pric"] = "x"

    with pytest.raises(InputError) as caught:
        parse_visit(_broken(two_problems))
    assert "items[0] (feedetl_sn 1).cnt" in str(caught.value)
    assert "items[5] (feedetl_sn 6).pric" in str(caught.value)


def test_python_floats_are_refused_strings_and_decimals_accepted() -> None:
    with pytest.raises(InputError, match="floats are not accepted"):
        parse_visit(_broken(lambda d: d["items"][0].update(pric=0.4)))
    visit = parse_visit(_broken(lambda d: d["items"][0].update(pric=Decimal("0.40"), cnt=60, feedetl_sn=1)))
    assert visit.items[0].pric == Decimal("0.40")
    assert visit.items[0].cnt == Decimal(60)
    assert visit.items[0].feedetl_sn == "1"


def test_files_that_are_not_json_or_not_there(tmp_path: Path) -> None:
    broken = tmp_path / "visit.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="is not valid JSON"):
        load_visit(broken)
    with pytest.raises(InputError, match="cannot read visit file"):
        load_visit(tmp_path / "absent.json")


def test_the_example_file_loads_with_exact_decimals() -> None:
    visit = load_visit(EXAMPLE)
    assert [item.pric for item in visit.items][:2] == [Decimal("0.40"), Decimal("1.50")]

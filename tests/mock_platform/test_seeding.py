"""Seeding (`MockPlatform.seed`, `POST /_mock/seed`): validated like the shipped data, all or nothing."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_platform import MockPlatform, SeedError
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import Caller, body
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE, EXAMPLE2_LINES, YINCHUAN_EMPLOYEE, patient, person

D = Decimal


_LAST = YINCHUAN_EMPLOYEE["certno"][-1]
WRONG_CHECK_DIGIT = YINCHUAN_EMPLOYEE["certno"][:-1] + ("1" if _LAST == "0" else "0")
HOSPITAL = {
    "fixmedins_code": "H64010000003",
    "fixmedins_name": "银川测试医院",
    "admdvs": "640100",
    "hosp_lv": "2",
    "dedc_hosp_lv": "03",
    "opsp_designated": True,
    "source": "test",
}


def seed_error(platform: MockPlatform, document: dict[str, Any]) -> SeedError:
    with pytest.raises(SeedError) as caught:
        platform.seed(document)
    return caught.value


def test_seeded_people_are_found_by_their_credentials(platform: MockPlatform, signed_in: Caller) -> None:
    assert platform.seed({"people": [YINCHUAN_EMPLOYEE]}) == {
        "people": 1,
        "hospitals": 0,
        "policies": 0,
        "payment_scope": 0,
        "item_map": 0,
        "region_catalogue": 0,
    }
    query = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": YINCHUAN_EMPLOYEE["certno"]}}
    answer = signed_in.call("1101", query)
    assert answer["output"]["baseinfo"]["psn_no"] == YINCHUAN_EMPLOYEE["psn_no"]
    assert answer["output"]["insuinfo"][0]["balc"] == 200.0
    filings = signed_in.call(
        "5301", {"data": {"psn_no": YINCHUAN_EMPLOYEE["psn_no"]}}, insuplc_admdvs="640100"
    )
    assert [row["opsp_dise_code"] for row in filings["output"]["feedetail"]] == ["M01600"]


def broken(path: str, value: Any) -> dict[str, Any]:
    """YINCHUAN_EMPLOYEE with one field replaced (path: key or key.index.key)."""
    document = copy.deepcopy(YINCHUAN_EMPLOYEE)
    node: Any = document
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value
    return {"people": [document]}


@pytest.mark.parametrize(
    ("document", "field", "message"),
    [
        (broken("certno", WRONG_CHECK_DIGIT), "people[0]", "wrong GB 11643 check digit"),
        (broken("insurance.0.balc", 200.5), "people[0].insurance[0].balc", "never floats"),
        (broken("insurance.0.balc", "200.001"), "people[0].insurance[0].balc", "at most 2 decimals"),
        (broken("filing.0.begndate", "2024-13-01"), "people[0].filing[0].begndate", "date"),
        (broken("source", ""), "people[0].source", "at least 1 character"),
        ({"people": [{**YINCHUAN_EMPLOYEE, "hobby": "chess"}]}, "people[0].hobby", "Extra inputs"),
        (
            {"payment_scope": [{**EXAMPLE2_CATALOGUE["payment_scope"][0], "selfpay_prop": None}]},
            "payment_scope[0]",
            "selfpay_prop is required for chrgitm_lv 02",
        ),
        (
            {"payment_scope": [{**EXAMPLE2_CATALOGUE["payment_scope"][0], "insu_admdvs": "420100"}]},
            "payment_scope[0].insu_admdvs",
            "should match pattern",
        ),
        (
            {"item_map": [{**EXAMPLE2_CATALOGUE["item_map"][0], "list_type": None}]},
            "item_map[0]",
            "list_type and med_chrgitm_type are given exactly when national_code is",
        ),
        (
            {"hospitals": [{**HOSPITAL, "fixmedins_code": "H1"}]},
            "hospitals[0].fixmedins_code",
            "should match pattern",
        ),
        ({"hospitals": [{**HOSPITAL, "item_map": "nowhere.csv"}]}, "(document)", "nowhere.csv: cannot read"),
        ({"nonsense": []}, "nonsense", "Extra inputs"),
    ],
)
def test_seed_validation_errors(
    platform: MockPlatform, document: dict[str, Any], field: str, message: str
) -> None:
    error = seed_error(platform, document)
    assert error.field == field
    assert message in str(error)


def test_cross_file_rules_apply_to_seeds(platform: MockPlatform) -> None:
    policy = {
        "admdvs": "420600",
        "name": "襄阳市",
        "source": "test",
        "scope": [
            {
                "relations": ["in_province"],
                "med_type": "14",
                "insutypes": ["310"],
                "pooled_fund": True,
                "source": "test",
                "remote_filing": {"required": True, "source": "test"},
                "deductible": {
                    "basis": "per_year",
                    "amount": [{"amount": "500.00", "source": "test"}],
                    "source": "t",
                },
                "ratio": [{"insutype": "310", "value": "0.70", "source": "test"}],
                "cap": [
                    {"group": "X", "codes": ["M03900"], "insutype": "310", "amount": "100.00", "source": "t"}
                ],
                "pharmacy": {"allowed": False, "source": "test"},
            }
        ],
    }
    # 420600 has no in-province catalogue rows (nor does Hubei 420000): the cap names an uncovered code.
    error = seed_error(platform, {"policies": [policy], "people": [YINCHUAN_EMPLOYEE]})
    assert error.field == "scope[0].cap[0].codes"
    assert "M03900, which the scope does not cover" in str(error)
    # All or nothing: the valid person of the refused document was not stored either.
    assert platform.seed({"people": [YINCHUAN_EMPLOYEE]})["people"] == 1
    row = {
        "admdvs": "420600",
        "seq": 1,
        "category": "高血压",
        "benefit_code": "M03900",
        "benefit_name": "高血压",
        "kind": "national",
        "insutypes": ["310"],
        "relations": ["in_province"],
        "national_codes": ["M03900"],
        "evidence": "DEMO",
        "provenance": "test",
    }
    assert platform.seed({"policies": [policy], "region_catalogue": [row]})["policies"] == 1


def test_duplicate_person_is_refused(platform: MockPlatform) -> None:
    platform.seed({"people": [YINCHUAN_EMPLOYEE]})
    error = seed_error(platform, {"people": [YINCHUAN_EMPLOYEE]})
    assert error.field == "people[0]"
    assert "already exists" in str(error)


def test_seed_over_http(client: httpx.Client, signed_in: Caller) -> None:
    other = person("H1", psn_no="64010000000000000105", area="640104", insutype="390", insuplc="640100")
    answer = client.post("/_mock/seed", content=body({"people": [other], **EXAMPLE2_CATALOGUE}))
    assert answer.status_code == 200
    assert answer.json()["seeded"]["item_map"] == 1
    refused = client.post("/_mock/seed", content=body({"people": [other]}))
    assert refused.status_code == 400
    assert refused.json()["code"] == 400
    assert refused.json()["message"].startswith("people[0]: ")
    assert client.post("/_mock/seed", content=b"not json").status_code == 400
    # JSON floats reach the seed as Decimal (the codec), so 200.50 is fine over HTTP.
    amounts = person("H2", psn_no="64010000000000000106", area="640105", insutype="310", insuplc="640100")
    raw = body({"people": [amounts]}).replace(b'"balc": "0.00"', b'"balc": 200.50')
    assert client.post("/_mock/seed", content=raw).status_code == 200
    query = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": amounts["certno"]}}
    assert signed_in.call("1101", query)["output"]["insuinfo"][0]["balc"] == 200.5


def test_seeds_survive_a_restart(tmp_path: Path, clock: MutableClock) -> None:
    db = tmp_path / "mock.sqlite3"
    with MockPlatform(clock=clock, db_path=db) as first:
        first.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    with (
        MockPlatform(clock=clock, db_path=db) as second,
        httpx.Client(transport=second.transport(), base_url="http://mock.local") as client,
    ):
        caller = Caller(client, clock=clock)
        caller.sign_in()
        clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
        mdtrt_id = clinic.open_visit()
        # The seeded consumable (cap 50, 5%) still splits: over-limit 20.00.
        result = clinic.upload(mdtrt_id, EXAMPLE2_LINES)["output"]["result"]
        assert result[2]["overlmt_amt"] == D("20.00")
        assert clinic.upload(mdtrt_id, [Line("Y001", "1.00")], batch="B2")["infcode"] == 0

"""`POST /_mock/scenarios/filing-not-yet-valid` seeds its own subject: a filing that begins tomorrow.

DEMO_DATA's P7 (filed from 2027-01-01) served as that subject until the real clock reached 2027; these tests
run the mock's clock past that day and check that the scenario still has a person whose filing is not valid
yet, reused when the scenario is started again the same day, a new one the next day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from tests.mock_platform.clinic import Clinic, Line, Patient
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import CST, Caller
from tests.mock_platform.seeds import P7

AFTER_P7 = datetime(2027, 3, 1, 10, 0, 0, tzinfo=CST)


def start(client: httpx.Client) -> dict[str, str]:
    answer = client.post("/_mock/scenarios/filing-not-yet-valid")
    assert answer.status_code == 200, answer.text
    subject: dict[str, str] = answer.json()["run"]["subject"]
    (step,) = answer.json()["scenario"]["steps"]
    assert subject["certno"] in step
    assert subject["begndate"] in step
    return subject


def filings(clinic: Clinic) -> list[tuple[str, str]]:
    answer = clinic.ok("5301", {"data": {"psn_no": clinic.patient.psn_no}})
    return [(row["opsp_dise_code"], row["begndate"]) for row in answer["output"]["feedetail"]]


def test_the_subject_is_filed_from_tomorrow_after_p7s_day(
    client: httpx.Client, caller: Caller, clock: MutableClock
) -> None:
    clock.now = AFTER_P7
    caller.sign_in()
    # P7 no longer serves: by now its filing is valid.
    assert filings(Clinic(caller, P7)) == [("M03900", "2027-01-01")]
    subject = start(client)
    assert subject["begndate"] == "2027-03-02"
    assert (subject["opsp_dise_code"], subject["insutype"], subject["insuplc_admdvs"]) == (
        "M03900",
        "310",
        "640100",
    )
    found = caller.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": subject["certno"]}})
    assert found["output"]["baseinfo"]["psn_no"] == subject["psn_no"]
    person = Clinic(caller, Patient(subject["psn_no"], "310", "640100", subject["certno"]))
    assert filings(person) == [("M03900", "2027-03-02")]
    # Settled as 门诊慢特病 today, it is refused naming the filing's first day.
    visit = person.open_visit(dise_codg="M03900", begntime="2027-03-01 09:00:00")
    upload = person.upload(
        visit, [Line("Y005", "2.10", "28")], dise_codg="M03900", time="2027-03-01 09:30:00"
    )
    assert upload["infcode"] == 0, upload["err_msg"]
    refused = person.settle(visit)
    assert refused["infcode"] == -1
    assert "2027-03-02" in refused["err_msg"]
    report = client.get("/_mock/conformance").json()
    (line,) = [rule for rule in report["rules"] if rule["rule"] == "filing-valid-on-visit-day"]
    assert line["verdict"] == "fail"
    assert line["evidence"][0]["why"].endswith("but the filing begins 2027-03-02")


def test_starting_again_reuses_the_days_subject_and_the_next_day_seeds_a_new_one(
    client: httpx.Client, caller: Caller, clock: MutableClock
) -> None:
    clock.now = AFTER_P7
    first = start(client)
    assert start(client) == first  # the same day: the same person, not refused as a duplicate
    clock.now = AFTER_P7 + timedelta(days=1)
    caller.sign_in()
    second = start(client)
    assert second["begndate"] == "2027-03-03"
    assert {second[key] for key in ("psn_no", "certno")}.isdisjoint(
        {first[key] for key in ("psn_no", "certno")}
    )
    # Yesterday's subject is now an ordinary valid filing.
    earlier = Clinic(caller, Patient(first["psn_no"], "310", "640100", first["certno"]))
    assert filings(earlier) == [("M03900", "2027-03-02")]
    settled = earlier.visit([Line("Y005", "2.10", "28")], dise_codg="M03900", begntime="2027-03-02 09:00:00")
    assert settled["output"]["setlinfo"]["med_type"] == "14"


def test_the_listed_scenario_says_its_subject_is_seeded(client: httpx.Client) -> None:
    listed = {scenario["name"]: scenario for scenario in client.get("/_mock/scenarios").json()["scenarios"]}
    (step,) = listed["filing-not-yet-valid"]["steps"]
    assert "filed from tomorrow" in step
    assert "P7" not in step

"""The web console `/_mock/ui` (issue #17): in-process, and in a real browser (Debian's chromium, Playwright).

The browser test opens the console of a served mock, arms a fault with the page's form, runs a settlement
over HTTP, reloads, and sees the fault's call, the settlement under its person and the verdicts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from mock_platform import MockPlatform
from mock_platform.config import MockConfig
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import P1
from tests.mock_platform.serving import serving

CHROMIUM = "/usr/bin/chromium"


def test_the_console_page(signed_in: Caller, client: httpx.Client) -> None:
    Clinic(signed_in, P1).visit([Line("Y001", "0.40", "30")])
    page = client.get("/_mock/ui")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    for heading in ("Faults armed", "Scenarios", "Conformance verdicts", "Settlements per person", "Traffic"):
        assert f"<h2>{heading}" in page.text
    assert f"psn_no {P1.psn_no}" in page.text
    assert P1.certno not in page.text  # bodies are masked: 6401**********2010
    assert "6401**********2010" in page.text


def test_the_console_forms(client: httpx.Client) -> None:
    armed = client.post("/_mock/ui/faults", data={"infno": "2207", "kind": "error", "times": "2"})
    assert armed.status_code == 200
    faults = client.get("/_mock/faults").json()["faults"]
    assert [(f["infno"], f["kind"], f["remaining"]) for f in faults] == [("2207", "error", 2)]
    assert client.post("/_mock/ui/faults", data={"infno": "2207", "kind": "meltdown"}).status_code == 400
    assert client.post("/_mock/ui/faults/clear").status_code == 200
    assert client.get("/_mock/faults").json()["faults"] == []
    assert client.post("/_mock/ui/profile", data={"profile": "strict"}).status_code == 200
    assert client.get("/_mock/profile").json()["profile"]["name"] == "strict"
    assert client.post("/_mock/ui/scenarios", data={"name": "refund-order"}).status_code == 200
    assert "refund-order</td>" in client.get("/_mock/ui").text


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_in_a_browser_arm_a_fault_settle_and_see_it(
    clock: MutableClock, demo_config: MockConfig, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    with (
        MockPlatform(clock=clock, config=demo_config) as mock,
        serving(mock) as url,
        httpx.Client(base_url=url) as http,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page()
        page.goto(f"{url}/_mock/ui")
        assert page.text_content("#faults") is not None
        assert "none" in (page.text_content("#faults") or "")
        page.fill("#arm-fault input[name=infno]", "2207")
        page.select_option("#arm-fault select[name=kind]", "error")
        page.click("#arm-fault button")
        page.wait_for_selector("#faults >> text=error")
        # A settlement from the HIS side: the first 2207 meets the fault, the second settles.
        caller = Caller(http, clock=clock)
        caller.sign_in()
        clinic = Clinic(caller, P1)
        visit = clinic.open_visit()
        assert clinic.upload(visit, [Line("Y001", "0.40", "30")])["infcode"] == 0
        assert clinic.settle(visit)["err_msg"] == "医保平台系统异常，请稍后再试"
        assert clinic.settle(visit)["infcode"] == 0
        page.goto(f"{url}/_mock/ui")
        traffic = page.text_content("#traffic") or ""
        assert "医保平台系统异常，请稍后再试" in traffic
        assert page.locator("#traffic td.fault").count() == 1
        assert page.locator(f"text=psn_no {P1.psn_no}").count() == 1
        assert "registration-closed" in (page.text_content("#rules") or "")
        page.screenshot(path=str(tmp_path / "console.png"), full_page=True)
        browser.close()
    assert (tmp_path / "console.png").stat().st_size > 10_000

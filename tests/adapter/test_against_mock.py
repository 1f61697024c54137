"""The adapter against the mock platform in-process: DEMO_DATA.md's people, every credential type."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from adapter import CHINA_TZ, BusinessRuleError, PlatformClient, fixed_clock
from adapter._embedded import load_demo_settings
from adapter._lookup import Card, look_up_person
from adapter.transactions import t2001
from mock_platform import MockPlatform

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=CHINA_TZ)

# DEMO_DATA.md "People" and "Insurance and filings": key, certno, card no/card_sn, ecToken, and
# what 1101/5301 must answer: psn_no, insutype, psn_insu_stas, insuplc_admdvs, balc, filings.
PEOPLE = [
    ("P1", "640104196203152010", "A64010001", "ec-demo-p1", "64010000000000000001", "310", "1", "640100", "1000.00", ["M01600", "M03900"]),
    ("P2", "640105195807221023", "A64010002", "ec-demo-p2", "64010000000000000002", "390", "1", "640100", "0.00", ["M07801"]),
    ("P3", "150302196501093014", "A15030003", "ec-demo-p3", "15030000000000000003", "310", "1", "150300", "500.00", ["M00500"]),
    ("P4", "150303197011304027", "A15030004", "ec-demo-p4", "15030000000000000004", "390", "1", "150300", "0.00", ["M01600", "M03900"]),
    ("P5", "420502195906181516", "A42050005", "ec-demo-p5", "42050000000000000005", "310", "1", "420500", "800.00", ["M03900"]),
    ("P6", "640104197505053020", "A64010006", "ec-demo-p6", "64010000000000000006", "310", "2", "640100", "300.00", ["M01600"]),
    ("P7", "640106198002124031", "A64010007", "ec-demo-p7", "64010000000000000007", "310", "1", "640100", "300.00", ["M03900"]),
    ("P8", "42010219881001204X", "A42010008", "ec-demo-p8", "42010000000000000008", "390", "1", "420100", "0.00", []),
    ("P9", "150302197208083057", "A15030009", "ec-demo-p9", "15030000000000000009", "310", "1", "150300", "200.00", ["WH-S01"]),
    ("P10", "64010419660412116X", "A64010010", "ec-demo-p10", "64010000000000000010", "310", "1", "640100", "2000.00", ["M08301"]),
]  # fmt: skip


@pytest.fixture
def client() -> Iterator[PlatformClient]:
    with (
        MockPlatform(clock=fixed_clock(NOW)) as mock,
        PlatformClient(load_demo_settings(), transport=mock.transport(), clock=fixed_clock(NOW)) as client,
    ):
        yield client


@pytest.mark.parametrize("row", PEOPLE, ids=[row[0] for row in PEOPLE])
@pytest.mark.parametrize("cert_type", ["01", "02", "03"])
def test_every_demo_person_by_every_credential(
    client: PlatformClient, row: tuple[object, ...], cert_type: str
) -> None:
    key, certno, card_no, token, psn_no, insutype, status, place, balance, filings = row
    number = {"01": token, "02": certno, "03": card_no}[cert_type]
    card_sn = f"{str(psn_no)[:4]}{'0' * 26}{str(key)[1:].zfill(2)}" if cert_type == "03" else ""
    record = look_up_person(client, Card(cert_type, str(number), card_sn))
    assert record.person.psn_no == psn_no
    (insurance,) = record.insurances
    assert (insurance.insutype, insurance.psn_insu_stas, insurance.insuplc_admdvs) == (
        insutype,
        status,
        place,
    )
    assert insurance.balc == Decimal(str(balance))
    assert [f.opsp_dise_code for f in record.filings] == filings


def test_future_filing_is_returned_with_its_dates(client: PlatformClient) -> None:
    record = look_up_person(client, Card("02", "640106198002124031"))  # P7
    (filing,) = record.filings
    assert (filing.begndate, filing.enddate) == (date(2027, 1, 1), None)


def test_unknown_card_is_the_platform_words(client: PlatformClient) -> None:
    with pytest.raises(BusinessRuleError) as caught:
        look_up_person(client, Card("02", "110101190001011237"))
    assert "人员" in caught.value.err_msg


def test_treatment_check_for_a_covered_and_an_uncovered_filing(client: PlatformClient) -> None:
    def check(psn_no: str, code: str, place: str) -> t2001.TreatmentCheck:
        query = t2001.TreatmentQuery(
            psn_no=psn_no,
            insutype="310",
            fixmedins_code="H42010200001",
            med_type="14",
            begntime=NOW.replace(tzinfo=None),
            dise_codg=code,
        )
        (check,) = client.call(
            t2001.TRANSACTION, t2001.Input(data=query), insuplc_admdvs=place
        ).output.trtinfo
        return check

    assert check("64010000000000000001", "M01600", "640100").entitled
    refused = check("15030000000000000009", "M01600", "150300")  # P9 is filed under WH-S01, no national code
    assert not refused.entitled
    assert refused.trt_chk_rslt


def test_a_sign_no_signed_out_elsewhere_is_renewed_and_the_call_resent() -> None:
    clock = fixed_clock(NOW)
    with MockPlatform(clock=clock) as mock:
        cashier = PlatformClient(load_demo_settings(), transport=mock.transport(), clock=clock)
        other_terminal = PlatformClient(load_demo_settings(), transport=mock.transport(), clock=clock)
        first = cashier.sign_no()
        assert other_terminal.sign_no() == first  # same operator, same sign_no (PROTOCOL.md §3.1)
        other_terminal.sign_out()  # 签退 signs the operator out on every terminal
        with capture_logs() as events:
            record = look_up_person(cashier, Card("02", "640104196203152010"))
        assert record.person.psn_no == "64010000000000000001"
        renewed = [e for e in events if e["event"] == "platform.sign_in_renewed"]
        assert [e["infno"] for e in renewed] == ["1101"]
        assert cashier.sign_no() != first

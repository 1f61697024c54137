"""1101 and 5301 against DEMO_DATA.md, person by person, through the in-process transport.

Expected values are written from DEMO_DATA.md ("People", "Insurance and filings"); age is completed years on
2026-11-22; gend and brdy come from the ID numbers (GB 11643). psn_insu_date, cvlserv_flag and emp_name are
the illustrative values of config/demo/people.toml (DEMO_DATA.md gives none).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import Caller, envelope

Filing = tuple[str, str, str]  # (opsp_dise_code, opsp_dise_name, begndate); every demo filing is open-ended


@dataclass(frozen=True)
class Expected:
    key: str
    psn_name: str
    certno: str
    psn_no: str
    card_no: str
    gend: str
    brdy: str
    age: str
    insurance: tuple[str, str, str, str, str]  # insutype, psn_type, psn_insu_stas, insuplc_admdvs, balc
    filings: tuple[Filing, ...]
    paus_insu_date: str = ""
    emp_name: str = ""  # illustrative; residents have none

    @property
    def ec_token(self) -> str:
        return f"ec-demo-{self.key.lower()}"

    @property
    def card_sn(self) -> str:
        # DEMO_DATA.md: the 4-digit area prefix, then the person's number zero-padded to 28 digits.
        return self.psn_no[:4] + self.psn_no[-2:].zfill(28)

    @property
    def psn_insu_date(self) -> str:
        return "2000-01-01" if self.insurance[0] == "310" else "2017-01-01"  # illustrative


DIABETES, HYPERTENSION = ("M01600", "糖尿病"), ("M03900", "高血压")
PEOPLE = (
    Expected(
        "P1", "马建国", "640104196203152010", "64010000000000000001", "A64010001", "1", "1962-03-15", "64.0",
        ("310", "21", "1", "640100", "1000.00"),
        ((*DIABETES, "2024-01-01"), (*HYPERTENSION, "2024-01-01")),
        emp_name="银川示范机械厂",
    ),
    Expected(
        "P2", "李秀兰", "640105195807221023", "64010000000000000002", "A64010002", "2", "1958-07-22", "68.0",
        ("390", "60", "1", "640100", "0.00"),
        (("M07801", "透析", "2025-03-01"),),
    ),
    Expected(
        "P3", "王志强", "150302196501093014", "15030000000000000003", "A15030003", "1", "1965-01-09", "61.0",
        ("310", "21", "1", "150300", "500.00"),
        (("M00500", "恶性肿瘤门诊治疗", "2025-06-01"),),
        emp_name="乌海示范煤业公司",
    ),
    Expected(
        "P4", "张桂英", "150303197011304027", "15030000000000000004", "A15030004", "2", "1970-11-30", "55.0",
        ("390", "50", "1", "150300", "0.00"),
        ((*DIABETES, "2024-07-01"), ("M03900", "高血压Ⅲ级", "2024-07-01")),
    ),
    Expected(
        "P5", "刘德明", "420502195906181516", "42050000000000000005", "A42050005", "1", "1959-06-18", "67.0",
        ("310", "21", "1", "420500", "800.00"),
        ((*HYPERTENSION, "2023-05-01"),),
        emp_name="宜昌示范化工厂",
    ),
    Expected(
        "P6", "赵丽", "640104197505053020", "64010000000000000006", "A64010006", "2", "1975-05-05", "51.0",
        ("310", "11", "2", "640100", "300.00"),
        ((*DIABETES, "2024-01-01"),),
        paus_insu_date="2026-09-01",
        emp_name="银川示范商贸公司",
    ),
    Expected(
        "P7", "孙浩", "640106198002124031", "64010000000000000007", "A64010007", "1", "1980-02-12", "46.0",
        ("310", "11", "1", "640100", "300.00"),
        ((*HYPERTENSION, "2027-01-01"),),
        emp_name="银川示范软件公司",
    ),
    Expected(
        "P8", "周敏", "42010219881001204X", "42010000000000000008", "A42010008", "2", "1988-10-01", "38.0",
        ("390", "50", "1", "420100", "0.00"),
        (),
    ),
    Expected(
        "P9", "吴建华", "150302197208083057", "15030000000000000009", "A15030009", "1", "1972-08-08", "54.0",
        ("310", "11", "1", "150300", "200.00"),
        (("WH-S01", "肺心病", "2024-01-01"),),
        emp_name="乌海示范电厂",
    ),
    Expected(
        "P10", "陈卫东", "64010419660412116X", "64010000000000000010", "A64010010", "2", "1966-04-12", "60.0",
        ("310", "21", "1", "640100", "2000.00"),
        (("M08301", "肾移植抗排异治疗", "2020-08-01"),),
        emp_name="银川示范纺织厂",
    ),
)  # fmt: skip
IDS = [person.key for person in PEOPLE]


def expected_1101(person: Expected) -> dict[str, Any]:
    return {
        "baseinfo": {
            "psn_no": person.psn_no,
            "psn_cert_type": "01",
            "certno": person.certno,
            "psn_name": person.psn_name,
            "gend": person.gend,
            "naty": "01",
            "brdy": person.brdy,
            "age": Decimal(person.age),
        },
        "insuinfo": [
            {
                "balc": Decimal(person.insurance[4]),
                "insutype": person.insurance[0],
                "psn_type": person.insurance[1],
                "psn_insu_stas": person.insurance[2],
                "psn_insu_date": person.psn_insu_date,
                "paus_insu_date": person.paus_insu_date,
                "cvlserv_flag": "0",
                "insuplc_admdvs": person.insurance[3],
                "emp_name": person.emp_name,
            }
        ],
        "idetinfo": [],
    }


def query_1101(caller: Caller, data: dict[str, str]) -> dict[str, Any]:
    return caller.call("1101", {"data": data})


def decimal_json(caller: Caller, data: dict[str, str]) -> dict[str, Any]:
    """The response parsed with Decimal floats, so 1000.00 compares exactly."""
    response = caller.post(envelope("1101", {"data": data}, sign_no=caller.sign_no))
    parsed: dict[str, Any] = json.loads(response.content, parse_float=Decimal)
    return parsed


def test_derived_credentials_match_demo_data() -> None:
    assert (PEOPLE[0].card_sn, PEOPLE[0].ec_token) == ("64010000000000000000000000000001", "ec-demo-p1")
    assert (PEOPLE[9].card_sn, PEOPLE[9].ec_token) == ("64010000000000000000000000000010", "ec-demo-p10")


@pytest.mark.parametrize("person", PEOPLE, ids=IDS)
@pytest.mark.parametrize("credential", ["01", "02", "03"])
def test_1101_answers_demo_data_for_every_credential(
    signed_in: Caller, person: Expected, credential: str
) -> None:
    data = {
        "01": {"mdtrt_cert_type": "01", "mdtrt_cert_no": person.ec_token},
        "02": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person.certno},
        "03": {"mdtrt_cert_type": "03", "mdtrt_cert_no": person.card_no, "card_sn": person.card_sn},
    }[credential]
    answer = decimal_json(signed_in, data)
    assert answer["infcode"] == 0
    assert answer["err_msg"] == ""
    assert answer["output"] == expected_1101(person)


def test_1101_balance_keeps_its_digits_on_the_wire(signed_in: Caller) -> None:
    query = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010"}}
    response = signed_in.post(envelope("1101", query, sign_no=signed_in.sign_no))
    assert b'"balc":1000.00,' in response.content
    assert b'"age":64.0}' in response.content
    assert b'"infcode":0,' in response.content


def test_1101_id_number_check_character_in_lower_case(signed_in: Caller) -> None:
    answer = query_1101(signed_in, {"mdtrt_cert_type": "02", "mdtrt_cert_no": "42010219881001204x"})
    assert answer["output"]["baseinfo"]["psn_no"] == "42010000000000000008"


def test_1101_age_counts_the_birthday(signed_in: Caller, clock: MutableClock) -> None:
    # P4 is born 1970-11-30: 55 on 2026-11-22, 56 from 2026-11-30.
    clock.now = clock.now.replace(day=30)
    signed_in.sign_in()
    answer = decimal_json(signed_in, {"mdtrt_cert_type": "01", "mdtrt_cert_no": "ec-demo-p4"})
    assert answer["output"]["baseinfo"]["age"] == Decimal("56.0")


@pytest.mark.parametrize(
    ("data", "err_msg"),
    [
        ({"mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199001011234"}, "未找到人员信息"),
        ({"mdtrt_cert_type": "01", "mdtrt_cert_no": "ec-unknown"}, "未找到人员信息"),
        ({"mdtrt_cert_type": "03", "mdtrt_cert_no": "A99999999", "card_sn": "0" * 32}, "未找到人员信息"),
        ({"mdtrt_cert_type": "03", "mdtrt_cert_no": "A64010001"}, "交易输入[data.card_sn]不能为空"),
        (
            {"mdtrt_cert_type": "03", "mdtrt_cert_no": "A64010001", "card_sn": "6401" + "0" * 27 + "2"},
            "交易输入[data.card_sn]卡识别码与社会保障卡卡号不匹配",
        ),
        (
            {"mdtrt_cert_type": "04", "mdtrt_cert_no": "x"},
            "交易输入[data.mdtrt_cert_type]值[04]不在字典[mdtrt_cert_type]范围内",
        ),
        ({"mdtrt_cert_type": "02"}, "交易输入[data.mdtrt_cert_no]不能为空"),
        ({"mdtrt_cert_type": "02", "mdtrt_cert_no": ""}, "交易输入[data.mdtrt_cert_no]不能为空"),
        (
            {"mdtrt_cert_type": "02", "mdtrt_cert_no": 640104196203152010},
            "交易输入[data.mdtrt_cert_no]类型错误，应为字符串",
        ),
        (
            {"mdtrt_cert_type": "01", "mdtrt_cert_no": "ec-demo-p1", "certno": "640105195807221023"},
            "交易输入[data.certno]与就诊凭证对应人员不一致",
        ),
        (
            {"mdtrt_cert_type": "01", "mdtrt_cert_no": "ec-demo-p1", "psn_name": "李秀兰"},
            "交易输入[data.psn_name]与就诊凭证对应人员不一致",
        ),
        (
            {"mdtrt_cert_type": "01", "mdtrt_cert_no": "ec-demo-p1", "begntime": "2026-11-22"},
            "交易输入[data.begntime]格式错误，应为yyyy-MM-dd HH:mm:ss",
        ),
    ],
)  # fmt: skip
def test_1101_refusals(signed_in: Caller, data: dict[str, Any], err_msg: str) -> None:
    answer = query_1101(signed_in, data)
    assert answer["infcode"] == -1
    assert answer["err_msg"] == err_msg
    assert answer["output"] == {}


def test_1101_accepts_matching_cross_region_identity(signed_in: Caller) -> None:
    data = {
        "mdtrt_cert_type": "01",
        "mdtrt_cert_no": "ec-demo-p1",
        "psn_cert_type": "01",
        "certno": "640104196203152010",
        "psn_name": "马建国",
        "begntime": "2026-11-22 09:00:00",
    }
    assert query_1101(signed_in, data)["infcode"] == 0


@pytest.mark.parametrize("person", PEOPLE, ids=IDS)
def test_5301_returns_the_filings_of_demo_data(signed_in: Caller, person: Expected) -> None:
    answer = signed_in.call("5301", {"data": {"psn_no": person.psn_no}}, insuplc_admdvs=person.insurance[3])
    assert answer["infcode"] == 0
    assert answer["output"] == {
        "feedetail": [
            {"opsp_dise_code": code, "opsp_dise_name": name, "begndate": begndate, "enddate": ""}
            for code, name, begndate in person.filings
        ]
    }


def test_5301_local_person_needs_no_insured_place(signed_in: Caller) -> None:
    # P8 is insured in 420100, the Wuhan hospital's own area: local business (PROTOCOL.md §1.2).
    answer = signed_in.call("5301", {"data": {"psn_no": "42010000000000000008"}})
    assert answer["infcode"] == 0
    assert answer["output"] == {"feedetail": []}


@pytest.mark.parametrize(
    ("psn_no", "insuplc", "err_msg"),
    [
        ("64010000000000000099", "640100", "未找到人员信息"),
        ("", "640100", "交易输入[data.psn_no]不能为空"),
        ("64010000000000000001", "", "报文头[insuplc_admdvs]不能为空（异地就医须传参保地医保区划）"),
        ("64010000000000000001", "150300", "报文头[insuplc_admdvs]值[150300]与人员参保地不一致"),
        ("64010000000000000001", "6401", "报文头[insuplc_admdvs]格式错误，应为6位医保区划代码"),
    ],
)
def test_5301_refusals(signed_in: Caller, psn_no: str, insuplc: str, err_msg: str) -> None:
    answer = signed_in.call("5301", {"data": {"psn_no": psn_no}}, insuplc_admdvs=insuplc)
    assert (answer["infcode"], answer["err_msg"]) == (-1, err_msg)


def test_5301_accepts_both_spellings_of_the_extension_field(signed_in: Caller) -> None:
    for key in ("exp_content", "expContent"):
        data = {"psn_no": "64010000000000000001", key: "{}"}
        assert signed_in.call("5301", {"data": data}, insuplc_admdvs="640100")["infcode"] == 0

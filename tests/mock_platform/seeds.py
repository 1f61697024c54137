"""Test data: the demo patients, seeded people and catalogue rows, and DOMAIN.md's worked-example lines.

Seeded people get valid GB 11643 resident ID numbers computed here (independently of the mock's validator).
"""

from __future__ import annotations

from typing import Any

from tests.mock_platform.clinic import Line, Patient

P1 = Patient("64010000000000000001", "310", "640100", "640104196203152010")  # Yinchuan 职工, M01600 + M03900
P2 = Patient("64010000000000000002", "390", "640100", "640105195807221023")  # Yinchuan 居民, M07801
P3 = Patient("15030000000000000003", "310", "150300", "150302196501093014")  # Wuhai 职工, M00500, 备案 420000
P4 = Patient("15030000000000000004", "390", "150300", "150303197011304027")  # Wuhai 居民, WH-C02 compound
P5 = Patient("42050000000000000005", "310", "420500", "420502195906181516")  # Yichang 职工, M03900
P6 = Patient("64010000000000000006", "310", "640100", "640104197505053020")  # suspended from 2026-09-01
P7 = Patient("64010000000000000007", "310", "640100", "640106198002124031")  # M03900 filed from 2027-01-01
P8 = Patient("42010000000000000008", "390", "420100", "42010219881001204X")  # Wuhan local 居民, no filing
P9 = Patient("15030000000000000009", "310", "150300", "150302197208083057")  # Wuhai 职工, WH-S01, balance 200
P10 = Patient("64010000000000000010", "310", "640100", "64010419660412116X")  # transplant, no cap

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(area: str, birth: str, sequence: str) -> str:
    """GB 11643: 17 digits + check character (sum of digit × weight, mod 11, mapped onto 10X98765432)."""
    body = area + birth + sequence
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def person(
    key: str,
    *,
    psn_no: str,
    area: str,
    insutype: str,
    insuplc: str,
    balc: str = "0.00",
    filings: tuple[tuple[str, str, str], ...] = (),
    remote: tuple[tuple[str, str], ...] = (),
    sequence: str = "011",  # odd 17th digit: male
) -> dict[str, Any]:
    """A seeded person in the shape of people.toml [[person]], born 1960-01-01."""
    certno = resident_id(area, "19600101", sequence)
    return {
        "key": key,
        "psn_no": psn_no,
        "psn_name": f"测试{key}",
        "psn_cert_type": "01",
        "certno": certno,
        "gend": "1" if int(sequence[-1]) % 2 else "2",
        "naty": "01",
        "brdy": "1960-01-01",
        "card_no": f"T{psn_no[-8:]}",
        "card_sn": psn_no.rjust(32, "0"),
        "ec_token": f"ec-test-{key}",
        "source": "test",
        "insurance": [
            {
                "insutype": insutype,
                "psn_type": "21" if insutype == "310" else "50",
                "psn_insu_stas": "1",
                "psn_insu_date": "2000-01-01",
                "cvlserv_flag": "0",
                "insuplc_admdvs": insuplc,
                "emp_name": "",
                "balc": balc,
                "source": "test",
            }
        ],
        "filing": [
            {"opsp_dise_code": code, "opsp_dise_name": name, "begndate": begin, "source": "test"}
            for code, name, begin in filings
        ],
        "remote_filing": [
            {"admdvs": admdvs, "begndate": begin, "source": "test"} for admdvs, begin in remote
        ],
    }


def patient(seeded: dict[str, Any]) -> Patient:
    insurance = seeded["insurance"][0]
    return Patient(seeded["psn_no"], insurance["insutype"], insurance["insuplc_admdvs"], seeded["certno"])


# A Yinchuan employee with diabetes and an account balance of 200 (DOMAIN.md Example 2, visit C).
YINCHUAN_EMPLOYEE = person(
    "Y1",
    psn_no="64010000000000000101",
    area="640104",
    insutype="310",
    insuplc="640100",
    balc="200.00",
    filings=(("M01600", "糖尿病", "2024-01-01"),),
    remote=(("420000", "2025-01-01"),),
)
# A Yinchuan resident with diabetes (DOMAIN.md Example 3).
YINCHUAN_RESIDENT = person(
    "Y2",
    psn_no="64010000000000000102",
    area="640104",
    insutype="390",
    insuplc="640100",
    filings=(("M01600", "糖尿病", "2024-01-01"),),
    remote=(("420000", "2025-01-01"),),
    sequence="022",
)
# A Wuhai resident with cancer treated out of region (DOMAIN.md Example 4, 居民 rows).
WUHAI_RESIDENT = person(
    "W1",
    psn_no="15030000000000000103",
    area="150302",
    insutype="390",
    insuplc="150300",
    filings=(("M00500", "恶性肿瘤门诊治疗", "2025-06-01"),),
    remote=(("420000", "2025-06-01"),),
    sequence="031",
)

# A Wuhai 职工 filed under Wuhai's own code WH-S03 糖尿病 (seed 000 附件), balance 200, no 异地备案.
WUHAI_LOCAL_FILING = person(
    "W3",
    psn_no="15030000000000000105",
    area="150302",
    insutype="310",
    insuplc="150300",
    balc="200.00",
    filings=(("WH-S03", "糖尿病", "2024-01-01"),),
    sequence="051",
)

# DOMAIN.md Example 2, L3: an 乙类 consumable with a price cap of 50.00 and 先行自付 5% (not in the demo
# catalogue: seeded into Hubei's payment scope and the Wuhan hospital's 目录对照).
CONSUMABLE = "C03123456000000000000099"
EXAMPLE2_CATALOGUE: dict[str, Any] = {
    "payment_scope": [
        {
            "insu_admdvs": "420000",
            "national_code": CONSUMABLE,
            "name": "一次性使用胰岛素泵管路",
            "chrgitm_lv": "02",
            "selfpay_prop": "0.05",
            "pric_uplmt_amt": "50.00",
            "lmt_used_flag": "0",
            "begndate": "2020-01-01",
            "provenance": "test: DOMAIN.md Example 2 L3",
        }
    ],
    "item_map": [
        {
            "fixmedins_code": "H42010200001",
            "hospital_code": "C099",
            "national_code": CONSUMABLE,
            "name": "一次性使用胰岛素泵管路",
            "list_type": "301",
            "med_chrgitm_type": "08",
            "provenance": "test: DOMAIN.md Example 2 L3",
        }
    ],
}

# DOMAIN.md Example 2's five lines at the Wuhan hospital (Hubei catalogue):
#   L1 二甲双胍 甲 0.40 × 300 = 120.00                      -> inscp 120.00
#   L2 瑞格列奈 乙 10%, 300.00 × 1                            -> 先行自付 30.00, inscp 270.00
#   L3 consumable 乙 5%, cap 50, 60.00 × 2 = 120.00           -> 超限价 (60−50)×2 = 20.00; base 100.00;
#                                                                先行自付 5.00; inscp 95.00
#   L4 复合维生素B 丙 80.00                                   -> 全自费 80.00
#   L5 阿卡波糖 乙 限制使用, not approved (flag 0), 50.00     -> 全自费 50.00
#   totals: 670.00 = 130.00 + 20.00 + 35.00 + 485.00
EXAMPLE2_LINES = [
    Line("Y001", "0.40", "300"),
    Line("Y002", "300.00"),
    Line("C099", "60.00", "2", national=CONSUMABLE),
    Line("Y012", "80.00"),
    Line("Y004", "50.00", hosp_appr_flag="0"),
]

# DOMAIN.md Example 4's visit: 甲 2,000.00; 乙 7,000.00 at 10% (先行自付 700.00, inscp 6,300.00); 丙 1,000.00.
# medfee 10,000.00, inscp 8,300.00. (Same classes in the Hubei and Inner Mongolia catalogues.)
EXAMPLE4_LINES = [Line("Y001", "0.40", "5000"), Line("Y002", "70.00", "100"), Line("Y012", "10.00", "100")]

"""The shared settlement blocks: `setlinfo` / `setldetail` (PROTOCOL.md §3.12a) and 5203's `setlinfo` (§3.14).

Spellings follow the national text where it differs between transactions (PROTOCOL.md ⚠): 2206/2207 write
`psn_cash_pay`; 2208 writes **`pdn_cash_pay`** (the national typo, copied by NT: a client must accept both);
5203 writes `psn_pay` and `cash_payamt`. 2206 has no `setl_id`. Amounts are Decimals at 2 places, the ratio at
4. The supplementary funds (公务员, 大额, 大病, 救助, 企业补充, 其他) are what the policy's layers paid
(`backend.funds`); 伤残 (hifdm_pay, +HN) and `hosp_part_amt` are 0. `setldetail` has one row per fund that
paid, basic fund first; `crt_payb_lmt_amt` is null when nothing limits that fund.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from mock_platform._money import ZERO, ratio4
from mock_platform._time import completed_years, format_date, format_datetime
from mock_platform.backend.amounts import SettlementAmounts
from mock_platform.backend.eligibility import relation_of
from mock_platform.backend.people import InsuranceRecord, PersonRecord
from mock_platform.backend.settlements import SettlementRecord
from mock_platform.backend.visits import Visit
from mock_platform.config.platform import Hospital

OTHER_FUNDS = ("cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay")
_PAY_LOC = {"local": "2", "in_province": "3", "cross_province": "4"}  # 支付地点类别 (PROTOCOL.md §4)


def person_block(person: PersonRecord, insurance: InsuranceRecord, day: date) -> dict[str, Any]:
    return {
        "psn_no": person.psn_no,
        "psn_name": person.psn_name,
        "psn_cert_type": person.psn_cert_type,
        "certno": person.certno,
        "gend": person.gend,
        "naty": person.naty,
        "brdy": format_date(person.brdy),
        "age": Decimal(completed_years(person.brdy, day)).quantize(Decimal("0.1")),
        "insutype": insurance.insutype,
        "psn_type": insurance.psn_type,
        "cvlserv_flag": insurance.cvlserv_flag,
    }


def money_block(amounts: SettlementAmounts, *, cash_field: str = "psn_cash_pay") -> dict[str, Any]:
    block: dict[str, Any] = {
        "medfee_sumamt": amounts.medfee_sumamt,
        "fulamt_ownpay_amt": amounts.fulamt_ownpay_amt,
        "overlmt_selfpay": amounts.overlmt_selfpay,
        "preselfpay_amt": amounts.preselfpay_amt,
        "inscp_scp_amt": amounts.inscp_scp_amt,
        "act_pay_dedc": amounts.act_pay_dedc,
        "hifp_pay": amounts.hifp_pay,
        "pool_prop_selfpay": ratio4(amounts.pool_prop_selfpay),
    }
    block.update({name: amounts.fund(name) for name in OTHER_FUNDS})
    block |= {
        "fund_pay_sumamt": amounts.fund_pay_sumamt,
        "psn_part_amt": amounts.psn_part_amt,
        "acct_pay": amounts.acct_pay,
        cash_field: amounts.psn_cash_pay,
        "hosp_part_amt": amounts.hosp_part_amt,
        "balc": amounts.balc,
        "acct_mulaid_pay": amounts.acct_mulaid_pay,
    }
    return block


def settlement_info(
    *,
    visit: Visit,
    person: PersonRecord,
    insurance: InsuranceRecord,
    amounts: SettlementAmounts,
    setl_id: str | None,
    setl_time: str,
    medins_setl_id: str,
    cash_field: str = "psn_cash_pay",
) -> dict[str, Any]:
    """`setlinfo` of 2206 (setl_id None), 2207 and 2208 (cash_field "pdn_cash_pay")."""
    info: dict[str, Any] = {"mdtrt_id": visit.mdtrt_id}
    if setl_id is not None:
        info["setl_id"] = setl_id
    info |= person_block(person, insurance, visit.begntime.date())
    info |= {
        "setl_time": setl_time,
        "mdtrt_cert_type": visit.mdtrt_cert_type,
        "med_type": visit.med_type or "",
    }
    info |= money_block(amounts, cash_field=cash_field)
    info |= {
        "medins_setl_id": medins_setl_id,
        "clr_optins": visit.insuplc_admdvs,
        "clr_way": "1",  # 按项目 (HN/live "1", PROTOCOL.md §4 ⚠): fee-for-service, seed 002 "按项目付费"
        "clr_type": visit.med_type or "",  # 14 门诊慢特病 / 11 门诊 (HN clr_type)
        "hifdm_pay": ZERO,
        "exp_content": "",  # +HN (PROTOCOL.md §3.12a); nothing to extend in the demo
    }
    return info


def setldetail(amounts: SettlementAmounts) -> list[dict[str, Any]]:
    """One row per fund that paid (the basic fund always); fund_payamt sums to fund_pay_sumamt."""
    return [
        {
            "fund_pay_type": row.fund_pay_type,
            "inscp_scp_amt": row.inscp_scp_amt,
            "crt_payb_lmt_amt": row.crt_payb_lmt_amt,
            "fund_payamt": row.fund_payamt,
            "fund_pay_type_name": row.fund_pay_type_name,
            "setl_proc_info": row.setl_proc_info,
        }
        for row in amounts.rows
    ]


def query_info(
    *,
    record: SettlementRecord,
    visit: Visit,
    person: PersonRecord,
    insurance: InsuranceRecord,
    hospital: Hospital | None,
) -> dict[str, Any]:
    """5203 `setlinfo` (PROTOCOL.md §3.14): psn_pay and cash_payamt, refd_setl_flag, year."""
    amounts = record.amounts
    day = visit.begntime.date()
    info: dict[str, Any] = {"setl_id": record.setl_id, "mdtrt_id": record.mdtrt_id}
    info |= person_block(person, insurance, day)
    info |= {
        "flxempe_flag": "0",
        "nwb_flag": "0",
        "insu_optins": insurance.insuplc_admdvs,
        "emp_name": insurance.emp_name,
        "pay_loc": _PAY_LOC[relation_of(visit.hospital_admdvs, visit.insuplc_admdvs)],
        "fixmedins_code": record.fixmedins_code,
        "fixmedins_name": "" if hospital is None else hospital.fixmedins_name,
        "hosp_lv": "" if hospital is None else hospital.hosp_lv,
        "fixmedins_poolarea": visit.hospital_admdvs,
        "lmtpric_hosp_lv": "" if hospital is None else hospital.dedc_hosp_lv,
        "dedc_hosp_lv": "" if hospital is None else hospital.dedc_hosp_lv,
        "begndate": format_date(day),
        "enddate": format_date(day),
        "setl_time": format_datetime(record.setl_time),
        "mdtrt_cert_type": visit.mdtrt_cert_type,
        "med_type": record.med_type,
        "clr_type": record.med_type,
        "clr_way": "1",
        "clr_optins": visit.insuplc_admdvs,
    }
    money = money_block(amounts)
    money["psn_pay"] = money.pop("psn_part_amt")
    money["cash_payamt"] = money.pop("psn_cash_pay")
    money.pop("hosp_part_amt")
    info |= money
    info |= {
        "medins_setl_id": record.msgid,
        "refd_setl_flag": "1" if record.kind == "reversal" else "0",
        "year": str(record.year),
        "dise_codg": record.dise_codg,
        "dise_name": visit.dise_name or "",
        "invono": "",
        "opter_id": "",
        "opter_name": "",
        "opt_time": format_datetime(record.setl_time),
    }
    return info

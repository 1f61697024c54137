"""A small hospital-side driver for the settlement tests: opens visits, uploads fees, settles, refunds.

Written from PROTOCOL.md, independently of the mock's code. Amounts are strings or Decimals; the answers are
decoded with `parse_float=Decimal`, so the tests compare exact Decimals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.mock_platform.helpers import Caller, body, envelope, tif_headers

# The demo hospitals' 目录对照 (mappings/data/item_map_demo.csv, DEMO_DATA.md):
# hospital code -> national code.
ITEMS = {
    "Y001": "XA10BAA059A001010100001",  # 二甲双胍片, 甲
    "Y002": "XA10BXR027A001010100002",  # 瑞格列奈片, 乙 10%
    "Y003": "XA10AEG058B002010100003",  # 甘精胰岛素, 乙 5%, cap 180
    "Y004": "XA10BFA014A001010100004",  # 阿卡波糖片, 乙 10%, 限制使用
    "Y005": "XC09CAV040E001010100005",  # 缬沙坦胶囊, 甲
    "Y006": "XC08CAA023A001010100006",  # 氨氯地平, Hubei 乙 10% / Inner Mongolia 甲
    "Y007": "XL01BCC012A001010100007",  # 卡培他滨片, 乙 20%
    "Y011": "XJ01CAA040E001010100011",  # 阿莫西林, 甲
    "Y012": "XA11EAF000A001010100012",  # 复合维生素B, 丙
    "S001": "001102000010000",  # 普通门诊诊查费, 甲
    "S003": "003113000010000",  # 血液透析, 甲, cap 400
    "C001": "C03123456000000000000001",  # 针头, 丙
}
TOTAL_FIELDS = ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")


def decode(raw: bytes) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(raw, parse_float=Decimal)
    return answer


@dataclass
class Line:
    item: str
    pric: str
    cnt: str = "1"
    hosp_appr_flag: str = "0"
    national: str = ""

    def code(self) -> str:
        return self.national or ITEMS[self.item]


@dataclass
class Patient:
    psn_no: str
    insutype: str
    insuplc: str
    certno: str


@dataclass
class Clinic:
    """Drives one hospital's calls for one patient; every call gets a new msgid (the Caller numbers them)."""

    caller: Caller
    patient: Patient
    sn: int = 0
    uploads: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    otp_nos: dict[str, str] = field(default_factory=dict)  # mdtrt_id -> ipt_otp_no

    def call(self, infno: str, input_: dict[str, Any], **options: Any) -> dict[str, Any]:
        options.setdefault("sign_no", self.caller.sign_no)
        options.setdefault("msgid_serial", self.caller.next_msgid_serial())
        options.setdefault("insuplc_admdvs", self.patient.insuplc)
        payload = envelope(infno, input_, hospital=self.caller.hospital, **options)
        response = self.caller.client.post(
            "/fsi/api/rsfComIfsService/callService",
            content=body(payload),
            headers=tif_headers(self.caller.clock()),
        )
        assert response.status_code == 200, response.text
        return decode(response.content)

    def ok(self, infno: str, input_: dict[str, Any], **options: Any) -> dict[str, Any]:
        answer = self.call(infno, input_, **options)
        assert answer["infcode"] == 0, answer["err_msg"]
        return answer

    def register(self, begntime: str = "2026-11-22 09:00:00") -> str:
        data = {
            "psn_no": self.patient.psn_no,
            "insutype": self.patient.insutype,
            "begntime": begntime,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": self.patient.certno,
            "ipt_otp_no": f"OP{len(self.otp_nos) + 1:06d}",
            "atddr_no": "D001",
            "dr_name": "医生甲",
            "dept_code": "K01",
            "dept_name": "内科",
            "caty": "A03",
        }
        mdtrt_id = str(self.ok("2201", {"data": data})["output"]["data"]["mdtrt_id"])
        self.otp_nos[mdtrt_id] = data["ipt_otp_no"]
        return mdtrt_id

    def treatment(
        self,
        mdtrt_id: str,
        *,
        med_type: str = "14",
        dise_codg: str = "",
        begntime: str = "2026-11-22 09:00:00",
    ) -> dict[str, Any]:
        info = {
            "mdtrt_id": mdtrt_id,
            "psn_no": self.patient.psn_no,
            "med_type": med_type,
            "begntime": begntime,
            "dise_codg": dise_codg,
            "dise_name": "",
        }
        diagnosis = {
            "diag_type": "1",
            "diag_srt_no": 1,
            "diag_code": "E11.900",
            "diag_name": "2型糖尿病",
            "diag_dept": "内科",
            "dise_dor_no": "D001",
            "dise_dor_name": "医生甲",
            "diag_time": begntime,
            "vali_flag": "1",
        }
        return self.call("2203", {"mdtrtinfo": info, "diseinfo": [diagnosis]})

    def open_visit(
        self, *, med_type: str = "14", dise_codg: str = "M01600", begntime: str = "2026-11-22 09:00:00"
    ) -> str:
        mdtrt_id = self.register(begntime)
        answer = self.treatment(mdtrt_id, med_type=med_type, dise_codg=dise_codg, begntime=begntime)
        assert answer["infcode"] == 0, answer["err_msg"]
        return mdtrt_id

    def rows(
        self, mdtrt_id: str, lines: list[Line], *, batch: str = "B1", dise_codg: str = "", time: str = ""
    ) -> list[dict[str, Any]]:
        rows = []
        for line in lines:
            self.sn += 1
            amount = (Decimal(line.pric) * Decimal(line.cnt)).quantize(Decimal("0.01"))
            rows.append(
                {
                    "feedetl_sn": str(self.sn),
                    "mdtrt_id": mdtrt_id,
                    "psn_no": self.patient.psn_no,
                    "chrg_bchno": batch,
                    "dise_codg": dise_codg,
                    "rx_circ_flag": "0",
                    "fee_ocur_time": time or "2026-11-22 09:30:00",
                    "med_list_codg": line.code(),
                    "medins_list_codg": line.item,
                    "det_item_fee_sumamt": amount,
                    "cnt": Decimal(line.cnt),
                    "pric": Decimal(line.pric),
                    "bilg_dept_codg": "K01",
                    "bilg_dept_name": "内科",
                    "bilg_dr_codg": "D001",
                    "bilg_dr_name": "医生甲",
                    "hosp_appr_flag": line.hosp_appr_flag,
                }
            )
        return rows

    def upload(self, mdtrt_id: str, lines: list[Line], **options: Any) -> dict[str, Any]:
        answer = self.call("2204", {"feedetail": self.rows(mdtrt_id, lines, **options)})
        if answer["infcode"] == 0:
            self.uploads[f"{mdtrt_id}/{options.get('batch', 'B1')}"] = answer["output"]["result"]
        return answer

    def totals(self, mdtrt_id: str, batch: str = "B1") -> dict[str, Decimal]:
        result = self.uploads[f"{mdtrt_id}/{batch}"]
        sums = {name: sum((row[name] for row in result), Decimal("0.00")) for name in TOTAL_FIELDS}
        return {
            "medfee_sumamt": sum((row["det_item_fee_sumamt"] for row in result), Decimal("0.00")),
            "fulamt_ownpay_amt": sums["fulamt_ownpay_amt"],
            "overlmt_selfpay": sums["overlmt_amt"],
            "preselfpay_amt": sums["preselfpay_amt"],
            "inscp_scp_amt": sums["inscp_scp_amt"],
        }

    def settle_input(
        self, mdtrt_id: str, *, batch: str = "B1", med_type: str = "14", acct: str = "0"
    ) -> dict[str, Any]:
        return {
            "psn_no": self.patient.psn_no,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": self.patient.certno,
            "med_type": med_type,
            "psn_setlway": "01",
            "mdtrt_id": mdtrt_id,
            "chrg_bchno": batch,
            "acct_used_flag": acct,
            "insutype": self.patient.insutype,
            **self.totals(mdtrt_id, batch),
        }

    def pre_settle(self, mdtrt_id: str, **options: Any) -> dict[str, Any]:
        data = self.settle_input(mdtrt_id, **options)
        for name in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt"):
            del data[name]
        return self.call("2206", {"data": data})

    def settle(self, mdtrt_id: str, **options: Any) -> dict[str, Any]:
        return self.call("2207", {"data": self.settle_input(mdtrt_id, **options)})

    def refund(self, setl_id: str, mdtrt_id: str) -> dict[str, Any]:
        return self.call(
            "2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": self.patient.psn_no}}
        )

    def visit(
        self, lines: list[Line], *, acct: str = "0", dise_codg: str = "M01600", **visit: Any
    ) -> dict[str, Any]:
        """Open a visit, upload one batch and settle it; the 2207 answer."""
        mdtrt_id = self.open_visit(dise_codg=dise_codg, **visit)
        upload = self.upload(mdtrt_id, lines)
        assert upload["infcode"] == 0, upload["err_msg"]
        med_type = visit.get("med_type", "14")
        answer = self.settle(mdtrt_id, acct=acct, med_type=med_type)
        assert answer["infcode"] == 0, answer["err_msg"]
        return answer

    def cuminfo(self, cum_ym: str = "202611") -> dict[str, Decimal]:
        answer = self.ok("5206", {"data": {"psn_no": self.patient.psn_no, "cum_ym": cum_ym}})
        return {f"{r['insutype']}/{r['cum_type_code']}": r["cum"] for r in answer["output"]["cuminfo"]}

    def balance(self) -> Decimal:
        query = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": self.patient.certno}}
        answer = self.ok("1101", query)
        rows = [r for r in answer["output"]["insuinfo"] if r["insutype"] == self.patient.insutype]
        balance: Decimal = rows[0]["balc"]
        return balance

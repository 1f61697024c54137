"""Fee details (费用明细): 2204 upload with the 就医地 split, 2205 revocation, the batches settlements use.

Pricing a line (PROTOCOL.md §3.8, DOMAIN.md §1.4, §2.2): the hospital's 目录对照 (uploaded by 3301; here the
data file or seeded rows) maps `medins_list_codg` to the national code, which must equal `med_list_codg`; the
payment scope of the hospital's **province** valid on the fee date gives class, 先行自付, price cap and
限制使用; `fee_split.split_line` does the rest.

Batch rules (PROTOCOL.md §6.3): every row of a `chrg_bchno` comes in one call and carries one `dise_codg`; a
batch already uploaded and not revoked cannot be uploaded again; `feedetl_sn` is unique among the visit's
details in effect; revoked details are kept (status `revoked`) so that 5204 can still show settled lines. 2205
revokes a batch's unsettled details, or every unsettled detail of the visit with `chrg_bchno` "0000"; settled
details cannot be revoked ("已参与结算的明细不能撤销") until their settlement is refunded (2208).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from mock_platform._money import round2
from mock_platform._time import format_datetime, parse_datetime
from mock_platform.backend.disease_scope import national_codes, outside_scope
from mock_platform.backend.fee_split import LineSplit, split_line
from mock_platform.backend.reference import ReferenceData
from mock_platform.backend.store import Store
from mock_platform.config.platform import Hospital
from mock_platform.errors import RequestError

REVOKE_ALL = "0000"


@dataclass(frozen=True)
class FeeUpload:
    """One 2204 `feedetail` row, validated; `extra` keeps the optional fields as sent (for 5204)."""

    feedetl_sn: str
    chrg_bchno: str
    dise_codg: str
    fee_ocur_time: str
    med_list_codg: str
    medins_list_codg: str
    hosp_appr_flag: str
    cnt: Decimal
    pric: Decimal
    det_item_fee_sumamt: Decimal
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PricedLine:
    split: LineSplit
    med_chrgitm_type: str
    list_type: str
    hilist_name: str
    medins_list_name: str


@dataclass(frozen=True)
class FeeLine:
    id: int
    mdtrt_id: str
    upload: FeeUpload
    priced: PricedLine
    status: str
    setl_id: str | None


def price_lines(uploads: list[FeeUpload], hospital: Hospital, reference: ReferenceData) -> list[PricedLine]:
    """Check each row's amount and mapping, and split it with the province's catalogue."""
    item_map = reference.item_map(hospital.fixmedins_code)
    if item_map is None:
        raise RequestError(
            f"定点医药机构[{hospital.fixmedins_code}]未上传医保目录对照(3301)，不能上传费用明细"
        )
    province = hospital.admdvs[:2] + "0000"
    if not reference.has_payment_scope(province):
        raise RequestError(f"就医地[{province}]未配置医保支付范围目录")
    priced = []
    for upload in uploads:
        expected = round2(upload.cnt * upload.pric)
        if upload.det_item_fee_sumamt != expected:
            raise RequestError(
                f"费用明细[{upload.feedetl_sn}]明细项目费用总额[{upload.det_item_fee_sumamt}]"
                f"与数量×单价[{expected}]不一致"
            )
        mapping = item_map.get(upload.medins_list_codg)
        if mapping is None:
            raise RequestError(
                f"费用明细[{upload.feedetl_sn}]医药机构目录编码[{upload.medins_list_codg}]未做医保目录对照"
            )
        if mapping.national_code is None:
            raise RequestError(
                f"费用明细[{upload.feedetl_sn}]医药机构目录编码[{upload.medins_list_codg}]未贯标，不能上传"
            )
        if mapping.national_code != upload.med_list_codg:
            raise RequestError(
                f"费用明细[{upload.feedetl_sn}]医疗目录编码[{upload.med_list_codg}]"
                f"与目录对照[{mapping.national_code}]不一致"
            )
        day = parse_datetime(upload.fee_ocur_time).date()
        item = reference.scope_entry(province, mapping.national_code, day)
        split = split_line(pric=upload.pric, cnt=upload.cnt, hosp_appr_flag=upload.hosp_appr_flag, item=item)
        if upload.dise_codg:  # 专病专治: an item of another disease is outside this batch's scope
            diseases = national_codes(upload.dise_codg, reference.coverage.rows())
            split = outside_scope(
                split, mapping.national_code, upload.dise_codg, diseases, reference.item_diseases
            )
        priced.append(
            PricedLine(
                split=split,
                med_chrgitm_type=mapping.med_chrgitm_type or "14",
                list_type=mapping.list_type or "",
                hilist_name=item.name if item is not None else mapping.name,
                medins_list_name=mapping.name,
            )
        )
    return priced


def check_batches(uploads: list[FeeUpload], existing: list[FeeLine]) -> None:
    """One dise_codg per batch; batches and feedetl_sn new for the visit (PROTOCOL.md §6.3)."""
    diseases: dict[str, str] = {}
    for upload in uploads:
        known = diseases.setdefault(upload.chrg_bchno, upload.dise_codg)
        if known != upload.dise_codg:
            raise RequestError(f"收费批次号[{upload.chrg_bchno}]：同一收费批次号病种编号必须一致")
    uploaded = {line.upload.chrg_bchno for line in existing}
    for batch in diseases:
        if batch == REVOKE_ALL:
            raise RequestError(f"收费批次号[{REVOKE_ALL}]为保留值（撤销全部明细），不能作为收费批次号")
        if batch in uploaded:
            raise RequestError(f"收费批次号[{batch}]已上传，请先撤销(2205)后重新上传")
    seen = {line.upload.feedetl_sn for line in existing}
    for upload in uploads:
        if upload.feedetl_sn in seen:
            raise RequestError(f"费用明细流水号[{upload.feedetl_sn}]重复")
        seen.add(upload.feedetl_sn)


class FeeBook:
    def __init__(self, store: Store) -> None:
        self._store = store

    def upload(
        self,
        mdtrt_id: str,
        psn_no: str,
        lines: list[tuple[FeeUpload, PricedLine]],
        *,
        msgid: str,
        now: datetime,
    ) -> None:
        with self._store.joined() as connection:
            for upload, priced in lines:
                connection.execute(
                    "INSERT INTO fee_detail (mdtrt_id, feedetl_sn, chrg_bchno, psn_no, dise_codg, "
                    "fee_ocur_time,"
                    " med_list_codg, medins_list_codg, hosp_appr_flag, upload, split, status, upload_msgid,"
                    " uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
                    (
                        mdtrt_id,
                        upload.feedetl_sn,
                        upload.chrg_bchno,
                        psn_no,
                        upload.dise_codg,
                        upload.fee_ocur_time,
                        upload.med_list_codg,
                        upload.medins_list_codg,
                        upload.hosp_appr_flag,
                        _dumps(vars(upload)),
                        _dumps({**vars(priced), "split": vars(priced.split)}),
                        msgid,
                        format_datetime(now),
                    ),
                )

    def in_effect(self, mdtrt_id: str) -> list[FeeLine]:
        """The visit's details not revoked, settled or not, in upload order."""
        return self._select("WHERE mdtrt_id = ? AND status = 'active' ORDER BY id", (mdtrt_id,))

    def batch(self, mdtrt_id: str, chrg_bchno: str) -> list[FeeLine]:
        return self._select(
            "WHERE mdtrt_id = ? AND chrg_bchno = ? AND status = 'active' ORDER BY id", (mdtrt_id, chrg_bchno)
        )

    def of_settlement(self, setl_id: str) -> list[FeeLine]:
        return self._select(
            "WHERE id IN (SELECT fee_detail_id FROM settlement_line WHERE setl_id = ?) ORDER BY id",
            (setl_id,),
        )

    def revoke(self, mdtrt_id: str, chrg_bchno: str, *, now: datetime) -> int:
        """2205; returns how many details were revoked."""
        lines = self.in_effect(mdtrt_id) if chrg_bchno == REVOKE_ALL else self.batch(mdtrt_id, chrg_bchno)
        if chrg_bchno != REVOKE_ALL:
            if not lines:
                raise RequestError(f"未找到收费批次号[{chrg_bchno}]的有效费用明细")
            settled = next((line.setl_id for line in lines if line.setl_id), None)
            if settled is not None:
                raise RequestError(f"收费批次号[{chrg_bchno}]已参与结算[{settled}]，已参与结算的明细不能撤销")
        targets = [line.id for line in lines if line.setl_id is None]
        with self._store.joined() as connection:
            connection.executemany(
                "UPDATE fee_detail SET status = 'revoked', revoked_at = ? WHERE id = ?",
                [(format_datetime(now), line_id) for line_id in targets],
            )
        return len(targets)

    def _select(self, where: str, parameters: tuple[Any, ...]) -> list[FeeLine]:
        with self._store.joined() as connection:
            rows = connection.execute(f"SELECT * FROM fee_detail {where}", parameters).fetchall()
        return [_line(row) for row in rows]


def _dumps(value: Any) -> str:
    # The records are written from their fields as they are (vars(), not dataclasses.asdict, which deep-copies
    # every leaf value first): json reads them, it changes nothing. Decimals become their exact text (a JSON
    # string, as json.dumps(default=str) wrote them: rows written before read the same). msgspec writes and
    # reads them in C (issue #18); the fields are text, Decimal and None only.
    return _ENCODER.encode(value).decode("utf-8")


_ENCODER = msgspec.json.Encoder(decimal_format="string")
_DECODER = msgspec.json.Decoder()


_UPLOAD_DECIMALS = ("cnt", "pric", "det_item_fee_sumamt")
_SPLIT_DECIMALS = (
    "det_item_fee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_amt",
    "preselfpay_amt",
    "inscp_scp_amt",
    "selfpay_prop",
    "pric_uplmt_amt",
)


def _line(row: sqlite3.Row) -> FeeLine:
    upload = _DECODER.decode(row["upload"])
    for name in _UPLOAD_DECIMALS:
        upload[name] = Decimal(upload[name])
    priced = _DECODER.decode(row["split"])
    split = priced.pop("split")
    for name in _SPLIT_DECIMALS:
        split[name] = None if split[name] is None else Decimal(split[name])
    return FeeLine(
        id=row["id"],
        mdtrt_id=row["mdtrt_id"],
        upload=FeeUpload(**upload),
        priced=PricedLine(split=LineSplit(**split), **priced),
        status=row["status"],
        setl_id=row["setl_id"],
    )

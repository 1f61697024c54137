"""Building each transaction's request (pure; no I/O) from the parties to a visit and a batch.

Each batch is its own visit on the platform (one med_type per visit, one dise_codg per
chrg_bchno: PROTOCOL.md §3.7, §3.8), registered under the batch's chrg_bchno as its
visit number so that a lost 2201 answer can be found again with 5201. 异地 fields
(certno, psn_name, …) are sent only when the patient is not local (PROTOCOL.md §3.5).

``Parties`` are built one way only, from the journal's batch record
(``Parties.of_record``): a live settlement builds its calls from the record it has just
written, exactly as a refund chain or a recovery does, so every live settlement proves
that the journal holds enough to rebuild its calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._errors import ConfigurationError
from .._lookup import Card
from ..planning import PlanBatch, PlanVisit, SplitTotals
from ..transactions import t2201, t2203, t2204, t2206, t2207
from ..transactions._settlement import PreSettlementData, SettlementData
from ._records import BatchRecord, RemoteFields

__all__ = ["Parties", "fee_details", "presettlement", "registration", "settlement", "visit_info"]

PSN_SETLWAY_BY_ITEM = "01"  # 按项目结算: seed 002 三(一) "按项目付费方式进行结算"


@dataclass(frozen=True)
class Parties:
    """Who and which visit: everything a request needs besides the batch."""

    psn_no: str
    insutype: str
    insuplc_admdvs: str
    card: Card
    visit: PlanVisit
    remote: RemoteFields | None
    """The 异地 fields, ``None`` for a local patient."""
    acct_used_flag: str

    @classmethod
    def of_record(cls, record: BatchRecord) -> Parties:
        if record.card is None:
            raise ConfigurationError(
                f"batch {record.chrg_bchno}: its credential was purged from the journal (past the refund"
                " window): nothing of it can be sent again"
            )
        return cls(
            psn_no=record.psn_no,
            insutype=record.insutype,
            insuplc_admdvs=record.insuplc_admdvs,
            card=record.card,
            visit=record.visit,
            remote=record.remote,
            acct_used_flag=record.acct_used_flag,
        )

    def remote_fields(self) -> dict[str, str]:
        return {} if self.remote is None else self.remote.wire()


def registration(parties: Parties, chrg_bchno: str) -> t2201.Input:
    visit = parties.visit
    return t2201.Input(
        data=t2201.Registration(
            psn_no=parties.psn_no,
            insutype=parties.insutype,
            begntime=visit.begntime,
            mdtrt_cert_type=parties.card.mdtrt_cert_type,
            mdtrt_cert_no=parties.card.mdtrt_cert_no,
            card_sn=parties.card.card_sn,
            ipt_otp_no=chrg_bchno,
            atddr_no=visit.atddr_no,
            dr_name=visit.dr_name,
            dept_code=visit.dept_code,
            dept_name=visit.dept_name,
            caty=visit.caty,
            **parties.remote_fields(),
        )
    )


def visit_info(parties: Parties, batch: PlanBatch, mdtrt_id: str) -> t2203.Input:
    visit = parties.visit
    return t2203.Input(
        mdtrtinfo=t2203.VisitInfo(
            mdtrt_id=mdtrt_id,
            psn_no=parties.psn_no,
            med_type=batch.med_type,
            begntime=visit.begntime,
            main_cond_dscr=visit.main_cond_dscr,
            dise_codg=batch.dise_codg,
            dise_name=batch.dise_name,
        ),
        diseinfo=tuple(
            t2203.Diagnosis(
                diag_type=diagnosis.diag_type,
                diag_srt_no=number,
                diag_code=diagnosis.icd_code,
                diag_name=diagnosis.diag_name,
                diag_dept=diagnosis.diag_dept,
                dise_dor_no=diagnosis.dise_dor_no,
                dise_dor_name=diagnosis.dise_dor_name,
                diag_time=diagnosis.diag_time,
                vali_flag="1",
            )
            for number, diagnosis in enumerate(visit.diagnoses, start=1)
        ),
    )


def fee_details(parties: Parties, batch: PlanBatch, mdtrt_id: str, chrg_bchno: str) -> t2204.Input:
    visit = parties.visit
    return t2204.Input(
        feedetail=tuple(
            t2204.FeeDetail(
                feedetl_sn=line.feedetl_sn,
                mdtrt_id=mdtrt_id,
                psn_no=parties.psn_no,
                chrg_bchno=chrg_bchno,
                dise_codg=batch.dise_codg,
                rxno=line.rxno,
                rx_circ_flag=line.rx_circ_flag,
                fee_ocur_time=line.fee_ocur_time,
                med_list_codg=line.med_list_codg,
                medins_list_codg=line.medins_list_codg,
                det_item_fee_sumamt=line.det_item_fee_sumamt,
                cnt=line.cnt,
                pric=line.pric,
                sin_dos_dscr=line.sin_dos_dscr,
                used_frqu_dscr=line.used_frqu_dscr,
                prd_days=line.prd_days,
                medc_way_dscr=line.medc_way_dscr,
                bilg_dept_codg=line.bilg_dept_codg or visit.dept_code,
                bilg_dept_name=line.bilg_dept_name or visit.dept_name,
                bilg_dr_codg=line.bilg_dr_codg or visit.atddr_no,
                bilg_dr_name=line.bilg_dr_name or visit.dr_name,
                hosp_appr_flag=line.hosp_appr_flag,
                tcmdrug_used_way=line.tcmdrug_used_way,
            )
            for line in batch.lines
        )
    )


def _presettlement_fields(
    parties: Parties, batch: PlanBatch, mdtrt_id: str, chrg_bchno: str
) -> dict[str, object]:
    return {
        "psn_no": parties.psn_no,
        "mdtrt_cert_type": parties.card.mdtrt_cert_type,
        "mdtrt_cert_no": parties.card.mdtrt_cert_no,
        "card_sn": parties.card.card_sn,
        "med_type": batch.med_type,
        "medfee_sumamt": batch.totals.medfee_sumamt,
        "psn_setlway": PSN_SETLWAY_BY_ITEM,
        "mdtrt_id": mdtrt_id,
        "chrg_bchno": chrg_bchno,
        "acct_used_flag": parties.acct_used_flag,
        "insutype": parties.insutype,
        **parties.remote_fields(),
    }


def presettlement(parties: Parties, batch: PlanBatch, mdtrt_id: str, chrg_bchno: str) -> t2206.Input:
    fields = _presettlement_fields(parties, batch, mdtrt_id, chrg_bchno)
    return t2206.Input(data=PreSettlementData.model_validate(fields))


def settlement(
    parties: Parties, batch: PlanBatch, mdtrt_id: str, chrg_bchno: str, platform_totals: SplitTotals
) -> t2207.Input:
    """2207 repeats the batch's class totals as the platform split them on 2204."""
    fields = _presettlement_fields(parties, batch, mdtrt_id, chrg_bchno)
    fields.update(
        fulamt_ownpay_amt=platform_totals.fulamt_ownpay_amt,
        overlmt_selfpay=platform_totals.overlmt_selfpay,
        preselfpay_amt=platform_totals.preselfpay_amt,
        inscp_scp_amt=platform_totals.inscp_scp_amt,
    )
    return t2207.Input(data=SettlementData.model_validate(fields))

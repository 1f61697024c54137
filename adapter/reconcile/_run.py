"""``reconcile``: 3201 per key the ledger holds; for each that does not balance, 9101 → 3202 → 9102; then
every difference classified with its repair, run only when asked (PROTOCOL.md §3.0 step 11, §3.15, §6.7).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from ..execution import ExecutionPolicy, JournaledCalls
from ..transactions import t3201, t3202, t9101, t9102
from ._classify import Finding, classify
from ._evidence import query_settlement
from ._model import GroupResult, GroupTotals, ReconcileReport, StatementRow
from ._repair import run_repairs
from ._rows import GroupKey, detail_file, group_rows, ledger_rows, parse_result_file

__all__ = ["Progress", "reconcile", "statement_keys"]

Progress = Callable[[str, int, int], None]
"""Called as (step, done, total) while reconciling: a terminal draws a bar, a library ignores it."""

KEY_LOOKBACK = timedelta(days=31)
"""A key (insutype × clr_type × setl_optins) the ledger held in the month before is reconciled too: a
day on which the platform has rows and the journal none must not pass for balanced."""


def _no_progress(_step: str, _done: int, _total: int) -> None:
    """The default: nothing shown."""


def statement_keys(calls: JournaledCalls, first: date, last: date) -> list[GroupKey]:
    """The keys of the ledger's rows, and of every batch attempted (one whose answer was lost has no row:
    its med_type stands for clr_type, its insured place for setl_optins, as settlements report them)."""
    since = first - KEY_LOOKBACK
    held = ledger_rows(calls.journal.settlements_between(since, last), since, last)
    keys = {(row.insutype, row.clr_type, row.setl_optins) for row in held}
    keys |= {
        (b.insutype, b.med_type, b.insuplc_admdvs)
        for b in calls.journal.batches_between(since, last)
        if b.med_type and b.insuplc_admdvs
    }
    return sorted(keys)


def reconcile(
    calls: JournaledCalls,
    first: date,
    last: date,
    *,
    repair: bool = False,
    policy: ExecutionPolicy | None = None,
    progress: Progress = _no_progress,
) -> ReconcileReport:
    """Reconcile ``first``..``last`` (the platform's setl_time); run the repairs only if ``repair``."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it begins ({first})")
    journal = calls.journal
    code = calls.client.settings.fixmedins_code
    rows = ledger_rows(journal.settlements_between(first, last), first, last)
    grouped = group_rows(rows)
    keys = statement_keys(calls, first, last)
    groups: list[GroupResult] = []
    for number, key in enumerate(keys, start=1):
        progress("3201", number - 1, len(keys))
        groups.append(_totals(calls, key, grouped.get(key, []), first, last))
    progress("3201", len(keys), len(keys))
    unbalanced = sorted({(g.setl_optins, g.clr_type) for g in groups if not g.balanced})
    findings: list[Finding] = []
    result_rows: dict[str, dict[str, str]] = {}
    originals = {
        s.refund_setl_id: s.setl_id for s in journal.settlements_between(first, last) if s.refund_setl_id
    }
    for number, (setl_optins, clr_type) in enumerate(unbalanced, start=1):
        progress("3202", number - 1, len(unbalanced))
        ours = [r for r in rows if (r.setl_optins, r.clr_type) == (setl_optins, clr_type)]
        for line in _details(calls, code, setl_optins, clr_type, ours, first, last):
            if line["stmt_rslt"] == "0":
                continue
            finding = classify(
                line,
                journal=journal,
                ours={r.setl_id: r for r in ours},
                originals=originals,
                lookup=lambda psn, setl, mdtrt, admdvs: query_settlement(
                    calls, psn_no=psn, setl_id=setl, mdtrt_id=mdtrt, insuplc_admdvs=admdvs
                ),
                today=calls.clock(),
                setl_optins=setl_optins,
                clr_type=clr_type,
            )
            findings.append(finding)
            result_rows[f"{line['setl_id']}/{line['refd_setl_flag']}"] = line
    progress("3202", len(unbalanced), len(unbalanced))
    if repair and findings:
        differences = run_repairs(calls, findings, result_rows, policy=policy or ExecutionPolicy())
    else:
        differences = [f.difference for f in findings]
    return ReconcileReport(
        first=first, last=last, groups=tuple(groups), differences=tuple(differences), repaired=repair
    )


def _totals(
    calls: JournaledCalls, key: GroupKey, rows: list[StatementRow], first: date, last: date
) -> GroupResult:
    insutype, clr_type, setl_optins = key
    totals = GroupTotals.of(rows)
    payload = t3201.Input(
        data=t3201.TotalsStatement(
            insutype=insutype,
            clr_type=clr_type,
            setl_optins=setl_optins,
            stmt_begndate=first,
            stmt_enddate=last,
            medfee_sumamt=totals.medfee_sumamt,
            fund_pay_sumamt=totals.fund_pay_sumamt,
            acct_pay=totals.acct_pay,
            fixmedins_setl_cnt=totals.count,
        )
    )
    info = calls.call(t3201.TRANSACTION, payload, batch_id=None, insuplc_admdvs="").output.stmtinfo
    return GroupResult(
        insutype=insutype,
        clr_type=clr_type,
        setl_optins=setl_optins,
        totals=totals,
        balanced=info.balanced,
        stmt_rslt=info.stmt_rslt,
        stmt_rslt_dscr=info.stmt_rslt_dscr,
    )


def _details(
    calls: JournaledCalls,
    code: str,
    setl_optins: str,
    clr_type: str,
    rows: list[StatementRow],
    first: date,
    last: date,
) -> list[dict[str, str]]:
    """9101 our detail file → 3202 → 9102 the platform's result file, as rows."""
    name = f"{code}_{setl_optins}_{clr_type}_{first:%Y%m%d}_{last:%Y%m%d}"
    upload = t9101.Input(
        fs_upload_in=t9101.FileUpload.model_validate(
            {"in": detail_file(name, rows), "filename": f"{name}.zip", "fixmedins_code": code}
        )
    )
    stored = calls.call(
        t9101.TRANSACTION, upload, batch_id=None, insuplc_admdvs="", keys={"filename": f"{name}.zip"}
    ).output
    totals = GroupTotals.of(rows)
    payload = t3202.Input(
        data=t3202.DetailStatement(
            setl_optins=setl_optins,
            file_qury_no=stored.file_qury_no,
            stmt_begndate=first,
            stmt_enddate=last,
            medfee_sumamt=totals.medfee_sumamt,
            fund_pay_sumamt=totals.fund_pay_sumamt,
            cash_payamt=totals.psn_cash_pay,
            fixmedins_setl_cnt=totals.count,
            clr_type=clr_type,
        )
    )
    info = calls.call(t3202.TRANSACTION, payload, batch_id=None, insuplc_admdvs="").output.fileinfo
    download = t9102.Input(
        fs_download_in=t9102.FileDownload(
            file_qury_no=info.file_qury_no, filename=info.filename, fixmedins_code=code
        )
    )
    content = calls.call(t9102.TRANSACTION, download, batch_id=None, insuplc_admdvs="").output.content
    return parse_result_file(content, t3202.RESULT_COLUMNS)

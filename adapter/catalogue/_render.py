"""Catalogue reports as text tables (CJK-aware, ``adapter._table``) and CSV (UTF-8 with BOM, for Excel)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from .._table import render_table
from ._model import CatalogueChange, CatalogueDiff, CheckReport, SyncSummary

__all__ = ["render_check_csv", "render_check_text", "render_diff_csv", "render_diff_text", "render_sync_text"]

_DIFF_HEADERS = ("hilist_code", "hilist_name", "kind", "effective", "until", "before", "after")
_CHECK_HEADERS = (
    "severity",
    "hospital_code",
    "name",
    "national_code",
    "kind",
    "effective",
    "before",
    "after",
    "message",
)
_SEVERITY = {"error": "错误", "warning": "注意", "info": "提示"}


def render_sync_text(summary: SyncSummary) -> str:
    rows = [
        (
            f"{source.infno} {source.title}",
            str(source.pages),
            str(source.rows_fetched),
            str(source.rows_new),
            "" if source.until is None else source.until.strftime("%Y-%m-%d %H:%M:%S"),
        )
        for source in summary.sources
    ]
    table = render_table(("目录", "页数", "下载行数", "新增/变更行数", "更新至"), rows, right=(1, 2, 3))
    resumed = "（续传上次中断的同步）" if summary.resumed else ""
    return "\n".join(
        (
            f"医保目录同步 #{summary.sync_no}{resumed}：省份 {summary.province}，"
            f"用时 {summary.seconds:.1f} 秒",
            table,
            f"门诊慢特病种目录：版本 {summary.disease_version_before} → {summary.disease_version_after}"
            f"，本次 {summary.disease_rows} 行；字典 {summary.dictionary_entries} 项",
            f"本地目录：{summary.store}",
        )
    )


def render_diff_text(diff: CatalogueDiff) -> str:
    head = (
        f"医保目录变化：同步 #{diff.from_sync} → #{diff.to_sync}，省份 {diff.province}，"
        f"共 {len(diff.changes)} 项"
    )
    if not diff.changes:
        return head + "\n无变化。"
    return head + "\n" + render_table(_DIFF_HEADERS, [_diff_row(change) for change in diff.changes])


def render_diff_csv(diff: CatalogueDiff) -> str:
    return _csv(_DIFF_HEADERS, [_diff_row(change) for change in diff.changes])


def _diff_row(change: CatalogueChange) -> tuple[str, ...]:
    values = change.model_dump(mode="json")
    return tuple("" if values[name] is None else str(values[name]) for name in _DIFF_HEADERS)


def render_check_text(report: CheckReport) -> str:
    head = (
        f"目录对照核查：{report.fixmedins_code}，省份 {report.province}，核查日 {report.on}，"
        f"同步 #{report.sync_no}，已贯标 {report.mapped_items} 项，发现 {len(report.findings)} 项"
    )
    if not report.findings:
        return head + "\n目录对照与医保目录一致。"
    rows = [
        (
            _SEVERITY[finding.severity.value],
            finding.hospital_code,
            finding.name,
            finding.national_code,
            finding.kind.value,
            "" if finding.effective is None else str(finding.effective),
            finding.message,
        )
        for finding in report.findings
    ]
    return (
        head + "\n" + render_table(("级别", "院内编码", "名称", "国家编码", "问题", "生效日", "处理"), rows)
    )


def render_check_csv(report: CheckReport) -> str:
    rows = []
    for finding in report.findings:
        values = finding.model_dump(mode="json")
        rows.append(tuple("" if values[name] is None else str(values[name]) for name in _CHECK_HEADERS))
    return _csv(_CHECK_HEADERS, rows)


def _csv(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()

"""``sync``: download what changed since the last sync into the local store, page by page, file by file.

* **1312 / 1319 / 1320**, paged by ``updt_time``: the first sync asks from ``1970-01-01`` (everything); a
  later one from the newest ``updt_time`` the last one stored, as a ``yyyy-MM-dd HH:mm:ss`` time (rows
  updated after it; the mock's 1312 documents that). Only the province of care's rows are asked for.
* A pass asks for the count (a page of one row), then reads the **last** page first: the newest
  ``updt_time`` on the platform then. A row met later in the pass that is newer means the platform
  published while we paged — rows may have moved between pages — so the pass is made again from the same
  cursor (nothing is stored twice).
* Each page is stored with the position after it in one transaction (``_store``): an interrupted sync
  (Ctrl-C, a lost connection, a crash) is resumed by the next ``sync`` at the page after the last one
  stored, as the same sync number.
* **1309** (version ``ver``) then **9102** the file it names, ``fixmedins_code="plc"``: the 门诊慢特病种目录
  rows of the versions after the one held, stored with the new version in one transaction.
* **1901**: the dictionaries the reports label with (``chrgitm_lv``, ``list_type``).
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .._client import PlatformClient
from .._clock import Clock, china_now
from .._errors import ProtocolError
from ..transactions import t1309, t1312, t1319, t1320, t1901, t9102
from ..transactions._paged import PagedOutput, PageQuery
from ._model import CapRow, DiseaseRow, ItemRow, RatioRow, SourceSummary, StoreOwner, SyncSummary
from ._store import CatalogueStore

__all__ = ["DICTIONARIES", "PAGE_SIZE", "Progress", "sync_catalogue"]

Progress = Callable[[str, int, int], None]
"""Called after every page: (what, rows fetched in this pass, rows in this pass)."""
PAGE_SIZE = 1000
DICTIONARIES = ("chrgitm_lv", "list_type")
EVERYTHING = "1970-01-01"
DISEASE_COLUMNS = 16


@dataclass(frozen=True)
class _Source:
    infno: str
    title: str
    transaction: Any
    convert: Callable[[Any], ItemRow | CapRow | RatioRow]


def _key(
    row: t1312.CatalogueRow | t1319.CapRow | t1320.RatioRow,
) -> tuple[str, datetime, str, str, date, date | None, str]:
    """The fields every paged row has, in the order of ``RowBase``."""
    return (
        row.rid,
        row.updt_time,
        row.hilist_code,
        row.insu_admdvs,
        row.begndate,
        row.enddate,
        row.vali_flag,
    )


def _item(row: t1312.CatalogueRow) -> ItemRow:
    return ItemRow(
        *_key(row),
        hilist_name=row.hilist_name,
        list_type=row.list_type,
        med_chrgitm_type=row.med_chrgitm_type,
        chrgitm_lv=row.chrgitm_lv,
        lmt_used_flag=row.lmt_used_flag,
    )


def _cap(row: t1319.CapRow) -> CapRow:
    return CapRow(*_key(row), pric_uplmt_amt=row.hilist_pric_uplmt_amt)


def _ratio(row: t1320.RatioRow) -> RatioRow:
    return RatioRow(*_key(row), selfpay_prop=row.selfpay_prop)


SOURCES = (
    _Source("1312", "医保目录", t1312.TRANSACTION, _item),
    _Source("1319", "限价", t1319.TRANSACTION, _cap),
    _Source("1320", "先行自付比例", t1320.TRANSACTION, _ratio),
)


def sync_catalogue(
    client: PlatformClient,
    store: CatalogueStore,
    *,
    province: str,
    clock: Clock = china_now,
    page_size: int = PAGE_SIZE,
    progress: Progress | None = None,
) -> SyncSummary:
    """Bring ``store`` up to date with the platform's catalogue of ``province``; see the module text."""
    started = time.perf_counter()
    store.claim(
        StoreOwner(platform=client.platform, fixmedins_code=client.settings.fixmedins_code, province=province)
    )
    sync_no, resumed = store.begin_sync(_naive(clock()))
    sources = tuple(
        _sync_source(client, store, source, sync_no, province, page_size, progress) for source in SOURCES
    )
    before = store.disease_version()
    disease_rows, after = _sync_diseases(client, store, sync_no, before)
    today = _naive(clock()).date()
    entries = sum(_sync_dictionary(client, store, sync_no, kind, province, today) for kind in DICTIONARIES)
    store.finish_sync(sync_no, _naive(clock()))
    return SyncSummary(
        sync_no=sync_no,
        resumed=resumed,
        store=str(store.path),
        province=province,
        sources=sources,
        disease_version_before=before,
        disease_version_after=after,
        disease_rows=disease_rows,
        dictionary_entries=entries,
        seconds=Decimal(f"{time.perf_counter() - started:.3f}"),
    )


def _sync_source(
    client: PlatformClient,
    store: CatalogueStore,
    source: _Source,
    sync_no: int,
    province: str,
    page_size: int,
    progress: Progress | None,
) -> SourceSummary:
    position = store.position(source.infno)
    since = position.done_until
    cursor = EVERYTHING if since is None else since.strftime("%Y-%m-%d %H:%M:%S")

    def page(number: int, size: int = page_size) -> PagedOutput[Any]:
        query = PageQuery(updt_time=cursor, page_num=number, page_size=size, insu_admdvs=province)
        output: PagedOutput[Any] = client.call(
            source.transaction, source.transaction.input_model(data=query)
        ).output
        return output

    pages = fetched = new = passes = 0
    while True:
        if position.in_pass:  # resume where the interrupted pass stopped
            number, pass_until, total = position.next_page or 1, position.pass_until, position.total or 0
            reply = page(number)
        else:
            # The count (a page of one row), then the last page: the newest row when the pass starts. Every
            # page after that is read later, so a publication in between shows as a newer row (``moved``).
            passes += 1
            total = page(1, 1).record_counts
            last = max(1, -(-total // page_size))
            reply = page(last)
            pass_until = max((row.updt_time for row in reply.data), default=None)
            store.start_pass(source.infno, total=total, pass_until=pass_until)
            number = 1
            if last > 1:
                reply = page(1)
        done_in_pass = store.position(source.infno).fetched
        while True:
            rows = [source.convert(row) for row in reply.data]
            moved = pass_until is not None and any(row.updt_time > pass_until for row in rows)
            new += store.store_page(source.infno, sync_no, rows, next_page=number + 1, moved=moved)
            pages += 1
            fetched += len(rows)
            done_in_pass += len(rows)
            if progress is not None:
                progress(f"{source.infno} {source.title}", done_in_pass, max(total, done_in_pass))
            if not rows or number >= reply.pages:
                break
            number += 1
            reply = page(number)
        position = store.position(source.infno)
        if not position.moved:
            break
        # The platform published while we paged, so rows may have moved between pages: read everything
        # since the cursor again (a new pass; rows already stored are not stored twice).
        position = store.abandon_pass(source.infno)
    final = store.finish_pass(source.infno)
    return SourceSummary(
        infno=source.infno,
        title=source.title,
        since=since,
        until=final.done_until,
        pages=pages,
        rows_fetched=fetched,
        rows_new=new,
        passes=max(passes, 1),
    )


# -- 1309 + 9102 ---------------------------------------------------------------------------------


def _sync_diseases(client: PlatformClient, store: CatalogueStore, sync_no: int, held: str) -> tuple[int, str]:
    answer = client.call(t1309.TRANSACTION, t1309.Input(data=t1309.VersionQuery(ver=held))).output
    if answer.data_cnt == 0 or not answer.file_qury_no:
        return 0, held
    download = t9102.Input(
        fs_download_in=t9102.FileDownload(
            file_qury_no=answer.file_qury_no, filename=answer.filename, fixmedins_code="plc"
        )
    )
    content = client.call(t9102.TRANSACTION, download).output.content
    rows = read_disease_file(content)
    if len(rows) != answer.data_cnt:
        raise ProtocolError(
            f"1309 announced {answer.data_cnt} rows, file {answer.file_qury_no} holds {len(rows)}",
            infno="9102",
        )
    version = max((row.ver for row in rows), default=held)
    return store.store_diseases(sync_no, rows, version=max(version, held)), max(version, held)


def read_disease_file(content: bytes) -> list[DiseaseRow]:
    """The rows of a 1309 file: a ZIP whose TXT member is TAB-separated UTF-8, 16 columns, ``null`` empty."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [name for name in archive.namelist() if name.lower().endswith(".txt")]
            if not names:
                raise ProtocolError("the 1309 file holds no TXT member", infno="9102")
            text = archive.read(names[0]).decode("utf-8-sig")
    except (zipfile.BadZipFile, UnicodeDecodeError) as error:
        raise ProtocolError(f"the 1309 file is not a ZIP of UTF-8 text: {error}", infno="9102") from error
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = ["" if cell == "null" else cell.strip() for cell in line.split("\t")]
        if len(cells) != DISEASE_COLUMNS:
            raise ProtocolError(
                f"the 1309 file, line {number}: {len(cells)} columns, expected {DISEASE_COLUMNS}",
                infno="9102",
            )
        code, majcls_name, _subd, admdvs, _memo, vali_flag, rid = cells[:7]
        if not code or not rid or not admdvs:
            raise ProtocolError(
                f"the 1309 file, line {number}: opsp_dise_code, admdvs and rid (columns 1, 4, 7)"
                " are required",
                infno="9102",
            )
        rows.append(
            DiseaseRow(
                rid=rid,
                opsp_dise_code=code,
                opsp_dise_name=cells[14],
                admdvs=admdvs,
                majcls_code=cells[15],
                majcls_name=majcls_name,
                vali_flag=vali_flag or "1",
                ver=cells[9],
            )
        )
    return rows


# -- 1901 ----------------------------------------------------------------------------------------


def _sync_dictionary(
    client: PlatformClient, store: CatalogueStore, sync_no: int, kind: str, province: str, today: date
) -> int:
    query = t1901.DictionaryQuery(type=kind, admdvs=province, date=today)
    entries = client.call(t1901.TRANSACTION, t1901.Input(data=query)).output.list
    return store.store_dictionary(
        sync_no, kind, ((entry.value, entry.label) for entry in entries if entry.vali_flag != "0")
    )


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None, microsecond=0)

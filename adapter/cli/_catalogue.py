"""``opsp catalogue sync | diff | check``: the catalogue kept locally, its changes, the 目录对照 check.

The store is its own SQLite file (``adapter.catalogue``): ``--catalogue PATH``, else one per platform and
hospital beside the default journal (``catalogue-<fixmedins_code>….sqlite3`` in the user's data directory).
``plan``, ``dry-run`` and ``settle`` class lines with it (:func:`synced_tables`) once a sync has finished.

Exit codes (adapter/cli/_failure.py): sync 0 done, 130 interrupted (run it again: it resumes), 4 platform;
diff 0; check 0 nothing to do, 3 findings to work through; 2 bad arguments or no sync yet; 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from mappings import DataFileError, shipped
from mappings.items import ItemMap, load_item_map

from .._client import PlatformClient
from .._clock import china_now
from .._embedded import default_journal_path
from .._errors import InputError
from .._hospital import hospital_profile
from ..catalogue import (
    PAGE_SIZE,
    CatalogueStore,
    SyncedTables,
    check_mapping,
    diff_catalogue,
    planning_tables,
    render_check_csv,
    render_check_text,
    render_diff_csv,
    render_diff_text,
    render_sync_text,
    require_owner,
    sync_catalogue,
)
from ..planning import PlanningTables
from ._failure import EXIT_ATTENTION, EXIT_OK, Problem
from ._output import print_json
from ._platform import add_platform_options, platform_client, settings_of
from ._progress import clear_bar, draw_bar, terminal_bar

__all__ = ["add_catalogue_option", "followed_tables", "register", "synced_tables"]

EXIT_INTERRUPTED = 130


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "catalogue", help="the platform's catalogue: sync it, see what changed, check the 目录对照 against it"
    )
    actions = parser.add_subparsers(dest="catalogue_command", required=True, metavar="ACTION")
    sync = actions.add_parser(
        "sync", help="download what changed since the last sync (resumes an interrupted one)"
    )
    sync.add_argument(
        "--page-size",
        type=_page_size,
        default=PAGE_SIZE,
        metavar="N",
        help=f"rows per page, 1-1000 ({PAGE_SIZE})",
    )
    _common(sync)
    sync.set_defaults(func=sync_command)
    diff = actions.add_parser("diff", help="what changed between two syncs (default: the last two)")
    diff.add_argument(
        "from_sync", nargs="?", type=_sync_number, metavar="FROM", help="a sync number (0: empty)"
    )
    diff.add_argument(
        "to_sync", nargs="?", type=_sync_number, metavar="TO", help="a sync number (default: last)"
    )
    diff.add_argument("--csv", metavar="PATH", help="also write the changes as CSV")
    _common(diff)
    diff.set_defaults(func=diff_command)
    check = actions.add_parser("check", help="check the hospital's 目录对照 against the synced catalogue")
    check.add_argument(
        "--on",
        type=date.fromisoformat,
        metavar="DATE",
        help="the day to check for (yyyy-mm-dd; default today)",
    )
    check.add_argument(
        "--item-map",
        type=Path,
        metavar="CSV",
        help="the hospital's own 目录对照 CSV to check (default: the one shipped for the hospital)",
    )
    check.add_argument("--csv", metavar="PATH", help="also write the findings as CSV")
    _common(check)
    check.set_defaults(func=check_command)


def add_catalogue_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalogue",
        metavar="PATH",
        help="the synced catalogue (SQLite; default: one per platform and hospital in the user's data"
        " directory, made by opsp catalogue sync)",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON (errors too: an error object)")
    add_catalogue_option(parser)
    add_platform_options(parser)


def catalogue_path(args: argparse.Namespace) -> Path:
    named = getattr(args, "catalogue", None)
    if named:
        return Path(named)
    journal = default_journal_path(settings_of(args), args.platform)
    return journal.with_name(journal.name.replace("journal-", "catalogue-", 1))


def sync_command(args: argparse.Namespace) -> int:
    progress = draw_bar if terminal_bar() and not args.json else None
    with platform_client(args) as client, CatalogueStore(catalogue_path(args)) as store:
        try:
            summary = sync_catalogue(
                client, store, province=_province(client), page_size=args.page_size, progress=progress
            )
        except KeyboardInterrupt:
            clear_bar(progress)
            print(
                "opsp：医保目录同步已中断；已下载的页已保存。再次运行 opsp catalogue sync 从中断处继续。",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        clear_bar(progress)
    if args.json:
        print_json(summary)
    else:
        print(render_sync_text(summary))
    return EXIT_OK


def diff_command(args: argparse.Namespace) -> int:
    with _existing_store(args) as store:
        finished = store.finished_syncs()
        for where, number in (("FROM", args.from_sync), ("TO", args.to_sync)):
            if number is not None and number != 0 and number not in finished:
                known = "、".join(f"#{n}" for n in finished)
                raise _ArgumentError(where, f"本地目录没有已完成的同步 #{number}（已完成：{known}）")
        if args.from_sync is not None and args.to_sync is not None and args.from_sync > args.to_sync:
            raise _ArgumentError("FROM", f"FROM #{args.from_sync} 晚于 TO #{args.to_sync}")
        diff = diff_catalogue(store, args.from_sync, args.to_sync)
    if args.csv:
        Path(args.csv).write_text(render_diff_csv(diff), encoding="utf-8")
    if args.json:
        print_json(diff)
    else:
        print(render_diff_text(diff))
    return EXIT_OK


def check_command(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    item_map = _item_map(args.item_map) if args.item_map else shipped.item_map(settings.fixmedins_code)
    with _existing_store(args) as store:
        on = args.on or china_now().date()
        report = check_mapping(store, item_map, fixmedins_code=settings.fixmedins_code, on=on)
    if args.csv:
        Path(args.csv).write_text(render_check_csv(report), encoding="utf-8")
    if args.json:
        print_json({**report.model_dump(mode="python"), "needs_attention": report.needs_attention})
    else:
        print(render_check_text(report))
    return EXIT_ATTENTION if report.needs_attention else EXIT_OK


def synced_tables(args: argparse.Namespace, client: PlatformClient) -> PlanningTables | None:
    """Planning tables with the synced catalogue, when this platform and hospital have one; else None."""
    path = _catalogue_for(args, client)
    if not CatalogueStore.exists(path):
        return None
    with CatalogueStore(path) as store:
        return planning_tables(store, client.settings.fixmedins_code)


def followed_tables(args: argparse.Namespace, client: PlatformClient) -> SyncedTables:
    """For a long-running ``opsp serve``: tables that pick up each finished sync without a restart."""
    path = _catalogue_for(args, client)
    return SyncedTables(path, platform=client.platform, fixmedins_code=client.settings.fixmedins_code)


def _catalogue_for(args: argparse.Namespace, client: PlatformClient) -> Path:
    """The store's path: a named one must exist; an existing one must be this platform's and hospital's."""
    path = catalogue_path(args)
    if not CatalogueStore.exists(path):
        if getattr(args, "catalogue", None):
            raise _ArgumentError("--catalogue", f"{path} 不存在：请先运行 opsp catalogue sync")
        return path
    with CatalogueStore(path) as store:
        require_owner(store, platform=client.platform, fixmedins_code=client.settings.fixmedins_code)
    return path


def _item_map(path: Path) -> ItemMap:
    """The hospital's own 目录对照, read before the store: a bad row is refused naming file, line, field."""
    try:
        return load_item_map(path)
    except DataFileError as error:
        raise _ArgumentError("--item-map", f"目录对照文件有误：{error}；请改正后再运行") from None


def _existing_store(args: argparse.Namespace) -> CatalogueStore:
    path = catalogue_path(args)
    store = CatalogueStore(path) if CatalogueStore.exists(path) else None
    if store is None or not store.finished_syncs():
        if store is not None:
            store.close()
        raise _ArgumentError(
            "--catalogue", f"{path} 中没有已完成的医保目录同步：请先运行 opsp catalogue sync"
        )
    return store


class _ArgumentError(InputError):
    """A bad argument, said in Chinese for the 医保办 (the failure shows ``problems`` as they are)."""

    def __init__(self, where: str, chinese: str) -> None:
        super().__init__(chinese, where=where)
        self.problems = (Problem(where, chinese, "catalogue"),)


def _province(client: PlatformClient) -> str:
    """The hospital's province of care: its catalogue is the one the hospital's bills are classed with."""
    return hospital_profile(client.settings).province


def _page_size(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a page size of 1 to 1000")
    return int(text)


def _sync_number(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a sync number (0, 1, 2, ...)")
    return int(text)

"""``opsp journal keygen | purge``: the journal's key, and its retention (see ``_journal_key``)."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time

from .._clock import CHINA_TZ, china_now
from .._codec import encode
from .._errors import InputError
from ..execution._journal_seal import new_key
from ._platform import add_journal_option, add_platform_options, open_journal

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("journal", help="the journal: its key and its retention")
    actions = parser.add_subparsers(dest="journal_command", required=True, metavar="ACTION")
    keygen = actions.add_parser("keygen", help="print a new key for OPSP_JOURNAL_KEY (keep it safe)")
    keygen.set_defaults(func=keygen_command)
    purge = actions.add_parser(
        "purge", help="erase the credential and 异地 fields of finished batches older than DATE"
    )
    purge.add_argument(
        "--before",
        required=True,
        type=date.fromisoformat,
        metavar="DATE",
        help="yyyy-mm-dd: the start of the refund window; batches finished before it are purged",
    )
    add_platform_options(purge)  # which platform's default journal
    add_journal_option(purge)
    purge.add_argument("--json", action="store_true", help="print JSON")
    purge.set_defaults(func=purge_command)


def keygen_command(_args: argparse.Namespace) -> int:
    print(new_key())
    return 0


def purge_command(args: argparse.Namespace) -> int:
    today = china_now().date()
    if args.before > today:
        raise InputError(f"{args.before} is in the future (today is {today})", where="--before")
    before = datetime.combine(args.before, time(), tzinfo=CHINA_TZ)
    with open_journal(args) as journal:  # a SQLite file or the shared PostgreSQL journal
        report = journal.purge(before)
    if args.json:
        sys.stdout.buffer.write(
            encode({"purged_batches": report.batches, "before": str(args.before)}) + b"\n"
        )
    else:
        print(
            f"已清除 {report.batches} 个已结束批次的就诊凭证与异地身份信息"
            f"（{args.before} 之前结束）；结算记录保留。"
        )
    return 0

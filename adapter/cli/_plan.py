"""``opsp plan VISIT.json``: eligibility against the platform, then the plan — nothing is settled."""

from __future__ import annotations

import argparse

from .._adapter import Adapter
from ..planning._render import render_plan
from ._bill import plan_bill
from ._catalogue import add_catalogue_option, synced_tables
from ._output import emit, plain
from ._platform import add_platform_options, platform_client


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("plan", help="plan a visit file: eligibility, fee split, batches")
    parser.add_argument("visit", metavar="VISIT.json", help="the bill, in the visit-file format")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON (errors too)")
    add_platform_options(parser)
    add_catalogue_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with platform_client(args) as client:
        planned = plan_bill(Adapter(client, tables=synced_tables(args, client)), args.visit)
    explain = bool(getattr(args, "verbose", False))
    emit(plain(planned.plan), render_plan(planned.plan, explain=explain), as_json=args.json)
    return 0

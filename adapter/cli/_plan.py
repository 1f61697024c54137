"""``opsp plan VISIT.json``: eligibility against the platform, then the plan — nothing is settled."""

from __future__ import annotations

import argparse
import sys

from .._adapter import Adapter
from ..planning._render import render_plan
from ._platform import add_platform_options, platform_client


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("plan", help="plan a visit file: eligibility, fee split, batches")
    parser.add_argument("visit", metavar="VISIT.json", help="the bill, in the visit-file format")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_platform_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with platform_client(args) as client:
        planned = Adapter(client).plan(args.visit)
    if args.json:
        sys.stdout.buffer.write(planned.plan.to_json() + b"\n")
        sys.stdout.flush()
    else:
        print(render_plan(planned.plan))
    return 0

"""``opsp dry-run``, ``opsp settle``, ``opsp refund``, ``opsp recover``, ``opsp outbox``."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from .._adapter import Adapter
from ..execution import ChainStatus, RecoveryAction, RefundResult, VisitResult, plan_refund
from ..execution._render import (
    render_outbox,
    render_recovery,
    render_refund,
    render_refund_plan,
    render_result,
)
from ..planning._render import render_plan
from ..receipts._settlements import resolve_settlement
from ._bill import plan_bill
from ._catalogue import add_catalogue_option, synced_tables
from ._failure import EXIT_ATTENTION, EXIT_OK
from ._output import emit, plain, print_json
from ._platform import add_journal_option, add_platform_options, open_journal, platform_client, settings_of


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dry = commands.add_parser("dry-run", help="plan, pre-settle every batch (2201…2206), then undo it all")
    _visit_options(dry)
    dry.set_defaults(func=dry_run)
    settle = commands.add_parser(
        "settle",
        help="settle a visit for real, journaled; running it again settles only what did not settle",
    )
    _visit_options(settle)
    settle.set_defaults(func=settle_command)
    refund = commands.add_parser(
        "refund", help="refund a settlement: newest-first chain, re-settling what follows"
    )
    refund.add_argument(
        "setl_id", metavar="SETL_ID", help="the settlement to refund: its 结算ID or 收费批次号 (MZ…-2)"
    )
    refund.add_argument(
        "--lines", help="refund only these lines: FEEDETL_SN,FEEDETL_SN,... (a partial refund)"
    )
    refund.add_argument("--plan", action="store_true", help="show the steps and change nothing")
    _common(refund)
    refund.set_defaults(func=refund_command)
    rec = commands.add_parser("recover", help="finish or unwind every batch and refund chain left in flight")
    _common(rec)
    rec.set_defaults(func=recover_command)
    out = commands.add_parser("outbox", help="fee details not settled directly, due for upload")
    out.add_argument("--due-by", type=date.fromisoformat, help="only entries due by this date (yyyy-mm-dd)")
    out.add_argument("--all", action="store_true", help="include entries already marked sent")
    out.add_argument(
        "--upload", action="store_true", help="upload them (4205 + 4203), overdue first, and mark them sent"
    )
    _common(out)
    out.set_defaults(func=outbox_command)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON (errors too: an error object)")
    add_platform_options(parser)
    add_journal_option(parser)


def _visit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("visit", metavar="VISIT.json", help="the bill, in the visit-file format")
    _common(parser)
    add_catalogue_option(parser)


def result_json(result: VisitResult) -> dict[str, object]:
    """A settle / dry-run result as JSON: every batch, its receipt, and the cash to collect."""
    document: dict[str, object] = plain(result)
    return document


def dry_run(args: argparse.Namespace) -> int:
    # Journaled like a settlement (its batches marked dry-run): msgids never repeat one a
    # settlement used in the same second, and a crash mid-way leaves nothing recover cannot undo.
    with open_journal(args) as journal, platform_client(args) as client:
        adapter = Adapter(client, journal=journal, tables=synced_tables(args, client))
        planned = plan_bill(adapter, args.visit)
        result = adapter.dry_run(planned)
    emit(
        {"plan": plain(planned.plan), "result": result_json(result)},
        render_plan(planned.plan) + "\n\n" + render_result(result),
        as_json=args.json,
    )
    return EXIT_OK


def settle_command(args: argparse.Namespace) -> int:
    with open_journal(args) as journal, platform_client(args) as client:
        adapter = Adapter(client, journal=journal, tables=synced_tables(args, client))
        result = adapter.settle(plan_bill(adapter, args.visit))
    emit(result_json(result), render_result(result), as_json=args.json)
    settled = all(batch.status in ("settled", "self_pay") for batch in result.batches)
    return EXIT_OK if settled else EXIT_ATTENTION


def recover_command(args: argparse.Namespace) -> int:
    with open_journal(args) as journal, platform_client(args) as client:
        actions = Adapter(client, journal=journal).recover()
        filings = sum(1 for call in journal.open_calls() if call.batch_id is None and call.infno in _FILING)
    emit([_action_json(a) for a in actions], render_recovery(actions), as_json=args.json)
    if filings:
        # Settlements only; a lost 2503/2504 answer is asked again by its own command. Said on stderr, so the
        # JSON on stdout keeps its shape.
        print(f"另有 {filings} 笔待遇申报（2503/2504）应答未知：请运行 opsp filing recover", file=sys.stderr)
    return EXIT_OK if all(a.after.terminal for a in actions) else EXIT_ATTENTION


_FILING = frozenset({"2503", "2504"})


def _action_json(action: RecoveryAction) -> dict[str, object]:
    document: dict[str, object] = plain(action)
    return document


def refund_command(args: argparse.Namespace) -> int:
    lines = [sn.strip() for sn in args.lines.split(",") if sn.strip()] if args.lines else None
    explain = bool(getattr(args, "verbose", False))
    with open_journal(args) as journal:
        args.setl_id = resolve_settlement(journal, settings_of(args), args.setl_id)
        plan = plan_refund(journal, args.setl_id, lines=lines)
        if args.plan:
            emit(plan, render_refund_plan(plan, explain=explain), as_json=args.json)
            return EXIT_OK
        if not args.json:
            print(render_refund_plan(plan, explain=explain) + "\n")  # the cashier sees the chain first
        with platform_client(args) as client:
            result = Adapter(client, journal=journal).refund(args.setl_id, lines=lines)
    if args.json:
        print_json(refund_json(result))
    else:
        print(render_refund(result, with_plan=False))
    return EXIT_OK if result.status == ChainStatus.DONE else EXIT_ATTENTION


def refund_json(result: RefundResult) -> dict[str, object]:
    document: dict[str, object] = plain(result)
    document["changes"] = [
        {**plain(change), "collect": change.collect, "pay_back": change.pay_back} for change in result.changes
    ]
    document["total_collect"] = result.total_collect
    document["total_pay_back"] = result.total_pay_back
    return document


def outbox_command(args: argparse.Namespace) -> int:
    if args.upload:
        from ._day import upload_command  # the outbox worked (issue #12)

        return upload_command(args)
    with open_journal(args) as journal:
        entries = journal.outbox(due_by=args.due_by, include_sent=args.all)
    emit([plain(entry) for entry in entries], render_outbox(entries), as_json=args.json)
    return EXIT_OK

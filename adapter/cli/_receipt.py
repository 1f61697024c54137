"""``opsp receipt SETL_ID``: a settlement's printable receipt (or ``--bill``: its visit's summary).

HTML on stdout by default (print it from a browser); ``--pdf PATH`` prints it with headless
Chromium; ``--html PATH`` writes the page to a file; ``--json`` gives the receipt's data (with
``--bill``: the receipts, the self-pay parts and the visit's totals).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..receipts import _html, bill_answer, bill_summary, html_to_pdf, receipt_answer, settlement_receipt
from ..receipts._settlements import resolve_settlement
from ._failure import EXIT_OK
from ._output import print_json
from ._platform import add_journal_option, add_platform_options, open_journal, settings_of


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "receipt",
        help="a settlement's printable receipt (HTML, or PDF with --pdf); --bill for the visit's summary",
    )
    parser.add_argument("setl_id", metavar="SETL_ID", help="the settlement: its 结算ID or 收费批次号 (MZ…-2)")
    parser.add_argument("--bill", action="store_true", help="the bill summary of this settlement's visit")
    parser.add_argument("--pdf", metavar="PATH", type=Path, help="print to this PDF file (headless Chromium)")
    parser.add_argument("--html", metavar="PATH", type=Path, help="write the HTML page to this file")
    parser.add_argument("--json", action="store_true", help="print the receipt's data as JSON")
    add_platform_options(parser)  # chooses the journal: one per platform and hospital
    add_journal_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_journal(args) as journal:
        args.setl_id = resolve_settlement(journal, settings_of(args), args.setl_id)
        if args.bill:
            summary = bill_summary(journal, args.setl_id)
            html = _html.bill_html(summary)
            data: object = bill_answer(summary)
        else:
            document = settlement_receipt(journal, args.setl_id)
            html = _html.receipt_html(document)
            data = receipt_answer(document)
    if args.json:
        print_json(data)
        return EXIT_OK
    if args.html:
        args.html.write_text(html, encoding="utf-8")
        print(f"已生成 {args.html}")
    if args.pdf:
        html_to_pdf(html, args.pdf)
        print(f"已生成 {args.pdf}")
    if not args.html and not args.pdf:
        print(html)
    return EXIT_OK

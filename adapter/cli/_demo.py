"""``opsp demo``: sign in and look up each demo patient; ``opsp demo --reset`` starts the demo afresh."""

from __future__ import annotations

import argparse

from .._demo import demo_patients, demo_rows
from .._embedded import embedded_state_path, reset_embedded
from .._masking import redact_url_credentials
from .._table import render_table
from ._output import emit
from ._platform import add_platform_options, platform_client


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "demo",
        help="look up every demo patient; --reset forgets the embedded platform's state",
        description="Sign in and look up each demo patient (P1-P10). The embedded demo platform keeps "
        "its state (visits, settlements, accumulators) and the demo journals in the user's data "
        "directory; --reset deletes them, so the next command starts from the shipped demo data.",
    )
    parser.add_argument("--reset", action="store_true", help="forget the embedded platform's state first")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_platform_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.reset:
        cleared = reset_embedded()
        if not args.json:
            print(f"已清除内置演示平台的状态和演示日志（{cleared}）。\n")
    with platform_client(args) as client:
        settings = client.settings
        sign_no = client.sign_no()
        rows = demo_rows(client, demo_patients())
    platform = redact_url_credentials(args.platform) if args.platform else None  # shown on the desk's screen
    where = f"平台 {platform}" if platform else f"内置演示平台（状态文件 {embedded_state_path()}）"
    hospital = f"{settings.fixmedins_name}（{settings.fixmedins_code}，就医地 {settings.mdtrtarea_admvs}）"
    header = f"{hospital}  {where}\n操作员 {settings.opter} {settings.opter_name}  签到号 {sign_no}\n"
    headers = ["key", "凭证", "姓名", "参保地", "险种", "备案病种 (5301)"]
    document = {
        "fixmedins_code": settings.fixmedins_code,
        "platform": platform or "embedded",
        "reset": bool(args.reset),
        "patients": [dict(zip(headers, row, strict=True)) for row in rows],
    }
    emit(document, header + "\n" + render_table(headers, rows), as_json=args.json)
    return 0

"""``opsp demo``: sign in and look up each demo patient against the embedded mock platform."""

from __future__ import annotations

import argparse

from .._demo import demo_patients, demo_rows
from .._embedded import embedded_client
from .._table import render_table


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("demo", help="look up every demo patient on the embedded mock platform")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with embedded_client() as client:
        settings = client.settings
        sign_no = client.sign_no()
        rows = demo_rows(client, demo_patients())
    print(
        f"{settings.fixmedins_name} ({settings.fixmedins_code}, 就医地 {settings.mdtrtarea_admvs}) — "
        f"embedded mock platform, operator {settings.opter} {settings.opter_name}, sign_no {sign_no}\n"
    )
    print(render_table(["key", "凭证", "姓名", "参保地", "险种", "备案病种 (5301)"], rows))
    return 0

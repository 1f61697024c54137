"""Settle a visit or refund a settlement, and die abruptly at a checkpoint (a helper process for
tests/test_served_workflow.py).

Usage: python -m tests.crash_settle URL JOURNAL settle VISIT.json "after 2207" [NTH]
       python -m tests.crash_settle URL JOURNAL refund SETL_ID "after 2208" [NTH]

``os._exit`` skips every handler, ``finally`` and flush, as a killed cashier terminal would.
"""

from __future__ import annotations

import os
import sys

from adapter import Adapter, PlatformClient, load_settings
from adapter._embedded import demo_settings_path
from adapter.execution import SqliteJournal
from adapter.execution._journal_seal import key_from_environment

CRASHED = 137


def main(url: str, journal_path: str, action: str, target: str, point: str, nth: str = "1") -> None:
    seen = [0]

    def checkpoint(name: str) -> None:
        if name == point:
            seen[0] += 1
            if seen[0] == int(nth):
                os._exit(CRASHED)

    settings = load_settings(
        demo_settings_path(), endpoint=url.rstrip("/") + "/fsi/api/rsfComIfsService/callService"
    )
    with PlatformClient(settings) as client:
        journal = SqliteJournal(journal_path, key=key_from_environment(os.environ))
        adapter = Adapter(client, journal=journal, checkpoint=checkpoint)
        if action == "settle":
            adapter.settle(target)
        else:
            adapter.refund(target)
    sys.exit(0)  # the checkpoint was never reached


if __name__ == "__main__":
    main(*sys.argv[1:7])

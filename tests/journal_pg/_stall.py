"""A desk that stops mid-settlement and stays alive, to be recovered around and then killed.

Usage: python -m tests.journal_pg._stall MOCK_URL JOURNAL_URL VISIT.json "after 2207"

At the checkpoint it prints ``stalled`` and sleeps: the process (and its person lock) is alive
until the test kills it with SIGKILL.
"""

from __future__ import annotations

import sys
import time

import structlog

from adapter import Adapter, PlatformClient, load_settings
from adapter._embedded import demo_settings_path
from adapter.execution._journal_postgres import PostgresJournal
from tests.postgres import JOURNAL_KEY


def main(mock_url: str, journal_url: str, visit: str, point: str) -> None:
    def checkpoint(name: str) -> None:
        if name == point:
            print("stalled", flush=True)
            time.sleep(120)

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # stdout: our lines only
    settings = load_settings(
        demo_settings_path(), endpoint=mock_url.rstrip("/") + "/fsi/api/rsfComIfsService/callService"
    )
    with PlatformClient(settings) as client:
        Adapter(client, journal=PostgresJournal(journal_url, key=JOURNAL_KEY), checkpoint=checkpoint).settle(
            visit
        )
    print("never stalled", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])

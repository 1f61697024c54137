"""A cashier desk as a process (tests/journal_pg/test_many_desks.py): threads settling visits on one journal.

Usage: python -m tests.journal_pg._desk MOCK_URL JOURNAL_URL DESK  < work.json

``work.json`` is ``[[visit document, ...] per thread]``: each thread settles its documents in
turn. The desk prints ``ready`` once its journal is open, starts on a ``go`` line, then prints
one JSON line per settle: ``{"desk", "ipt_otp_no", "statuses", "setl_ids", "error"}``.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import structlog

from adapter import Adapter, AdapterError, PlatformClient, load_settings
from adapter._embedded import demo_settings_path
from adapter.execution._journal_postgres import PostgresJournal
from tests.postgres import JOURNAL_KEY


def main(mock_url: str, journal_url: str, desk: str) -> None:
    work: list[list[dict[str, Any]]] = json.loads(sys.stdin.readline())
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # warnings only
    settings = load_settings(
        demo_settings_path(), endpoint=mock_url.rstrip("/") + "/fsi/api/rsfComIfsService/callService"
    )
    journal = PostgresJournal(journal_url, pool_size=len(work) + 1, key=JOURNAL_KEY)
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    printing = threading.Lock()

    def thread(documents: list[dict[str, Any]]) -> None:
        with PlatformClient(settings) as client:
            adapter = Adapter(client, journal=journal)
            for document in documents:
                line: dict[str, Any] = {"desk": desk, "ipt_otp_no": document["visit"]["ipt_otp_no"]}
                try:
                    result = adapter.settle(document)
                    line["statuses"] = [batch.status for batch in result.batches]
                    line["setl_ids"] = [b.receipt.setl_id if b.receipt else "" for b in result.batches]
                except AdapterError as error:
                    line["error"] = f"{type(error).__name__}: {error}"
                with printing:
                    print(json.dumps(line), flush=True)

    threads = [threading.Thread(target=thread, args=(documents,)) for documents in work]
    for started in threads:
        started.start()
    for finished in threads:
        finished.join()
    journal.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""A helper process for the PostgreSQL journal tests: draw msgids, or hold a person's lock until killed.

Usage: python -m tests.journal_pg._worker URL msgids THREADS COUNT   (prints one id a line)
       python -m tests.journal_pg._worker URL hold PSN_NO           (prints "locked", then sleeps)
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import datetime

from adapter import CHINA_TZ, MsgIdFactory
from adapter.execution._journal_postgres import PostgresJournal

FROZEN = datetime(2026, 11, 22, 9, 30, 0, tzinfo=CHINA_TZ)  # every process and thread in one second


def draw(url: str, threads: int, count: int) -> None:
    journal = PostgresJournal(url, pool_size=threads)
    drawn: list[str] = []
    lock = threading.Lock()

    def desk() -> None:
        factory = MsgIdFactory("H42010200001", clock=lambda: FROZEN)  # as each desk's client has
        factory.reserve_from(journal.reserve_msgids)
        mine = [factory() for _ in range(count)]
        with lock:
            drawn.extend(mine)

    workers = [threading.Thread(target=desk) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    journal.close()
    print("\n".join(drawn), flush=True)


def hold(url: str, psn_no: str) -> None:
    journal = PostgresJournal(url, pool_size=1)
    with journal.person_lock(psn_no):
        print("locked", flush=True)
        time.sleep(60)


if __name__ == "__main__":
    if sys.argv[2] == "msgids":
        draw(sys.argv[1], int(sys.argv[3]), int(sys.argv[4]))
    else:
        hold(sys.argv[1], sys.argv[3])

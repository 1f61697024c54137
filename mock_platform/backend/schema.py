"""The store's schema, as an ordered list of migrations.

`PRAGMA user_version` records how many migrations a database has; opening a database applies the missing
ones in one transaction. New concerns append migrations instead of rewriting earlier ones: rows are keyed by
the platform's own ids (psn_no, sign_no, mdtrt_id, setl_id) and every id the platform issues comes from the
`sequence` table.

1. people, sign-ins, traffic journal, sequences;
2. the settlement side: visits and diagnoses (2201-2203), fee details with their split (2204/2205),
   settlements and reversals with their lines (2206-2208, 2601), the accumulator ledger (5206), processed
   msgids (idempotency), 2601 requests, fault rules, seeded records, and the fault column of the journal.
3. an index of settlements by batch;
4. the envelope level: gateway nonces, richer traffic rows;
5. the 门诊共济 balance of an insurance (family accounts that may pay for this person);
6. the 9101/9102 file store; 7. self-pay visits (4205/4203); 8. the answer to a nonce resent by a retry;
9. hospital filings (2503/2504); 10. the published 医保目录: publications and the rows they touched.
11. running totals of the accumulator ledger per month, filled from the ledger (a Python step: the sums are
    Decimal), an index for 1101 by ID number, and a version per person that triggers raise on every change
    of the person's rows (what `people` caches is checked against it).
12. one version of the sign-in sessions and fault rules, raised by triggers on every change of either (what
    `signin` and `faults` keep between calls is checked against it).
13. one version of what a settlement is computed from, raised by triggers (`settling`);
14. that version counted by each connection instead (TEMP triggers, `watch_settlement_inputs`): 13's table
    and triggers dropped, so a settlement's inputs changing writes no page of its own.
15. gateway nonces in a WITHOUT ROWID table (one B-tree instead of a table and its key's index).
16. the index of fee details by settlement dropped (a settlement's fee details are found through its lines),
    settlement lines in a WITHOUT ROWID table (one B-tree instead of a table and its key's index), and the
    index of ledger entries by person dropped (the console finds them through the person's settlements).

A migration is SQL text (statements run one by one) or a function of the connection, for a step SQL cannot do
exactly; either runs inside the one transaction that migrates the database.

Money columns are TEXT holding a Decimal's exact digits (SQLite REAL would be a float); sums are done in
Python with Decimal, never with SQL SUM.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal

Migration = str | Callable[[sqlite3.Connection], None]

ZERO = Decimal("0.00")


# The tables a `PersonRecord` is read from (`people._load`): any change to one of a person's rows raises the
# person's version.
PERSON_TABLES = ("person", "insurance", "identity", "opsp_filing", "remote_filing")


def _speed(connection: sqlite3.Connection) -> None:
    """11: what keeps a call's cost flat with history and low per call (issue #18).

    `accumulator_total`, the ledger summed per (psn_no, insutype, year, cum_type_code, cum_ym).

    2206/2207 and 5206 read the year's totals from here instead of summing every entry of the person's year on
    each call (the cost grew with the history without bound: issue #18). `accumulators.post` keeps it in step
    with the ledger in the same transaction as every entry; existing ledgers are summed into it here, with
    Decimal from ZERO as `accumulators` always summed (`cum_type_code` last but one so that one code's months
    are adjacent). 1101 by ID number compares `upper(certno)` (a check character x in either case): the
    expression index lets it find the row instead of scanning every person.
    """
    connection.execute(
        "CREATE TABLE accumulator_total ("
        " psn_no TEXT NOT NULL, insutype TEXT NOT NULL, year INTEGER NOT NULL, cum_type_code TEXT NOT NULL,"
        " cum_ym TEXT NOT NULL, amount TEXT NOT NULL,"
        " PRIMARY KEY (psn_no, insutype, year, cum_type_code, cum_ym)) WITHOUT ROWID"
    )
    sums: dict[tuple[str, str, int, str, str], Decimal] = {}
    rows = connection.execute(
        "SELECT psn_no, insutype, year, cum_type_code, cum_ym, amount FROM accumulator_entry ORDER BY id"
    )
    for psn_no, insutype, year, code, cum_ym, amount in rows:
        key = (psn_no, insutype, year, code, cum_ym)
        sums[key] = sums.get(key, ZERO) + Decimal(amount)
    connection.executemany(
        "INSERT INTO accumulator_total (psn_no, insutype, year, cum_type_code, cum_ym, amount)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(*key, str(amount)) for key, amount in sums.items()],
    )
    connection.execute("CREATE INDEX person_certno_upper ON person (upper(certno))")
    # `person_version`: raised by a trigger on every insert, update or delete of a row in PERSON_TABLES, so a
    # person read once is reused until anything of theirs changes (by whatever code), at the cost of one
    # lookup instead of five.
    connection.execute(
        "CREATE TABLE person_version (psn_no TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID"
    )
    for table in PERSON_TABLES:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            connection.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_version AFTER {event} ON {table} BEGIN"
                f" INSERT INTO person_version (psn_no, version) VALUES ({row}.psn_no, 1)"
                " ON CONFLICT (psn_no) DO UPDATE SET version = version + 1; END"
            )


# The tables every call reads besides its person (`CALL_STATE_TABLES`): any change to one raises the one
# `call_state` version (migration 12).
CALL_STATE_TABLES = ("sign_in", "fault_rule")


def _call_state(connection: sqlite3.Connection) -> None:
    """12: the version of what every call reads besides its person: sign-in sessions and fault rules.

    A trigger on every insert, update or delete of a row of `CALL_STATE_TABLES` raises it, whatever code
    (or process) made the change, so the sign-in session and the absence of a fault rule read by one call are
    reused by the next while it is unchanged: one lookup instead of two queries per call (issue #18).
    """
    connection.execute(
        "CREATE TABLE call_state (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
    )
    connection.execute("INSERT INTO call_state (id, version) VALUES (1, 0)")
    for table in CALL_STATE_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            connection.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_call_state AFTER {event} ON {table} BEGIN"
                " UPDATE call_state SET version = version + 1 WHERE id = 1; END"
            )


# The tables a settlement's computation reads besides its person and the reference data (`settling`): any
# change to one raises the one `settlement_inputs` version (migration 13; since 14 counted by each connection,
# `watch_settlement_inputs`).
SETTLEMENT_INPUT_TABLES = ("visit", "fee_detail", "settlement", "accumulator_entry", "accumulator_total")


def _settlement_inputs(connection: sqlite3.Connection) -> None:
    """13: the version of what 2206/2207 compute from besides the person: visits, fee details, settlements and
    the accumulators.

    A trigger on every insert, update or delete of a row of `SETTLEMENT_INPUT_TABLES` raises it, whatever code
    (or process) made the change, so the 2207 that follows its 2206 with nothing changed in between takes the
    settlement 2206 computed instead of computing it again (issue #18).
    """
    connection.execute(
        "CREATE TABLE settlement_inputs (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
    )
    connection.execute("INSERT INTO settlement_inputs (id, version) VALUES (1, 0)")
    for table in SETTLEMENT_INPUT_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            connection.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_settlement_inputs AFTER {event} ON {table} BEGIN"
                " UPDATE settlement_inputs SET version = version + 1 WHERE id = 1; END"
            )


def _settlement_inputs_per_connection(connection: sqlite3.Connection) -> None:
    """14: migration 13's version and triggers dropped; each connection counts the changes it makes itself
    (`watch_settlement_inputs`) and asks SQLite about everyone else's (``PRAGMA data_version``).

    Migration 13's one row was written by every call that changed a visit, a fee detail, a settlement or an
    accumulator: one more page in the WAL, written and fsynced, per state-changing call (issue #18).
    """
    for table in SETTLEMENT_INPUT_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            connection.execute(f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_settlement_inputs")
    connection.execute("DROP TABLE IF EXISTS settlement_inputs")


# The SQL function the TEMP triggers of `watch_settlement_inputs` call.
SETTLEMENT_INPUTS_CHANGED = "opsp_settlement_inputs_changed"


def watch_settlement_inputs(connection: sqlite3.Connection, changed: Callable[[], None]) -> None:
    """Call `changed()` for every row this connection inserts, updates or deletes in
    `SETTLEMENT_INPUT_TABLES` (not a migration: once per connection, after migrating).

    TEMP triggers live with the connection, not in the database file, so raising the count writes nothing
    to disk. Changes committed by other connections or processes are not seen here: a reader compares
    ``PRAGMA data_version`` for those. A change rolled back still counts (a count that moved only makes a
    reader compute again).
    """
    connection.create_function(SETTLEMENT_INPUTS_CHANGED, 0, changed)
    for table in SETTLEMENT_INPUT_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            connection.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS {table}_{event.lower()}_settlement_inputs"
                f" AFTER {event} ON {table} BEGIN SELECT {SETTLEMENT_INPUTS_CHANGED}(); END"
            )


MIGRATIONS: tuple[Migration, ...] = (
    # 1: people and their records (seeded from people.toml), sign-ins, traffic journal, id sequences.
    """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE sequence (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    CREATE TABLE person (
        psn_no        TEXT PRIMARY KEY,
        seed_key      TEXT,
        psn_name      TEXT NOT NULL,
        psn_cert_type TEXT NOT NULL,
        certno        TEXT NOT NULL,
        gend          TEXT NOT NULL,
        naty          TEXT NOT NULL,
        brdy          TEXT NOT NULL,
        card_no       TEXT NOT NULL UNIQUE,
        card_sn       TEXT NOT NULL,
        ec_token      TEXT NOT NULL UNIQUE,
        UNIQUE (psn_cert_type, certno)
    );
    CREATE TABLE insurance (
        psn_no         TEXT NOT NULL REFERENCES person (psn_no),
        insutype       TEXT NOT NULL,
        psn_type       TEXT NOT NULL,
        psn_insu_stas  TEXT NOT NULL,
        psn_insu_date  TEXT NOT NULL,
        paus_insu_date TEXT,
        cvlserv_flag   TEXT NOT NULL,
        insuplc_admdvs TEXT NOT NULL,
        emp_name       TEXT NOT NULL,
        balc           TEXT NOT NULL,
        PRIMARY KEY (psn_no, insutype)
    );
    CREATE TABLE identity (
        id            INTEGER PRIMARY KEY,
        psn_no        TEXT NOT NULL REFERENCES person (psn_no),
        psn_idet_type TEXT NOT NULL,
        psn_type_lv   TEXT NOT NULL,
        memo          TEXT NOT NULL,
        begntime      TEXT NOT NULL,
        endtime       TEXT
    );
    CREATE TABLE opsp_filing (
        id             INTEGER PRIMARY KEY,
        psn_no         TEXT NOT NULL REFERENCES person (psn_no),
        opsp_dise_code TEXT NOT NULL,
        opsp_dise_name TEXT NOT NULL,
        begndate       TEXT NOT NULL,
        enddate        TEXT,
        compound       TEXT
    );
    CREATE INDEX opsp_filing_person ON opsp_filing (psn_no);
    CREATE TABLE remote_filing (
        id       INTEGER PRIMARY KEY,
        psn_no   TEXT NOT NULL REFERENCES person (psn_no),
        admdvs   TEXT NOT NULL,
        begndate TEXT NOT NULL,
        enddate  TEXT
    );
    CREATE INDEX remote_filing_person ON remote_filing (psn_no);
    CREATE TABLE sign_in (
        sign_no        TEXT PRIMARY KEY,
        fixmedins_code TEXT NOT NULL,
        opter_no       TEXT NOT NULL,
        sign_date      TEXT NOT NULL,
        sign_time      TEXT NOT NULL,
        mac            TEXT NOT NULL,
        ip             TEXT NOT NULL,
        signed_out_at  TEXT
    );
    CREATE INDEX sign_in_operator ON sign_in (fixmedins_code, opter_no, sign_date);
    CREATE TABLE traffic (
        id             INTEGER PRIMARY KEY,
        received_at    TEXT NOT NULL,
        path           TEXT NOT NULL,
        infno          TEXT NOT NULL,
        msgid          TEXT NOT NULL,
        fixmedins_code TEXT NOT NULL,
        inf_refmsgid   TEXT NOT NULL,
        http_status    INTEGER NOT NULL,
        infcode        INTEGER,
        outcome        TEXT NOT NULL,
        err_msg        TEXT NOT NULL,
        subject        TEXT NOT NULL,
        duration_ms    INTEGER NOT NULL
    );
    """,
    # 2: the settlement side.
    """
    ALTER TABLE traffic ADD COLUMN fault TEXT NOT NULL DEFAULT '';
    CREATE TABLE processed_message (
        msgid          TEXT PRIMARY KEY,
        infno          TEXT NOT NULL,
        fixmedins_code TEXT NOT NULL,
        digest         TEXT NOT NULL,
        answer         BLOB NOT NULL,
        processed_at   TEXT NOT NULL
    );
    CREATE TABLE visit (
        mdtrt_id        TEXT PRIMARY KEY,
        psn_no          TEXT NOT NULL REFERENCES person (psn_no),
        insutype        TEXT NOT NULL,
        fixmedins_code  TEXT NOT NULL,
        hospital_admdvs TEXT NOT NULL,
        insuplc_admdvs  TEXT NOT NULL,
        begntime        TEXT NOT NULL,
        ipt_otp_no      TEXT NOT NULL,
        mdtrt_cert_type TEXT NOT NULL,
        atddr_no        TEXT NOT NULL,
        dr_name         TEXT NOT NULL,
        dept_code       TEXT NOT NULL,
        dept_name       TEXT NOT NULL,
        caty            TEXT NOT NULL,
        med_type        TEXT,
        dise_codg       TEXT,
        dise_name       TEXT,
        main_cond_dscr  TEXT,
        status          TEXT NOT NULL,
        msgid           TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        revoked_at      TEXT
    );
    CREATE INDEX visit_person ON visit (psn_no, begntime);
    CREATE TABLE diagnosis (
        mdtrt_id      TEXT NOT NULL REFERENCES visit (mdtrt_id),
        diag_type     TEXT NOT NULL,
        diag_srt_no   INTEGER NOT NULL,
        diag_code     TEXT NOT NULL,
        diag_name     TEXT NOT NULL,
        diag_dept     TEXT NOT NULL,
        dise_dor_no   TEXT NOT NULL,
        dise_dor_name TEXT NOT NULL,
        diag_time     TEXT NOT NULL,
        vali_flag     TEXT NOT NULL,
        PRIMARY KEY (mdtrt_id, diag_type, diag_code)
    );
    CREATE TABLE fee_detail (
        id                INTEGER PRIMARY KEY,
        mdtrt_id          TEXT NOT NULL REFERENCES visit (mdtrt_id),
        feedetl_sn        TEXT NOT NULL,
        chrg_bchno        TEXT NOT NULL,
        psn_no            TEXT NOT NULL,
        dise_codg         TEXT NOT NULL,
        fee_ocur_time     TEXT NOT NULL,
        med_list_codg     TEXT NOT NULL,
        medins_list_codg  TEXT NOT NULL,
        hosp_appr_flag    TEXT NOT NULL,
        upload            TEXT NOT NULL,
        split             TEXT NOT NULL,
        status            TEXT NOT NULL,
        setl_id           TEXT,
        upload_msgid      TEXT NOT NULL,
        uploaded_at       TEXT NOT NULL,
        revoked_at        TEXT
    );
    CREATE INDEX fee_detail_batch ON fee_detail (mdtrt_id, chrg_bchno, status);
    CREATE INDEX fee_detail_settlement ON fee_detail (setl_id);
    CREATE TABLE settlement (
        setl_id          TEXT PRIMARY KEY,
        seq              INTEGER NOT NULL UNIQUE,
        kind             TEXT NOT NULL,
        original_setl_id TEXT,
        mdtrt_id         TEXT NOT NULL REFERENCES visit (mdtrt_id),
        psn_no           TEXT NOT NULL,
        insutype         TEXT NOT NULL,
        year             INTEGER NOT NULL,
        cum_ym           TEXT NOT NULL,
        chrg_bchno       TEXT NOT NULL,
        med_type         TEXT NOT NULL,
        dise_codg        TEXT NOT NULL,
        fixmedins_code   TEXT NOT NULL,
        msgid            TEXT NOT NULL,
        infno            TEXT NOT NULL,
        setl_time        TEXT NOT NULL,
        status           TEXT NOT NULL,
        refund_setl_id   TEXT,
        result           TEXT NOT NULL
    );
    CREATE INDEX settlement_scope ON settlement (psn_no, insutype, year, seq);
    CREATE INDEX settlement_msgid ON settlement (msgid);
    CREATE TABLE settlement_line (
        setl_id       TEXT NOT NULL REFERENCES settlement (setl_id),
        fee_detail_id INTEGER NOT NULL REFERENCES fee_detail (id),
        PRIMARY KEY (setl_id, fee_detail_id)
    );
    CREATE TABLE accumulator_entry (
        id            INTEGER PRIMARY KEY,
        psn_no        TEXT NOT NULL,
        insutype      TEXT NOT NULL,
        year          INTEGER NOT NULL,
        cum_ym        TEXT NOT NULL,
        cum_type_code TEXT NOT NULL,
        amount        TEXT NOT NULL,
        setl_id       TEXT NOT NULL,
        reason        TEXT NOT NULL
    );
    CREATE INDEX accumulator_scope ON accumulator_entry (psn_no, insutype, year);
    CREATE INDEX accumulator_posting ON accumulator_entry (setl_id);
    CREATE TABLE reversal_request (
        msgid       TEXT PRIMARY KEY,
        psn_no      TEXT NOT NULL,
        omsgid      TEXT NOT NULL,
        oinfno      TEXT NOT NULL,
        result      TEXT NOT NULL,
        setl_id     TEXT,
        received_at TEXT NOT NULL
    );
    CREATE TABLE fault_rule (
        id        INTEGER PRIMARY KEY,
        infno     TEXT NOT NULL,
        kind      TEXT NOT NULL,
        remaining INTEGER NOT NULL,
        message   TEXT,
        seconds   TEXT
    );
    CREATE TABLE seeded_record (
        id   INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        key  TEXT NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (kind, key)
    );
    """,
    # 3: 2206/2207/2208 look a batch's settlement up by visit and batch several times per call;
    # without an index that scanned every settlement ever made (a long-running mock slowed down).
    """
    CREATE INDEX settlement_batch ON settlement (mdtrt_id, chrg_bchno);
    """,
    # 4: the envelope level (issues #10, #17). Gateway nonces are single-use within the timestamp window;
    # the traffic journal keeps the accepted deviations (warnings), the masked bodies and the keys a vendor
    # filters by (psn_no, mdtrt_id).
    """
    CREATE TABLE gateway_nonce (
        nonce       TEXT PRIMARY KEY,
        expires_at  REAL NOT NULL
    );
    CREATE INDEX gateway_nonce_expiry ON gateway_nonce (expires_at);
    ALTER TABLE traffic ADD COLUMN warnings TEXT NOT NULL DEFAULT '';
    ALTER TABLE traffic ADD COLUMN psn_no TEXT NOT NULL DEFAULT '';
    ALTER TABLE traffic ADD COLUMN mdtrt_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE traffic ADD COLUMN request_body TEXT NOT NULL DEFAULT '';
    ALTER TABLE traffic ADD COLUMN answer_body TEXT NOT NULL DEFAULT '';
    CREATE INDEX traffic_msgid ON traffic (msgid);
    CREATE INDEX traffic_psn_no ON traffic (psn_no);
    """,
    # 5: 门诊共济 (issue #14): the balance of the family accounts bound to an insurance (acct_mulaid_pay).
    """
    ALTER TABLE insurance ADD COLUMN mulaid_balc TEXT NOT NULL DEFAULT '0.00';
    """,
    # 6: the 9101/9102 file store (backend.files): uploads, 3202 result files, published files.
    """
    CREATE TABLE stored_file (
        file_qury_no   TEXT PRIMARY KEY,
        fixmedins_code TEXT NOT NULL,
        filename       TEXT NOT NULL,
        content        BLOB NOT NULL,
        created_at     TEXT NOT NULL,
        dld_endtime    TEXT NOT NULL
    );
    """,
    # 7: self-pay visits uploaded for manual claims (backend.ownpay, 4205/4203; seed 002 三(四)).
    """
    CREATE TABLE ownpay_visit (
        fixmedins_code     TEXT NOT NULL,
        fixmedins_mdtrt_id TEXT NOT NULL,
        psn_no             TEXT NOT NULL,
        body               TEXT NOT NULL,
        msgid              TEXT NOT NULL,
        uploaded_at        TEXT NOT NULL,
        completed_at       TEXT,
        PRIMARY KEY (fixmedins_code, fixmedins_mdtrt_id)
    );
    """,
    # 8: a nonce resent by an HTTP client's automatic retry (issue #17, profile lenient): the msgid and body
    # digest it first came with and the answer it got, so an identical resend gets that answer again.
    """
    ALTER TABLE gateway_nonce ADD COLUMN msgid TEXT;
    ALTER TABLE gateway_nonce ADD COLUMN digest TEXT;
    ALTER TABLE gateway_nonce ADD COLUMN answer BLOB;
    ALTER TABLE gateway_nonce ADD COLUMN content_type TEXT;
    """,
    # 9: filings made by hospitals (backend.filings, 2503/2504): a seeded filing is approved; one a hospital
    # files waits for the insurer's approval (filed), and may be revoked while it waits (revoked).
    """
    ALTER TABLE opsp_filing ADD COLUMN status TEXT NOT NULL DEFAULT 'approved';
    ALTER TABLE opsp_filing ADD COLUMN trt_dcla_detl_sn TEXT;
    ALTER TABLE opsp_filing ADD COLUMN insutype TEXT NOT NULL DEFAULT '';
    ALTER TABLE opsp_filing ADD COLUMN fixmedins_code TEXT NOT NULL DEFAULT '';
    ALTER TABLE opsp_filing ADD COLUMN filed_at TEXT;
    ALTER TABLE opsp_filing ADD COLUMN decided_at TEXT;
    ALTER TABLE opsp_filing ADD COLUMN memo TEXT NOT NULL DEFAULT '';
    CREATE UNIQUE INDEX opsp_filing_sn ON opsp_filing (trt_dcla_detl_sn);
    """,
    # 10: the published 医保目录 (backend.catalogue, 1312/1319/1320): each publication, and every row a
    # publication touched (the rows of the shipped files it did not touch are served from the files).
    """
    CREATE TABLE catalogue_version (
        ver          TEXT PRIMARY KEY,
        published_at TEXT NOT NULL,
        note         TEXT NOT NULL,
        changes      INTEGER NOT NULL
    );
    CREATE TABLE catalogue_item (
        rid              TEXT PRIMARY KEY,
        insu_admdvs      TEXT NOT NULL,
        hilist_code      TEXT NOT NULL,
        hilist_name      TEXT NOT NULL,
        list_type        TEXT NOT NULL,
        med_chrgitm_type TEXT NOT NULL,
        chrgitm_lv       TEXT NOT NULL,
        selfpay_prop     TEXT,
        pric_uplmt_amt   TEXT,
        lmt_used_flag    TEXT NOT NULL,
        begndate         TEXT NOT NULL,
        enddate          TEXT,
        vali_flag        TEXT NOT NULL,
        ver              TEXT NOT NULL,
        updt_time        TEXT NOT NULL,
        cap_served       INTEGER NOT NULL,
        ratio_served     INTEGER NOT NULL
    );
    CREATE INDEX catalogue_item_code ON catalogue_item (insu_admdvs, hilist_code);
    """,
    # 11: running totals of the accumulator ledger; the index for 1101 by ID number; person versions.
    _speed,
    # 12: the version of the sign-in sessions and fault rules.
    _call_state,
    # 13: the version of what a settlement is computed from (besides the person).
    _settlement_inputs,
    # 14: that version counted by each connection instead of written to the file.
    _settlement_inputs_per_connection,
    # 15: every call records its gateway nonce, a random key: as a rowid table with an index on the key,
    # each insert wrote a page of the table and a page of the index (two WAL pages written and fsynced per
    # call, issue #18). Keyed by the nonce itself, the row lives in one B-tree: one page. Same columns, same
    # rows, the expiry index kept.
    """
    CREATE TABLE gateway_nonce_keyed (
        nonce        TEXT PRIMARY KEY,
        expires_at   REAL NOT NULL,
        msgid        TEXT,
        digest       TEXT,
        answer       BLOB,
        content_type TEXT
    ) WITHOUT ROWID;
    INSERT INTO gateway_nonce_keyed (nonce, expires_at, msgid, digest, answer, content_type)
        SELECT nonce, expires_at, msgid, digest, answer, content_type FROM gateway_nonce
        WHERE nonce IS NOT NULL;
    DROP TABLE gateway_nonce;
    ALTER TABLE gateway_nonce_keyed RENAME TO gateway_nonce;
    CREATE INDEX gateway_nonce_expiry ON gateway_nonce (expires_at);
    """,
    # 16: pages written per 2204 and 2207 (issue #18). `fee_detail_settlement` was written by every 2204 (a
    # NULL setl_id per line) and every 2207 (each line's setl_id) for a lookup only a refund or a rollback of
    # a settlement makes; `settlements` finds those fee details through the settlement's lines instead
    # (`settlement_line`, keyed by setl_id: a fee detail's setl_id is only ever set to one of its lines'
    # settlements). The lines themselves, a rowid table with a two-column key, wrote a page of the table and
    # a page of the key's index per 2207; keyed by (setl_id, fee_detail_id) itself, one B-tree, read in the
    # same key order. `accumulator_scope` (entries by person) was a page per 2207 for the conformance console
    # alone, which reads a person's entries through the person's settlements instead (every entry is posted
    # under the setl_id of a settlement or refund of its own person). Same columns, same rows.
    """
    DROP INDEX IF EXISTS fee_detail_settlement;
    DROP INDEX IF EXISTS accumulator_scope;
    CREATE TABLE settlement_line_keyed (
        setl_id       TEXT NOT NULL REFERENCES settlement (setl_id),
        fee_detail_id INTEGER NOT NULL REFERENCES fee_detail (id),
        PRIMARY KEY (setl_id, fee_detail_id)
    ) WITHOUT ROWID;
    INSERT INTO settlement_line_keyed (setl_id, fee_detail_id)
        SELECT setl_id, fee_detail_id FROM settlement_line;
    DROP TABLE settlement_line;
    ALTER TABLE settlement_line_keyed RENAME TO settlement_line;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)

"""The store's schema, as an ordered list of migrations.

`PRAGMA user_version` records how many migrations a database has; opening a database applies the missing
ones in one transaction. The next issues append migrations (visits 2201/2202/2203, fee details 2204/2205,
settlements 2206/2207/2208, 冲正 2601, per-person accumulators, fault rules) instead of rewriting this one:
rows are keyed by the platform's own ids (psn_no, sign_no; later mdtrt_id, setl_id) and every id the platform
issues comes from the `sequence` table.

Money columns are TEXT holding a Decimal's exact digits (SQLite REAL would be a float).
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
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
)

SCHEMA_VERSION = len(MIGRATIONS)

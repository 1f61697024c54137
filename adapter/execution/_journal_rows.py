"""The journal's SQLite schema and row conversions (money as exact decimal text)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .._codec import decode, encode
from ._records import (
    BatchRecord,
    BatchState,
    CallRecord,
    CallStatus,
    ChainRecord,
    ChainStatus,
    OutboxEntry,
    SettlementRecord,
)

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "batch_from_row",
    "call_from_row",
    "chain_from_row",
    "json_text",
    "outbox_from_row",
    "settlement_from_row",
]

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    visit_key TEXT NOT NULL,
    ipt_otp_no TEXT NOT NULL,
    batch_number INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    state TEXT NOT NULL,
    med_type TEXT NOT NULL,
    dise_codg TEXT NOT NULL,
    psn_no TEXT NOT NULL,
    insutype TEXT NOT NULL,
    insuplc_admdvs TEXT NOT NULL,
    card TEXT NOT NULL,
    chrg_bchno TEXT NOT NULL,
    mdtrt_id TEXT NOT NULL DEFAULT '',
    setl_id TEXT NOT NULL DEFAULT '',
    plan_batch TEXT NOT NULL,
    visit TEXT NOT NULL,
    person TEXT NOT NULL,
    header TEXT NOT NULL,
    acct_used_flag TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    unwind_to TEXT NOT NULL DEFAULT 'unsettled',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (visit_key, batch_number, attempt)
);
CREATE INDEX IF NOT EXISTS batches_state ON batches (state);
-- settle looks up a visit's earlier batches every time: no scan of every batch ever journaled
CREATE INDEX IF NOT EXISTS batches_visit ON batches (visit_key);
CREATE TABLE IF NOT EXISTS calls (
    msgid TEXT PRIMARY KEY,
    batch_id INTEGER REFERENCES batches (id),
    infno TEXT NOT NULL,
    keys TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    sent_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS calls_batch ON calls (batch_id);
-- recover finds the calls still open (intent, unknown) among all calls ever made
CREATE INDEX IF NOT EXISTS calls_status ON calls (status);
CREATE TABLE IF NOT EXISTS settlements (
    setl_id TEXT PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches (id),
    psn_no TEXT NOT NULL,
    insutype TEXT NOT NULL,
    year INTEGER NOT NULL,
    mdtrt_id TEXT NOT NULL,
    chrg_bchno TEXT NOT NULL,
    msgid TEXT NOT NULL,
    setl_time TEXT NOT NULL,
    medfee_sumamt TEXT NOT NULL,
    fund_pay_sumamt TEXT NOT NULL,
    acct_pay TEXT NOT NULL,
    psn_cash_pay TEXT NOT NULL,
    active INTEGER NOT NULL,
    refund_setl_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS settlements_scope ON settlements (psn_no, insutype, year);
CREATE TABLE IF NOT EXISTS refund_chains (
    id INTEGER PRIMARY KEY,
    target_setl_id TEXT NOT NULL,
    plan TEXT NOT NULL,
    progress TEXT NOT NULL,
    next_step INTEGER NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    visit_key TEXT NOT NULL,
    batch_number INTEGER NOT NULL,
    reason TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due TEXT NOT NULL,
    sent_at TEXT
);
"""


def json_text(value: Any) -> str:
    return encode(value).decode("utf-8")


def batch_from_row(row: sqlite3.Row) -> BatchRecord:
    return BatchRecord(
        id=row["id"],
        visit_key=row["visit_key"],
        ipt_otp_no=row["ipt_otp_no"],
        batch_number=row["batch_number"],
        attempt=row["attempt"],
        state=BatchState(row["state"]),
        med_type=row["med_type"],
        dise_codg=row["dise_codg"],
        psn_no=row["psn_no"],
        insutype=row["insutype"],
        insuplc_admdvs=row["insuplc_admdvs"],
        card=decode(row["card"]),
        chrg_bchno=row["chrg_bchno"],
        mdtrt_id=row["mdtrt_id"],
        setl_id=row["setl_id"],
        plan_batch=decode(row["plan_batch"]),
        visit=decode(row["visit"]),
        person=decode(row["person"]),
        header=decode(row["header"]),
        acct_used_flag=row["acct_used_flag"],
        note=row["note"],
        unwind_to=BatchState(row["unwind_to"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def call_from_row(row: sqlite3.Row) -> CallRecord:
    return CallRecord(
        msgid=row["msgid"],
        batch_id=row["batch_id"],
        infno=row["infno"],
        keys=decode(row["keys"]),
        status=CallStatus(row["status"]),
        detail=decode(row["detail"]),
        sent_at=datetime.fromisoformat(row["sent_at"]),
        finished_at=datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else None,
    )


def settlement_from_row(row: sqlite3.Row) -> SettlementRecord:
    return SettlementRecord(
        setl_id=row["setl_id"],
        batch_id=row["batch_id"],
        psn_no=row["psn_no"],
        insutype=row["insutype"],
        year=row["year"],
        mdtrt_id=row["mdtrt_id"],
        chrg_bchno=row["chrg_bchno"],
        msgid=row["msgid"],
        setl_time=datetime.fromisoformat(row["setl_time"]),
        medfee_sumamt=Decimal(row["medfee_sumamt"]),
        fund_pay_sumamt=Decimal(row["fund_pay_sumamt"]),
        acct_pay=Decimal(row["acct_pay"]),
        psn_cash_pay=Decimal(row["psn_cash_pay"]),
        active=bool(row["active"]),
        refund_setl_id=row["refund_setl_id"],
    )


def outbox_from_row(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(
        id=row["id"],
        visit_key=row["visit_key"],
        batch_number=row["batch_number"],
        reason=row["reason"],
        payload=decode(row["payload"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        due=date.fromisoformat(row["due"]),
        sent_at=datetime.fromisoformat(row["sent_at"]) if row["sent_at"] else None,
    )


def chain_from_row(row: sqlite3.Row) -> ChainRecord:
    return ChainRecord(
        id=row["id"],
        target_setl_id=row["target_setl_id"],
        plan=decode(row["plan"]),
        progress=decode(row["progress"]),
        next_step=row["next_step"],
        status=ChainStatus(row["status"]),
        note=row["note"],
    )

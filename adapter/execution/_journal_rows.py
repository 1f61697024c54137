"""The journal's SQLite schema, its migrations, and the row conversions into typed records.

Every column holding structured data is decoded into the model the rest of the code uses
(``Card``, ``PlanBatch``, ``PlanVisit``, ``RemoteFields``, ``CallDetail``, ``RefundPlan`` …);
money is exact decimal text. A fresh journal is made by the same migrations that bring an
old one forward, so there is one way to reach each version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from .._codec import decode, encode
from .._lookup import Card
from ..planning import PlanBatch, PlanVisit, SelfPayBucket
from ..transactions._settlement import FundAmounts
from ._journal_seal import SEALED_PREFIX, Sealer
from ._records import (
    Amendment,
    BatchRecord,
    BatchState,
    CallDetail,
    CallRecord,
    CallStatus,
    ChainRecord,
    ChainStatus,
    LineSplit,
    NewBatchData,
    OutboxEntry,
    OutboxPayload,
    ReceiptHeader,
    RemoteFields,
    SettlementRecord,
    StepProgress,
)
from ._refund_models import RefundPlan

__all__ = [
    "AMENDABLE",
    "BATCHES",
    "MIGRATIONS",
    "OPEN",
    "PURGED",
    "SCHEMA_VERSION",
    "SQLITE_NEEDED",
    "DeferredWrite",
    "amended_values",
    "amendment_from_row",
    "batch_from_row",
    "call_from_row",
    "chain_from_row",
    "fee_split_json",
    "json_text",
    "merged_update",
    "missing_row",
    "model_json",
    "models_json",
    "outbox_from_row",
    "outbox_person",
    "outbox_values",
    "personal_columns",
    "plan_columns",
    "seal_clear_columns",
    "settlement_from_row",
]

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches (
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
CREATE INDEX batches_state ON batches (state);
-- settle looks up a visit's earlier batches every time: no scan of every batch ever journaled
CREATE INDEX batches_visit ON batches (visit_key);
CREATE TABLE calls (
    msgid TEXT PRIMARY KEY,
    batch_id INTEGER REFERENCES batches (id),
    infno TEXT NOT NULL,
    keys TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    sent_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX calls_batch ON calls (batch_id);
-- recover finds the calls still open (intent, unknown) among all calls ever made
CREATE INDEX calls_status ON calls (status);
CREATE TABLE settlements (
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
CREATE INDEX settlements_scope ON settlements (psn_no, insutype, year);
CREATE TABLE refund_chains (
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
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    visit_key TEXT NOT NULL,
    batch_number INTEGER NOT NULL,
    reason TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due TEXT NOT NULL,
    sent_at TEXT
)
"""

_V2 = """
-- an explicit order of calls and settlements (a server database has no rowid)
ALTER TABLE calls ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE calls SET seq = rowid;
CREATE UNIQUE INDEX calls_seq ON calls (seq);
ALTER TABLE settlements ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE settlements SET seq = rowid;
CREATE UNIQUE INDEX settlements_seq ON settlements (seq);
-- msgid issuance: the last id of the last block reserved, committed before any id of it is used
CREATE TABLE msgid_marks (
    prefix TEXT NOT NULL,
    node INTEGER NOT NULL,
    second TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    PRIMARY KEY (prefix, node)
)
"""

_V3 = """
-- every fund of a settlement (大病, 大额, 公务员, 救助, 企业补充, 其他, 门诊共济, 医院负担), as JSON
ALTER TABLE settlements ADD COLUMN funds TEXT NOT NULL DEFAULT '{}'
"""

_V4 = """
-- reconciliation (3201/3202): the 3201 key of a settlement, and the day of its refund's own setl_time
ALTER TABLE settlements ADD COLUMN clr_type TEXT NOT NULL DEFAULT '';
ALTER TABLE settlements ADD COLUMN clr_optins TEXT NOT NULL DEFAULT '';
ALTER TABLE settlements ADD COLUMN refund_time TEXT;
CREATE INDEX settlements_time ON settlements (setl_time);
CREATE INDEX settlements_refund_time ON settlements (refund_time);
CREATE INDEX batches_created ON batches (created_at);
-- what reconciliation changed in the ledger: before, after, and the platform's evidence
CREATE TABLE amendments (
    id INTEGER PRIMARY KEY,
    setl_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    evidence TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX amendments_settlement ON amendments (setl_id);
-- the platform's acknowledgement of an outbox upload (4205/4203 msgids and inf_refmsgid)
ALTER TABLE outbox ADD COLUMN ack TEXT NOT NULL DEFAULT '{}'
"""

_V5 = """
-- reconciliation: a ledger row the platform does not hold (rolled back after its answer), voided
ALTER TABLE settlements ADD COLUMN voided INTEGER NOT NULL DEFAULT 0
"""

_V6 = """
-- receipts printed later print what the platform answered: each line's 2204 split (项目等级, 自费,
-- 超限价, 先行自付, 政策范围内) per batch attempt, and the visit's self-pay lines for its bill summary
ALTER TABLE batches ADD COLUMN fee_split TEXT NOT NULL DEFAULT '[]';
ALTER TABLE batches ADD COLUMN self_pay TEXT NOT NULL DEFAULT '{}'
"""

_V7 = """
-- whom the outbox upload (4205) names: certificate type and number, name, sealed as a batch's person
ALTER TABLE outbox ADD COLUMN person TEXT NOT NULL DEFAULT '{}'
"""

_V8 = """
-- lookups on every settle that read every row ever journaled: the refund chains still in flight
-- (status), and a visit's outbox entries (visit_key)
CREATE INDEX refund_chains_status ON refund_chains (status);
CREATE INDEX outbox_visit ON outbox (visit_key)
"""

_V9 = """
-- a batch attempt's plan, visit, receipt header and self-pay lines (written once, when it starts, and
-- read back only to recover or print it) in a table of their own: with them, a batch row was larger
-- than a page, so every state change rewrote its overflow pages (and secure_delete zeroed the old ones)
-- in the same commit as the next intent. The batch row left is small: a state change is one page.
CREATE TABLE batch_plans (
    batch_id INTEGER PRIMARY KEY REFERENCES batches (id),
    plan_batch TEXT NOT NULL,
    visit TEXT NOT NULL,
    header TEXT NOT NULL,
    self_pay TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO batch_plans (batch_id, plan_batch, visit, header, self_pay)
    SELECT id, plan_batch, visit, header, self_pay FROM batches;
ALTER TABLE batches DROP COLUMN plan_batch;
ALTER TABLE batches DROP COLUMN visit;
ALTER TABLE batches DROP COLUMN header;
ALTER TABLE batches DROP COLUMN self_pay;
-- the state and status indexes hold only the rows in flight (what a settle or recover looks for): a
-- full index kept every batch and call ever journaled, so a state change or an outcome moved its entry
-- between two leaf pages once the history grew (a page more in the commit of each, twice per call).
-- The queries name the same states, as literals, so that SQLite proves they may use them.
DROP INDEX batches_state;
CREATE INDEX batches_unfinished ON batches (state) WHERE state IN ('new', 'registered', 'visit_uploaded',
    'details_uploaded', 'presettled', 'settling', 'unwinding', 'refunding');
DROP INDEX calls_status;
CREATE INDEX calls_open ON calls (status) WHERE status IN ('intent', 'unknown');
-- a settlement not refunded (nearly all of them) has no refund_time: no entry for it to write
DROP INDEX settlements_refund_time;
CREATE INDEX settlements_refund_time ON settlements (refund_time) WHERE refund_time IS NOT NULL;
-- a call's and a settlement's seq is its rowid (schema 2 set it so, and every insert since takes
-- max + 1, which SQLite gives the new row's rowid too): the new seq is read from the table's own b-tree
-- (max(rowid), its last entry), and a unique index of seq, a page more in every intent's and every
-- settlement's commit, keeps nothing the rowid does not
DROP INDEX calls_seq;
DROP INDEX settlements_seq
"""

_V10 = """
-- the batches in flight by a full index of state again, as before schema 9: the partial one's WHERE (eight
-- states) is evaluated by every insert and state change of a batch, by a list SQLite builds anew each
-- time, about 0.3 M instructions per batch (1 M per served P1 visit, bench/bench_instructions.py) for
-- a page it saves only in a long journal. calls_open stays: its WHERE is two comparisons.
DROP INDEX batches_unfinished;
CREATE INDEX batches_state ON batches (state)
"""

MIGRATIONS: dict[int, str] = {
    1: _V1,
    2: _V2,
    3: _V3,
    4: _V4,
    5: _V5,
    6: _V6,
    7: _V7,
    8: _V8,
    9: _V9,
    10: _V10,
}
"""Version → the statements that bring the journal from the version before to it."""

SQLITE_NEEDED: dict[int, tuple[tuple[int, int, int], str]] = {9: ((3, 35, 0), "ALTER TABLE DROP COLUMN")}
"""Version → the oldest SQLite library its migration runs on, and the statement that needs it."""

AMENDABLE = frozenset(
    {"setl_time", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay", "active", "refund_setl_id"}
    | {"refund_time", "clr_type", "clr_optins", "voided"}
)
"""The ledger fields reconciliation may change (``Journal.amend_settlement``), in both journals."""
SCHEMA_VERSION = max(MIGRATIONS)

BATCHES = (
    "SELECT batches.*, plan_batch, visit, header, self_pay"
    " FROM batches JOIN batch_plans ON batch_plans.batch_id = batches.id"
)
"""A batch's whole row, its plan included (both journals): what ``batch_from_row`` decodes; add a WHERE."""
OPEN = f"status IN ('{CallStatus.INTENT.value}', '{CallStatus.UNKNOWN.value}')"
"""The calls still open, as SQLite's partial index ``calls_open`` (schema 9) names them."""


def amended_values(
    current: SettlementRecord,
    changes: Mapping[str, Any],
    columns: Callable[[SettlementRecord], dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The changed columns of a ledger row before and after an amendment, in a journal's own encoding.

    Both journals amend the same way (reconciliation): only AMENDABLE fields, the row as it
    was and as it becomes, each encoded by the journal's ``columns`` function.
    """
    unknown = set(changes) - AMENDABLE
    if unknown:
        raise ValueError(f"cannot amend {sorted(unknown)}")
    was, becomes = columns(current), columns(replace(current, **changes))
    return {name: was[name] for name in changes}, {name: becomes[name] for name in changes}


@dataclass(frozen=True)
class DeferredWrite:
    """A one-statement write waiting in memory for a group's next transaction (both journals).

    Inside a group, an outcome or a state change need not be on disk before the next call, only
    before the next intent or settlement: kept in memory until then, it holds no transaction and
    no lock open, so a query (2206, 5201 …) needs no commit before it waits on the network.
    """

    statement: Any
    """SQL text (SQLite) or composed SQL (PostgreSQL)."""
    parameters: Any
    """Positional or named parameters."""
    row: tuple[str, object] | None
    """(table, key) of the row an update must find, or None when finding none is no error."""
    assignments: Mapping[str, object] | None = None
    """A batch update's columns, so that the next change of the same batch merges into it."""


_ROW_NAMES = {"batches": "batch", "calls": "call", "refund_chains": "refund chain"}


def missing_row(row: tuple[str, object]) -> KeyError:
    """The error of an update that found no row: ``no batch 99 in the journal``."""
    table, key = row
    return KeyError(f"no {_ROW_NAMES.get(table, table)} {key} in the journal")


def merged_update(
    pending: list[DeferredWrite], row: tuple[str, object], assignments: Mapping[str, object]
) -> dict[str, object]:
    """A batch update's columns, merged with the last waiting write if it updates the same batch.

    Two changes in a row with nothing between (details uploaded, presettled, then settling) are
    one UPDATE with the later values: the same row in the end, as the same commit would leave it.
    """
    last = pending[-1] if pending else None
    if last is None or last.row != row or last.assignments is None:
        return dict(assignments)
    pending.pop()
    return {**last.assignments, **assignments}


def json_text(value: Any) -> str:
    return encode(value).decode("utf-8")


def model_json(model: BaseModel | None) -> str:
    """A model as stored: JSON with exact decimals, defaults left out (``{}`` for ``None``).

    pydantic writes it in one pass (the text ``json_text(model.model_dump(mode="json"))`` gives:
    compact, Chinese unescaped, decimals as their own digits in strings), without building the
    dict first and walking it in Python.
    """
    if model is None:
        return "{}"
    return model.model_dump_json(exclude_defaults=True)


def models_json(models: Iterable[BaseModel], *, exclude_none: bool = False) -> str:
    """A JSON list of models, each as ``model_dump_json`` writes it."""
    return "[" + ",".join(model.model_dump_json(exclude_none=exclude_none) for model in models) + "]"


def fee_split_json(splits: Sequence[LineSplit]) -> str:
    """A batch's 2204 split as stored: a JSON list, exact decimals, absent amounts left out."""
    return models_json(splits, exclude_none=True)


def _self_pay(text: str) -> SelfPayBucket | None:
    fields = decode(text)
    return SelfPayBucket.model_validate(fields) if fields else None


def _context(visit_key: str, batch_number: int, attempt: int) -> str:
    """What a sealed value belongs to: it opens only in the row of this batch attempt."""
    return f"{visit_key}|{batch_number}|{attempt}"


def plan_columns(batch: NewBatchData) -> tuple[str, str, str, str]:
    """The ``batch_plans`` columns of a new batch: plan_batch, visit, header, self_pay (both journals)."""
    return (
        model_json(batch.plan_batch),
        model_json(batch.visit),
        model_json(batch.header),
        model_json(batch.self_pay),
    )


def personal_columns(batch: NewBatchData, sealer: Sealer) -> tuple[str, str]:
    """The ``card`` and ``person`` columns of a new batch, sealed (``{}`` for a local patient)."""
    context = _context(batch.visit_key, batch.batch_number, batch.attempt)
    card = {
        "mdtrt_cert_type": batch.card.mdtrt_cert_type,
        "mdtrt_cert_no": batch.card.mdtrt_cert_no,
        "card_sn": batch.card.card_sn,
    }
    remote = "{}" if batch.remote is None else sealer.seal(model_json(batch.remote), context=context)
    return sealer.seal(json_text(card), context=context), remote


PURGED = "purged"
"""What a personal column holds once ``purge`` erased it."""


def _card(text: str) -> Card | None:
    if text == PURGED:
        return None
    fields = decode(text)
    return Card(str(fields["mdtrt_cert_type"]), str(fields["mdtrt_cert_no"]), str(fields.get("card_sn", "")))


def _remote(text: str) -> RemoteFields | None:
    if text == PURGED:
        return None
    fields = decode(text)
    return RemoteFields.model_validate(fields) if fields else None


def seal_clear_columns(row: sqlite3.Row, sealer: Sealer) -> tuple[str, str]:
    """A stored row's ``card`` and ``person`` columns, sealed where they were kept in clear."""
    context = _context(row["visit_key"], row["batch_number"], row["attempt"])
    sealed = []
    for column in ("card", "person"):
        value = row[column]
        clear = value not in ("{}", PURGED) and not value.startswith(SEALED_PREFIX)
        sealed.append(sealer.seal(value, context=context) if clear else value)
    return sealed[0], sealed[1]


def batch_from_row(row: sqlite3.Row, sealer: Sealer) -> BatchRecord:
    context = _context(row["visit_key"], row["batch_number"], row["attempt"])
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
        card=_card(sealer.open(row["card"], context=context)),
        chrg_bchno=row["chrg_bchno"],
        mdtrt_id=row["mdtrt_id"],
        setl_id=row["setl_id"],
        plan_batch=PlanBatch.model_validate(decode(row["plan_batch"])),
        visit=PlanVisit.model_validate(decode(row["visit"])),
        remote=_remote(sealer.open(row["person"], context=context)),
        header=ReceiptHeader.model_validate(decode(row["header"])),
        acct_used_flag=row["acct_used_flag"],
        note=row["note"],
        unwind_to=BatchState(row["unwind_to"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        fee_split=tuple(LineSplit.model_validate(split) for split in decode(row["fee_split"])),
        self_pay=_self_pay(row["self_pay"]),
    )


def started_batch(batch_id: int, batch: NewBatchData, now: datetime) -> BatchRecord:
    """The record of a batch attempt just inserted, from what was written: what reading the row back
    would give (its other columns hold their defaults), without decoding and validating the plan,
    visit and header a second time."""
    return BatchRecord(
        id=batch_id,
        visit_key=batch.visit_key,
        ipt_otp_no=batch.ipt_otp_no,
        batch_number=batch.batch_number,
        attempt=batch.attempt,
        state=BatchState.NEW,
        med_type=batch.med_type,
        dise_codg=batch.dise_codg,
        psn_no=batch.psn_no,
        insutype=batch.insutype,
        insuplc_admdvs=batch.insuplc_admdvs,
        card=batch.card,
        chrg_bchno=batch.chrg_bchno,
        mdtrt_id=batch.mdtrt_id,
        setl_id="",
        plan_batch=batch.plan_batch,
        visit=batch.visit,
        remote=batch.remote,
        header=batch.header,
        acct_used_flag=batch.acct_used_flag,
        note="",
        unwind_to=BatchState.UNSETTLED,
        created_at=now,
        updated_at=now,
        self_pay=batch.self_pay,
    )


def call_from_row(row: sqlite3.Row) -> CallRecord:
    return CallRecord(
        seq=row["seq"],
        msgid=row["msgid"],
        batch_id=row["batch_id"],
        infno=row["infno"],
        keys={str(k): str(v) for k, v in decode(row["keys"]).items()},
        status=CallStatus(row["status"]),
        detail=CallDetail.model_validate(decode(row["detail"])),
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
        funds=FundAmounts.model_validate_json(row["funds"]),
        clr_type=row["clr_type"],
        clr_optins=row["clr_optins"],
        refund_time=datetime.fromisoformat(row["refund_time"]) if row["refund_time"] else None,
        voided=bool(row["voided"]),
    )


def amendment_from_row(row: sqlite3.Row) -> Amendment:
    return Amendment(
        id=row["id"],
        setl_id=row["setl_id"],
        reason=row["reason"],
        before=decode(row["before"]),
        after=decode(row["after"]),
        evidence=decode(row["evidence"]),
        at=datetime.fromisoformat(row["at"]),
    )


def outbox_person(visit_key: str, batch_number: int, identity: RemoteFields | None, sealer: Sealer) -> str:
    """An outbox entry's ``person`` column: the identity 4205 sends, sealed (``{}`` when there is none)."""
    if identity is None:
        return "{}"
    return sealer.seal(model_json(identity), context=_outbox_context(visit_key, batch_number))


def outbox_values(
    visit_key: str,
    batch_number: int,
    reason: str,
    payload: OutboxPayload,
    now: datetime,
    due: date,
    identity: RemoteFields | None,
    sealer: Sealer,
) -> tuple[str, int, str, str, str, str, str]:
    """A new outbox row (visit_key, batch_number, reason, payload, created_at, due, person), as both journals
    store it."""
    person = outbox_person(visit_key, batch_number, identity, sealer)
    return (visit_key, batch_number, reason, model_json(payload), now.isoformat(), due.isoformat(), person)


def _outbox_context(visit_key: str, batch_number: int) -> str:
    """What a sealed outbox identity belongs to: it opens only in the entry of this visit and batch."""
    return f"outbox|{visit_key}|{batch_number}"


def outbox_from_row(row: sqlite3.Row, sealer: Sealer) -> OutboxEntry:
    context = _outbox_context(row["visit_key"], row["batch_number"])
    return OutboxEntry(
        id=row["id"],
        visit_key=row["visit_key"],
        batch_number=row["batch_number"],
        reason=row["reason"],
        payload=OutboxPayload.model_validate(decode(row["payload"])),
        created_at=datetime.fromisoformat(row["created_at"]),
        due=date.fromisoformat(row["due"]),
        sent_at=datetime.fromisoformat(row["sent_at"]) if row["sent_at"] else None,
        ack=decode(row["ack"]),
        identity=_remote(sealer.open(row["person"], context=context)),
    )


def chain_from_row(row: sqlite3.Row) -> ChainRecord:
    return ChainRecord(
        id=row["id"],
        target_setl_id=row["target_setl_id"],
        plan=RefundPlan.model_validate(decode(row["plan"])),
        progress=tuple(StepProgress.model_validate(step) for step in decode(row["progress"])),
        next_step=row["next_step"],
        status=ChainStatus(row["status"]),
        note=row["note"],
    )

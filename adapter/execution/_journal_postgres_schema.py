"""The PostgreSQL journal's schema, its version, and the check made on every open.

The tables and columns are those of the SQLite journal (``_journal_rows``), so one set of
row decoders serves both. Differences, each for a reason:

* ``BIGINT GENERATED ALWAYS AS IDENTITY`` ids, and an explicit ``seq`` on calls and
  settlements: the order of a person's settlements and of a batch's calls is the order
  they were journaled, which SQLite gave by ``rowid`` and PostgreSQL gives by nothing.
* money is ``NUMERIC`` without a scale: exact, and it keeps the scale it was given
  (``114.00`` stays ``114.00``); a fixed scale would round silently.
* times stay ISO text, exactly as the clock or the platform gave them: the platform's
  ``setl_time`` is a naive China-local time that ``timestamptz`` would reinterpret.
* ``msgid_marks`` as in SQLite (schema 2 there): the shared msgid high-water mark per
  institution and node (``_journal_postgres``'s docstring).
* ``batch_plans`` as in SQLite (schema 9 there): a batch's write-once plan columns beside it.
  Schema 8 is the first migration an older adapter cannot work with: it drops those columns from
  ``batches``, so a desk still running a schema-7 adapter fails loudly at its next batch start or
  batch read once another desk has migrated (what it was doing is then ``recover``'s to finish).
  Upgrade every desk of a hospital together: stop them all, then start the new version.
* ``batches.owner``: which process (host:pid) started the batch, for an operator reading
  the journal; liveness is not judged from it (the person lock is).
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    owner TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (visit_key, batch_number, attempt)
);
CREATE INDEX IF NOT EXISTS batches_state ON batches (state);
CREATE INDEX IF NOT EXISTS batches_visit ON batches (visit_key);
CREATE TABLE IF NOT EXISTS calls (
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    msgid TEXT PRIMARY KEY,
    batch_id BIGINT REFERENCES batches (id),
    infno TEXT NOT NULL,
    keys TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    sent_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS calls_batch ON calls (batch_id);
CREATE INDEX IF NOT EXISTS calls_status ON calls (status);
CREATE TABLE IF NOT EXISTS settlements (
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    setl_id TEXT PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES batches (id),
    psn_no TEXT NOT NULL,
    insutype TEXT NOT NULL,
    year INTEGER NOT NULL,
    mdtrt_id TEXT NOT NULL,
    chrg_bchno TEXT NOT NULL,
    msgid TEXT NOT NULL,
    setl_time TEXT NOT NULL,
    medfee_sumamt NUMERIC NOT NULL,
    fund_pay_sumamt NUMERIC NOT NULL,
    acct_pay NUMERIC NOT NULL,
    psn_cash_pay NUMERIC NOT NULL,
    active BOOLEAN NOT NULL,
    refund_setl_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS settlements_scope ON settlements (psn_no, insutype, year);
CREATE TABLE IF NOT EXISTS refund_chains (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    visit_key TEXT NOT NULL,
    batch_number INTEGER NOT NULL,
    reason TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due TEXT NOT NULL,
    sent_at TEXT
);
CREATE TABLE IF NOT EXISTS msgid_marks (
    prefix TEXT NOT NULL,
    node INTEGER NOT NULL,
    second TEXT NOT NULL,
    sequence INTEGER NOT NULL CHECK (sequence BETWEEN 1 AND 9999),
    PRIMARY KEY (prefix, node)
)
"""

_V2 = """
-- every fund of a settlement (大病, 大额, 公务员, 救助, 企业补充, 其他, 门诊共济, 医院负担), as JSON
ALTER TABLE settlements ADD COLUMN IF NOT EXISTS funds TEXT NOT NULL DEFAULT '{}'
"""

_V3 = """
-- reconciliation (3201/3202), as SQLite's schema 4: the 3201 key of a settlement, the refund's own day,
-- reconciliation's changes to the ledger with their evidence, the outbox upload's acknowledgement
ALTER TABLE settlements ADD COLUMN IF NOT EXISTS clr_type TEXT NOT NULL DEFAULT '';
ALTER TABLE settlements ADD COLUMN IF NOT EXISTS clr_optins TEXT NOT NULL DEFAULT '';
ALTER TABLE settlements ADD COLUMN IF NOT EXISTS refund_time TEXT;
CREATE INDEX IF NOT EXISTS settlements_time ON settlements (setl_time);
CREATE INDEX IF NOT EXISTS settlements_refund_time ON settlements (refund_time);
CREATE INDEX IF NOT EXISTS batches_created ON batches (created_at);
CREATE TABLE IF NOT EXISTS amendments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    setl_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    evidence TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS amendments_settlement ON amendments (setl_id);
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS ack TEXT NOT NULL DEFAULT '{}'
"""

_V4 = """
-- reconciliation, as SQLite's schema 5: a ledger row the platform does not hold, voided with evidence
ALTER TABLE settlements ADD COLUMN IF NOT EXISTS voided BOOLEAN NOT NULL DEFAULT false
"""

_V5 = """
-- as SQLite's schema 6: each line's 2204 split per batch attempt, and the visit's self-pay lines,
-- so a receipt or bill summary printed later prints what the platform answered
ALTER TABLE batches ADD COLUMN IF NOT EXISTS fee_split TEXT NOT NULL DEFAULT '[]';
ALTER TABLE batches ADD COLUMN IF NOT EXISTS self_pay TEXT NOT NULL DEFAULT '{}'
"""

_V6 = """
-- as SQLite's schema 7: whom the outbox upload (4205) names, sealed as a batch's person
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS person TEXT NOT NULL DEFAULT '{}'
"""

_V7 = """
-- as SQLite's schema 8: the refund chains still in flight (status) and a visit's outbox entries
-- (visit_key) found by an index, not by reading every row ever journaled on every settle
CREATE INDEX IF NOT EXISTS refund_chains_status ON refund_chains (status);
CREATE INDEX IF NOT EXISTS outbox_visit ON outbox (visit_key)
"""

_V8 = """
-- as SQLite's schema 9: a batch attempt's write-once plan, visit, receipt header and self-pay lines in a
-- table of their own, so a state change writes a small row version (no TOAST pointers copied, no wide
-- tuple that fills a heap page with three versions) and the plan is not rewritten with it
CREATE TABLE IF NOT EXISTS batch_plans (
    batch_id BIGINT PRIMARY KEY REFERENCES batches (id),
    plan_batch TEXT NOT NULL,
    visit TEXT NOT NULL,
    header TEXT NOT NULL,
    self_pay TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO batch_plans (batch_id, plan_batch, visit, header, self_pay)
    SELECT id, plan_batch, visit, header, self_pay FROM batches ON CONFLICT (batch_id) DO NOTHING;
ALTER TABLE batches DROP COLUMN IF EXISTS plan_batch;
ALTER TABLE batches DROP COLUMN IF EXISTS visit;
ALTER TABLE batches DROP COLUMN IF EXISTS header;
ALTER TABLE batches DROP COLUMN IF EXISTS self_pay
"""

MIGRATIONS: dict[int, str] = {1: _V1, 2: _V2, 3: _V3, 4: _V4, 5: _V5, 6: _V6, 7: _V7, 8: _V8}
"""Version → the statements that bring the journal from the version before to it (a new journal too)."""
SCHEMA_VERSION = max(MIGRATIONS)

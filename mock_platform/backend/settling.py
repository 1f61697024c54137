"""Pre-settlement and settlement of one charge batch (2206 computes, 2207 commits; PROTOCOL.md §3.10, §3.11).

Checks, in order, each refused with its own message: the visit is this person's, at this hospital, still open,
with its med_type uploaded (2203) and equal to the request's, and the request's insutype; the batch was
uploaded and is not settled yet; the request's amounts equal the batch's uploaded totals (2206: medfee_sumamt;
2207 also fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt); then eligibility on the visit
day (`eligibility.settlement_problem`: insurance suspended, filing not valid, not designated, policy not
configured for this relation and med_type, disease not covered, hospital has not opened it, no 异地备案 where
required).

The benefits follow `benefits.compute` with the policy of the person's insured admdvs for the relation and
med_type, the hospital's deductible level, and the accumulators of (psn_no, insutype, year of the visit). The
disease of a med_type 14 batch is the batch's `dise_codg`, or the visit's when the batch carries none.

One computation for a 2206 and its 2207 (issue #18): the last settlement computed is kept with what it was
computed from, and a 2207 asking for the same batch the same way (person, visit, batch, med_type, insutype,
account flag) takes it while nothing it was computed from has changed: the same person and hospital records
(kept by `people` while the person's version is unchanged), the same reference data, no change to
`schema.SETTLEMENT_INPUT_TABLES` since (a visit, fee detail, settlement or accumulator: the store's connection
counts its own changes with TEMP triggers, by any code, and ``PRAGMA data_version`` tells a commit by any
other connection or process) and no rollback since. Everything 2206 checked then holds again; only the
amounts a 2207 declares (and medfee_sumamt) are checked anew, against the kept totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from mock_platform._money import ZERO
from mock_platform.backend import accumulators
from mock_platform.backend.benefits import BatchTotals, Benefit, BenefitRules, Used, compute, rules_for
from mock_platform.backend.eligibility import relation_of, settlement_problem
from mock_platform.backend.fees import FeeLine
from mock_platform.backend.funds import LayerUsed, layers_for
from mock_platform.backend.people import InsuranceRecord, PersonRecord
from mock_platform.backend.settlements import scope_of
from mock_platform.backend.visits import Visit
from mock_platform.config.platform import Hospital
from mock_platform.errors import RequestError

if TYPE_CHECKING:
    from mock_platform.backend import Backend

DECLARED = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")


@dataclass(frozen=True)
class SettlementQuery:
    """What 2206/2207 ask for (`declared` only for 2207: the four split totals the hospital computed)."""

    psn_no: str
    mdtrt_id: str
    chrg_bchno: str
    med_type: str
    insutype: str
    acct_used_flag: str
    medfee_sumamt: Decimal
    declared: dict[str, Decimal]


@dataclass(frozen=True)
class Computed:
    person: PersonRecord
    insurance: InsuranceRecord
    visit: Visit
    lines: list[FeeLine]
    disease: str
    benefit: Benefit


@dataclass(frozen=True)
class _Kept:
    """A computed settlement and everything it was computed from (see the module's docstring)."""

    key: tuple[str, str, str, str, str, str]
    state: tuple[int, int, int]  # (this connection's changes to the inputs, others' commits, rollbacks)
    reference: object
    hospital: Hospital
    person: PersonRecord
    totals: BatchTotals
    computed: Computed


class ComputedMemo:
    """The last settlement computed (one per backend; read and written inside a call's transaction)."""

    def __init__(self) -> None:
        self.last: _Kept | None = None


def compute_settlement(
    backend: Backend, hospital: Hospital, person: PersonRecord, query: SettlementQuery
) -> Computed:
    """Everything 2206 answers and 2207 commits; raises `RequestError` with the specific reason.

    `person` is the query's psn_no, which the handler has looked up (and checked against the envelope).
    A settlement computed before from the same inputs, unchanged since, is taken instead (module docstring).
    """
    store = backend.store
    with store.joined() as connection:
        state = (store.settlement_inputs, store.data_version(connection), store.rollbacks)
    key = (
        query.psn_no,
        query.mdtrt_id,
        query.chrg_bchno,
        query.med_type,
        query.insutype,
        query.acct_used_flag,
    )
    memo = backend.settlement_memo
    kept = memo.last
    if (
        kept is not None
        and kept.key == key
        and kept.state == state
        and kept.reference is backend.reference
        and kept.hospital is hospital
        and kept.person is person
    ):
        _check_declared(query, kept.totals)  # the one check that depends on more than the key
        return kept.computed
    memo.last = None
    computed, totals = _compute(backend, hospital, person, query)
    memo.last = _Kept(key, state, backend.reference, hospital, person, totals, computed)
    return computed


def _compute(
    backend: Backend, hospital: Hospital, person: PersonRecord, query: SettlementQuery
) -> tuple[Computed, BatchTotals]:
    visit = _visit(backend, hospital, query)
    insurance = person.insurance(visit.insutype)
    assert insurance is not None  # 2201 checked it
    lines = _batch(backend, visit, query.chrg_bchno)
    totals = BatchTotals.of([line.priced.split for line in lines])
    _check_declared(query, totals)
    disease = next((line.upload.dise_codg for line in lines if line.upload.dise_codg), visit.dise_codg or "")
    if visit.med_type == "14" and not disease:
        raise RequestError(f"收费批次号[{query.chrg_bchno}]未指定门诊慢特病病种编码")
    policy = backend.reference.policy(insurance.insuplc_admdvs)
    problem = settlement_problem(
        person=person,
        insurance=insurance,
        hospital=hospital,
        policy=policy,
        coverage=backend.reference.coverage,
        med_type=query.med_type,
        dise_codg=disease,
        day=visit.begntime.date(),
    )
    if problem is not None:
        raise RequestError(problem)
    assert policy is not None
    day = visit.begntime.date()
    scope = policy.scope_for(
        relation_of(hospital.admdvs, insurance.insuplc_admdvs), query.med_type, visit.insutype, day
    )
    assert scope is not None  # settlement_problem checked it
    rules = rules_for(
        scope,
        insutype=visit.insutype,
        dedc_hosp_lv=hospital.dedc_hosp_lv,
        disease=disease,
        psn_type=insurance.psn_type,
        layers=layers_for(scope, person, insurance, day),
    )
    benefit = compute(
        totals,
        rules,
        used=_used(backend, visit, rules),
        use_account=query.acct_used_flag == "1",
        balance=insurance.balc,
        mulaid_balance=insurance.mulaid_balc,
    )
    return Computed(person, insurance, visit, lines, disease, benefit), totals


def _visit(backend: Backend, hospital: Hospital, query: SettlementQuery) -> Visit:
    visit = backend.visits.require(query.mdtrt_id, query.psn_no)
    if visit.fixmedins_code != hospital.fixmedins_code:
        raise RequestError(f"就诊[{visit.mdtrt_id}]不属于本定点医药机构")
    if visit.med_type is None:
        raise RequestError(f"就诊[{visit.mdtrt_id}]未上传就诊信息，请先上传就诊信息(2203)")
    if visit.med_type != query.med_type:
        raise RequestError(
            f"交易输入[data.med_type]值[{query.med_type}]与就诊信息的医疗类别[{visit.med_type}]不一致"
        )
    if visit.insutype != query.insutype:
        raise RequestError(
            f"交易输入[data.insutype]值[{query.insutype}]与挂号时的险种类型[{visit.insutype}]不一致"
        )
    return visit


def _batch(backend: Backend, visit: Visit, chrg_bchno: str) -> list[FeeLine]:
    settled = backend.settlements.settled_batch(visit.mdtrt_id, chrg_bchno)
    if settled is not None:
        raise RequestError(f"收费批次号[{chrg_bchno}]已结算（结算ID[{settled.setl_id}]），不能重复结算")
    lines = backend.fees.batch(visit.mdtrt_id, chrg_bchno)
    if not lines:
        raise RequestError(f"收费批次号[{chrg_bchno}]未上传费用明细，请先上传费用明细(2204)")
    return lines


def _check_declared(query: SettlementQuery, totals: BatchTotals) -> None:
    """The hospital's amounts must be the batch's uploaded totals (PROTOCOL.md §3.11, STYLE.md §5)."""
    expected = {
        "medfee_sumamt": totals.medfee_sumamt,
        "fulamt_ownpay_amt": totals.fulamt_ownpay_amt,
        "overlmt_selfpay": totals.overlmt_selfpay,
        "preselfpay_amt": totals.preselfpay_amt,
        "inscp_scp_amt": totals.inscp_scp_amt,
    }
    for name, value in {"medfee_sumamt": query.medfee_sumamt, **query.declared}.items():
        if value != expected[name]:
            raise RequestError(
                f"交易输入[data.{name}]值[{value}]与已上传费用明细的汇总[{expected[name]}]不一致"
            )


def _used(backend: Backend, visit: Visit, rules: BenefitRules) -> Used:
    """The person's year before this settlement: deductible, cap, basic fund, each layer."""
    scope, _ = scope_of(visit)
    with backend.store.joined() as connection:
        year = accumulators.totals(connection, scope)

        def total(code: str) -> Decimal:
            return year.get(code, ZERO)

        if rules.per_visit:
            deductible = accumulators.visit_deductible(connection, visit.mdtrt_id, rules.deductible_code)
        else:
            deductible = total(rules.deductible_code)
        return Used(
            deductible=deductible,
            cap=total(rules.cap_code) if rules.cap_code is not None else ZERO,
            fund_year=total(accumulators.FUND_PAID) if rules.ceiling is not None else ZERO,
            layers={
                layer.field: LayerUsed(base=total(layer.base_code), paid=total(layer.paid_code))
                for layer in rules.layers
            },
        )

"""Execution tests' world: the mock platform in-process, an adapter wired to it, and bills to settle."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapter import CHINA_TZ, Adapter, PlatformClient, fixed_clock, load_settings
from adapter._embedded import demo_settings_path
from adapter._paths import config_dir
from adapter.execution import Checkpoint, ExecutionPolicy, Journal, SqliteJournal, no_checkpoint
from adapter.planning import PlanningTables
from adapter.transactions import t1101, t5201, t5206
from mappings import shipped
from mappings.items import ItemCatalogue, load_item_disease_scope, load_item_map
from mappings.payment_scope import load_payment_scope
from mock_platform import MockPlatform
from mock_platform.config import MockConfig, load_config
from tests.mock_platform.seeds import CONSUMABLE, EXAMPLE2_CATALOGUE

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=CHINA_TZ)
DATA = Path(shipped.__file__).parent / "data"
_CONFIG: list[MockConfig] = []


def mock_config() -> MockConfig:
    if not _CONFIG:
        _CONFIG.append(load_config(config_dir()))
    return _CONFIG[0]


def example_tables(tmp_path: Path) -> PlanningTables:
    """The shipped tables plus DOMAIN.md Example 2's capped 乙类 consumable (C099), as the mock is seeded."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    item_map = tmp_path / "item_map.csv"
    shutil.copy(DATA / "item_map_demo.csv", item_map)
    with item_map.open("a", encoding="utf-8") as handle:
        handle.write(f"C099,{CONSUMABLE},一次性使用胰岛素泵管路,301,08,test: DOMAIN.md Example 2 L3\n")
    scope = tmp_path / "payment_scope_420000.csv"
    shutil.copy(DATA / "payment_scope_420000.csv", scope)
    with scope.open("a", encoding="utf-8") as handle:
        handle.write(
            f"420000,{CONSUMABLE},一次性使用胰岛素泵管路,02,0.0500,50.000000,0,2020-01-01,,test: Example 2\n"
        )
    diseases = tmp_path / "item_disease_scope.csv"
    shutil.copy(DATA / "item_disease_scope.csv", diseases)
    with diseases.open("a", encoding="utf-8") as handle:
        handle.write(f"{CONSUMABLE},一次性使用胰岛素泵管路,M01600,DEMO,test: Example 2 L3\n")
    scopes = dict(shipped.payment_scopes())
    hubei = load_payment_scope(scope)
    scopes[hubei.province] = hubei
    items = ItemCatalogue(
        load_item_map(item_map), scopes, load_item_disease_scope(diseases, diseases=shipped.diseases())
    )
    return PlanningTables(
        items=items,
        diagnosis_rules=shipped.diagnosis_rules(),
        local_diagnoses=shipped.local_diagnoses(),
        regions=shipped.region_catalogue(),
    )


@dataclass
class World:
    mock: MockPlatform
    client: PlatformClient
    adapter: Adapter
    journal: Journal

    def query(self, transaction: Any, payload: Any, insuplc: str) -> Any:
        return self.client.call(transaction, payload, insuplc_admdvs=insuplc).output

    def balance(self, certno: str) -> Decimal:
        query = t1101.PersonQuery(mdtrt_cert_type="02", mdtrt_cert_no=certno)
        return self.client.call(t1101.TRANSACTION, t1101.Input(data=query)).output.insuinfo[0].balc

    def accumulators(self, psn_no: str, insuplc: str, month: str = "202611") -> dict[str, Decimal]:
        payload = t5206.Input(data=t5206.CumulativeQuery(psn_no=psn_no, cum_ym=month))
        rows = self.query(t5206.TRANSACTION, payload, insuplc).cuminfo
        return {row.cum_type_code: row.cum for row in rows}

    def visits(self, psn_no: str, insuplc: str, med_type: str = "14") -> list[str]:
        query = t5201.VisitQuery(
            psn_no=psn_no,
            begntime=datetime(2026, 1, 1),
            endtime=datetime(2026, 12, 31, 23, 59, 59),
            med_type=med_type,
        )
        return [v.mdtrt_id for v in self.query(t5201.TRANSACTION, t5201.Input(data=query), insuplc).mdtrtinfo]


@contextmanager
def world(
    *,
    settings: Path | None = None,
    tables: PlanningTables | None = None,
    journal: Journal | None = None,
    policy: ExecutionPolicy | None = None,
    checkpoint: Checkpoint = no_checkpoint,
    seed: dict[str, Any] | None = None,
    mock: MockPlatform | None = None,
) -> Iterator[World]:
    clock = fixed_clock(NOW)
    own_mock = mock is None
    platform = mock or MockPlatform(clock=clock, config=mock_config(), sleep=lambda _s: None)
    try:
        if seed:
            platform.seed(seed)
        with PlatformClient(
            load_settings(settings or demo_settings_path()),
            transport=platform.transport(),
            clock=clock,
            sleep=lambda _s: None,
        ) as client:
            journal = journal or SqliteJournal(":memory:")
            adapter = Adapter(
                client, clock=clock, tables=tables, journal=journal, policy=policy, checkpoint=checkpoint
            )
            yield World(platform, client, adapter, journal)
    finally:
        if own_mock:
            platform.close()


def bill(
    ipt_otp_no: str,
    items: Sequence[tuple[str, ...]],
    *,
    card: tuple[str, str] = ("02", "640104196203152010"),
    diagnoses: tuple[tuple[str, str], ...] = (("E11.900", "2型糖尿病"),),
    when: str = "2026-11-22 09:30:00",
    acct_used_flag: str = "0",
    diag: str = "E11.900",
) -> dict[str, Any]:
    """A visit document: items as (hospital code, price, quantity[, hosp_appr_flag])."""
    return {
        "patient": {"mdtrt_cert_type": card[0], "mdtrt_cert_no": card[1]},
        "visit": {
            "ipt_otp_no": ipt_otp_no,
            "begntime": when,
            "dept_code": "A03",
            "dept_name": "内科",
            "caty": "A03",
            "atddr_no": "D001",
            "dr_name": "医生甲",
        },
        "diagnoses": [{"diag_code": code, "diag_name": name} for code, name in diagnoses],
        "items": [
            {
                "feedetl_sn": str(number),
                "medins_list_codg": item[0],
                "pric": item[1],
                "cnt": item[2],
                "fee_ocur_time": when,
                "diag_code": diag,
                "hosp_appr_flag": item[3] if len(item) > 3 else "0",
            }
            for number, item in enumerate(items, start=1)
        ],
        "acct_used_flag": acct_used_flag,
    }


# DOMAIN.md Example 2's five lines (see tests/mock_platform/seeds.py for the split by hand). L4, the
# 丙类 line, uses C001 (丙, in the diabetes scope) so that the whole bill is one M01600 batch:
#   670.00 = 130.00 self-pay + 20.00 over-limit + 35.00 先行自付 + 485.00 in scope.
EXAMPLE2_ITEMS: list[tuple[str, ...]] = [
    ("Y001", "0.40", "300"),
    ("Y002", "300.00", "1"),
    ("C099", "60.00", "2"),
    ("C001", "80.00", "1"),
    ("Y004", "50.00", "1", "0"),
]
EXAMPLE2_SEED = EXAMPLE2_CATALOGUE

CrashAt = Callable[[str], None]

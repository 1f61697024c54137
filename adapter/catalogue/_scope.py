"""Planning with the synced catalogue: the province of care's payment scope, by date in force.

The synced catalogue replaces the shipped ``payment_scope_<province>.csv`` for the hospital's province (other
provinces keep theirs). Every period of an item's timeline (``_terms``) becomes one payment-scope row, so a
bill is classed with the terms in force on its fee day: a plan for a day before a class change uses the old
class. Only the codes the hospital's 目录对照 maps are loaded — planning never looks up any other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

from mappings.codes import Admdvs, NationalItemCode
from mappings.payment_scope import PaymentScopeCatalogue, ScopeEntry

from .._errors import ConfigurationError
from .._masking import redact_url_credentials
from ..planning import PlanningTables
from ._store import CatalogueStore
from ._terms import timelines

__all__ = ["SyncedTables", "planning_tables", "require_owner", "synced_scope"]


def synced_scope(store: CatalogueStore, *, codes: set[str]) -> PaymentScopeCatalogue | None:
    """The payment scope of the store's province as of its last finished sync; None before any sync."""
    finished = store.finished_syncs()
    owner = store.owner()
    if not finished or owner is None:
        return None
    sync_no = finished[-1]
    province = Admdvs(owner.province)
    lines = timelines(store.snapshot(sync_no, codes=codes), province=owner.province)
    entries = {
        NationalItemCode(code): tuple(
            ScopeEntry(
                insu_admdvs=province,
                national_code=NationalItemCode(code),
                name=segment.terms.hilist_name,
                chrgitm_lv=segment.terms.chrgitm_lv,
                selfpay_prop=segment.terms.selfpay_prop,
                pric_uplmt_amt=segment.terms.pric_uplmt_amt,
                lmt_used_flag=segment.terms.lmt_used_flag,
                begndate=segment.begndate,
                enddate=segment.enddate,
                provenance=f"synced catalogue sync {sync_no}, 1312 rid {segment.rid}",
            )
            for segment in segments
        )
        for code, segments in lines.items()
    }
    comment = f"synced from the platform (1312/1319/1320), sync {sync_no}"
    return PaymentScopeCatalogue(province, store.path, (comment,), MappingProxyType(entries))


def require_owner(store: CatalogueStore, *, platform: str, fixmedins_code: str) -> None:
    """Refuse a store synced for another platform or hospital (a wrong --catalogue): not our classes."""
    owner = store.owner()
    if owner is not None and (owner.platform, owner.fixmedins_code) != (platform, fixmedins_code):
        raise ConfigurationError(  # a platform (its endpoint) is shown without its credentials
            f"catalogue store {store.path} belongs to {redact_url_credentials(owner.platform)} /"
            f" {owner.fixmedins_code}, not {redact_url_credentials(platform)} / {fixmedins_code}"
        )


def planning_tables(store: CatalogueStore, fixmedins_code: str) -> PlanningTables:
    """The shipped tables of a hospital, with the synced payment scope of its province when there is one."""
    tables = PlanningTables.shipped(fixmedins_code)
    codes = {str(row.national_code) for row in tables.items.item_map.entries.values() if row.national_code}
    scope = synced_scope(store, codes=codes)
    return tables if scope is None else tables.with_scopes({scope.province: scope})


class SyncedTables:
    """Planning tables that follow a catalogue store: a sync finished after start is planned with, no restart.

    A long-running process (``opsp serve``) is given this instead of fixed tables. :meth:`current` looks at
    the store at most once every ``check_every`` seconds (one short read of its finished syncs) and rebuilds
    the tables only when a newer sync has finished: a request pays nothing while the catalogue is unchanged.
    A sync still running is never used (only finished syncs count), and a plan already being made keeps the
    tables it started with. Before the store's first finished sync (or while its file does not exist) the
    shipped tables are used, as everywhere else.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        platform: str,
        fixmedins_code: str,
        check_every: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._path = Path(path)
        self._platform = platform
        self._fixmedins_code = fixmedins_code
        self._check_every = check_every
        self._clock = clock
        self._lock = threading.Lock()
        self._checked: float | None = None
        self._sync_no: int | None = None
        self._tables: PlanningTables | None = None

    @property
    def sync_no(self) -> int | None:
        """The finished sync the current tables come from; None while they are the shipped ones."""
        return self._sync_no

    def current(self) -> PlanningTables | None:
        """The tables to plan with now: the newest finished sync's, or None (the shipped tables)."""
        with self._lock:
            now = self._clock()
            if self._checked is None or now - self._checked >= self._check_every:
                self._checked = now
                self._refresh()
            return self._tables

    __call__ = current  # an Adapter takes fixed tables, or a function returning the tables to use now

    def _refresh(self) -> None:
        if not CatalogueStore.exists(self._path):
            return
        with CatalogueStore(self._path) as store:
            require_owner(store, platform=self._platform, fixmedins_code=self._fixmedins_code)
            finished = store.finished_syncs()
            newest = finished[-1] if finished else None
            if newest is not None and newest != self._sync_no:
                self._tables = planning_tables(store, self._fixmedins_code)
                self._sync_no = newest

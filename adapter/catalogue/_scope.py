"""Planning with the synced catalogue: the province of care's payment scope, by date in force.

The synced catalogue replaces the shipped ``payment_scope_<province>.csv`` for the hospital's province (other
provinces keep theirs). Every period of an item's timeline (``_terms``) becomes one payment-scope row, so a
bill is classed with the terms in force on its fee day: a plan for a day before a class change uses the old
class. Only the codes the hospital's 目录对照 maps are loaded — planning never looks up any other.
"""

from __future__ import annotations

from types import MappingProxyType

from mappings.codes import Admdvs, NationalItemCode
from mappings.payment_scope import PaymentScopeCatalogue, ScopeEntry

from ..planning import PlanningTables
from ._store import CatalogueStore
from ._terms import timelines

__all__ = ["planning_tables", "synced_scope"]


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


def planning_tables(store: CatalogueStore, fixmedins_code: str) -> PlanningTables:
    """The shipped tables of a hospital, with the synced payment scope of its province when there is one."""
    tables = PlanningTables.shipped(fixmedins_code)
    codes = {str(row.national_code) for row in tables.items.item_map.entries.values() if row.national_code}
    scope = synced_scope(store, codes=codes)
    return tables if scope is None else tables.with_scopes({scope.province: scope})

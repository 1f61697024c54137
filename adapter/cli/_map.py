"""The ``opsp map`` command: diagnosis and item mappings, for people (default) and machines (``--json``).

* ``opsp map diagnosis CODE [CODE ...] [--region ADMDVS] [--json]``: one code gives its candidates and
  the combinations it could take part in; several codes are treated as one visit (combinations and
  precedence applied). ``--region`` adds, per candidate disease, the insured region's benefits that
  cover it, with their relations and insutypes, and the local benefits without a national code that
  the diagnosis hints at.
* ``opsp map item HOSPITAL_CODE [--province ADMDVS] [--hospital FIXMEDINS_CODE] [--item-map CSV]
  [--on YYYY-MM-DD] [--json]``: the 目录对照 row, the payment scope in each province of care (default:
  every province with a catalogue), and the diseases the item treats.

Exit codes: 0 done (a diagnosis with no candidate is ordinary outpatient, not an error); 2 an unknown or
malformed code (message on stderr); 1 a malformed data file given with ``--item-map``. This module only
imports ``mappings`` and the standard library; ``adapter.cli`` calls :func:`register`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from mappings import DataFileError, MappingError, shipped
from mappings.diagnosis import Candidate, DiagnosisLookup, VisitDiagnoses
from mappings.items import ItemLookup, ItemMap, load_item_map
from mappings.regions import RegionBenefit, Relation
from mappings.shipped import DEMO_HOSPITAL

__all__ = ["register"]

_LEVELS = {"01": "甲", "02": "乙", "03": "丙"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``map`` with its ``diagnosis`` and ``item`` subcommands."""
    parser = subparsers.add_parser("map", help="map diagnoses and hospital items to national codes")
    commands = parser.add_subparsers(dest="map_command", required=True, metavar="{diagnosis,item}")
    diagnosis = commands.add_parser("diagnosis", help="ICD-10 code(s) -> 门诊慢特病 candidates")
    diagnosis.add_argument("codes", nargs="+", metavar="CODE", help="ICD-10 code; several = one visit")
    diagnosis.add_argument("--region", metavar="ADMDVS", help="insured place: show its covering benefits")
    diagnosis.add_argument("--json", action="store_true", help="machine-readable output")
    diagnosis.set_defaults(func=_guarded(_run_diagnosis))
    item = commands.add_parser("item", help="hospital item -> national code, payment scope, diseases")
    item.add_argument("hospital_code", metavar="HOSPITAL_CODE")
    item.add_argument("--province", metavar="ADMDVS", help="province of care (default: every catalogue)")
    item.add_argument("--hospital", default=DEMO_HOSPITAL, metavar="FIXMEDINS_CODE", help="whose 目录对照")
    item.add_argument("--item-map", type=Path, metavar="CSV", help="a 目录对照 CSV to use instead")
    item.add_argument("--on", type=date.fromisoformat, metavar="YYYY-MM-DD", help="day (default: today)")
    item.add_argument("--json", action="store_true", help="machine-readable output")
    item.set_defaults(func=_guarded(_run_item))


def _guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the mapping errors into a one-line message on stderr and an exit code."""

    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except MappingError as exc:
            print(f"opsp map: {exc}", file=sys.stderr)
            return 2
        except DataFileError as exc:
            print(f"opsp map: {exc}", file=sys.stderr)
            return 1

    return guarded


# --- diagnosis -----------------------------------------------------------------------------------


def _run_diagnosis(args: argparse.Namespace) -> int:
    result: DiagnosisLookup | VisitDiagnoses
    if len(args.codes) == 1:
        result = shipped.lookup_diagnosis(args.codes[0])
    else:
        result = shipped.lookup_visit(args.codes)
    region = _region_report(args.region, result) if args.region else None
    if args.json:
        payload = _plain(result)
        if region is not None:
            payload["region"] = region
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        print("\n".join(_diagnosis_lines(result, region)))
    return 0


def _diagnosis_lines(result: DiagnosisLookup | VisitDiagnoses, region: dict[str, Any] | None) -> list[str]:
    if isinstance(result, DiagnosisLookup):
        lines = [f"{result.code}"]
    else:
        lines = [f"visit: {', '.join(result.codes)}"]
    lines += [line for candidate in result.candidates for line in _candidate_lines(candidate)]
    if not result.candidates:
        lines.append("  no 门诊慢特病 candidate: ordinary outpatient (普通门诊)")
    if isinstance(result, DiagnosisLookup) and result.conditional:
        lines.append("  with another diagnosis of the visit:")
        lines += [
            f"    {c.opsp_dise_code} {c.opsp_dise_name}  needs {c.needs}  [{c.rule_id}]"
            for c in result.conditional
        ]
    if isinstance(result, VisitDiagnoses) and result.superseded:
        lines.append("  superseded by a combination:")
        lines += [f"    {c.opsp_dise_code} {c.opsp_dise_name}  [{c.rule_id}]" for c in result.superseded]
    if region is not None:
        lines += _region_lines(region)
    return lines


def _candidate_lines(candidate: Candidate) -> list[str]:
    return [
        f"  {candidate.opsp_dise_code} {candidate.opsp_dise_name}  [{candidate.rule_id}, precedence "
        f"{candidate.precedence}] {candidate.rule}  from {', '.join(candidate.diagnoses)}",
        f"      {candidate.description}",
        f"      {candidate.evidence}: {candidate.provenance}",
    ]


def _region_report(admdvs: str, result: DiagnosisLookup | VisitDiagnoses) -> dict[str, Any]:
    catalogue = shipped.region_catalogue()
    codes = (result.code,) if isinstance(result, DiagnosisLookup) else result.codes
    hinted = {b.benefit_code: b for code in codes for b in catalogue.covering_diagnosis(admdvs, code)}
    return {
        "admdvs": admdvs,
        "name": shipped.region_names().get(admdvs),
        "catalogue": catalogue.defining_admdvs(admdvs),
        "diseases": {
            code: [_benefit_dict(b) for b in catalogue.covering(admdvs, code)] for code in result.opsp_codes
        },
        "local_benefits": [_benefit_dict(b) for b in hinted.values()],
    }


def _benefit_dict(benefit: RegionBenefit) -> dict[str, Any]:
    return {
        "benefit_code": benefit.benefit_code,
        "benefit_name": benefit.benefit_name,
        "kind": benefit.kind.value,
        "relations": [relation.value for relation in Relation if relation in benefit.relations],
        "insutypes": sorted(benefit.insutypes),
        "national_codes": list(benefit.national_codes),
        "has_national_code": benefit.has_national_code,
    }


def _region_lines(region: dict[str, Any]) -> list[str]:
    lines = [f"  insured region {region['admdvs']} {region['name'] or '(name unknown)'}:"]
    if region["catalogue"] is None:
        return [*lines, "    no catalogue configured for this region"]
    for code, benefits in region["diseases"].items():
        lines.append(f"    {code}: " + ("; ".join(map(_benefit_text, benefits)) or "not covered"))
    for benefit in region["local_benefits"]:
        lines.append(f"    local {_benefit_text(benefit)}")
    return lines


def _benefit_text(benefit: dict[str, Any]) -> str:
    text = (
        f"{benefit['benefit_code']} {benefit['benefit_name']} ({', '.join(benefit['relations'])}; "
        f"insutype {', '.join(benefit['insutypes'])})"
    )
    if not benefit["has_national_code"]:
        text += " - no national code: not settleable out of region"
    return text


# --- item ----------------------------------------------------------------------------------------


def _run_item(args: argparse.Namespace) -> int:
    item_map = load_item_map(args.item_map) if args.item_map else shipped.item_map(args.hospital)
    day: date = args.on or date.today()
    provinces = [args.province] if args.province else sorted(shipped.payment_scopes())
    lookups = [_item_lookup(args.hospital_code, province, day, item_map) for province in provinces]
    if args.json:
        print(json.dumps(_item_payload(args, item_map, lookups), ensure_ascii=False, indent=2, default=str))
    else:
        owner = "" if args.item_map else f" of {args.hospital}"
        print("\n".join(_item_lines(f"目录对照 {item_map.source.name}{owner}", lookups)))
    return 0


def _item_lookup(code: str, province: str, day: date, item_map: ItemMap) -> ItemLookup:
    items = shipped.item_catalogue(item_map=item_map)
    return shipped.lookup_item(code, province=province, on=day, items=items)


def _item_payload(
    args: argparse.Namespace, item_map: ItemMap, lookups: Sequence[ItemLookup]
) -> dict[str, Any]:
    first = lookups[0]
    return {
        "hospital": None if args.item_map else args.hospital,
        "item_map": item_map.source.name,
        "mapping": _plain(first.mapping),
        "mapped": first.mapping.mapped,
        "diseases": sorted(first.diseases),
        "on": first.on.isoformat(),
        "scopes": [
            {"province": lookup.province, "status": lookup.status, "scope": _plain(lookup.scope)}
            for lookup in lookups
        ],
    }


def _item_lines(source: str, lookups: Sequence[ItemLookup]) -> list[str]:
    first = lookups[0]
    mapping = first.mapping
    lines = [f"{mapping.hospital_code} {mapping.name}  ({source})"]
    if mapping.national_code is None:
        lines.append("  not mapped to a national code (未贯标): settled as self-pay, not uploaded")
        return lines
    lines.append(
        f"  national code {mapping.national_code}  list_type {mapping.list_type}  "
        f"med_chrgitm_type {mapping.med_chrgitm_type}"
    )
    catalogue, names = shipped.diseases(), shipped.region_names()
    treated = [f"{code} {catalogue.get(code).name}" for code in sorted(first.diseases)]
    lines.append(f"  treats: {', '.join(treated) or 'no chronic disease (ordinary outpatient item)'}")
    lines.append(f"  payment scope on {first.on.isoformat()}:")
    lines += [f"    {p.province} {names.get(p.province) or ''}: {_scope_text(p)}" for p in lookups]
    return lines


def _scope_text(lookup: ItemLookup) -> str:
    scope = lookup.scope
    if scope is None:
        return "not in the catalogue that day (自费)"
    cap = "no price cap" if scope.pric_uplmt_amt is None else f"price cap {scope.pric_uplmt_amt}"
    selfpay = "" if scope.selfpay_prop is None else f" selfpay_prop {scope.selfpay_prop},"
    until = scope.enddate.isoformat() if scope.enddate else "open"
    return (
        f"{_LEVELS[scope.chrgitm_lv]} ({scope.chrgitm_lv}),{selfpay} {cap}, lmt_used_flag "
        f"{scope.lmt_used_flag}, valid {scope.begndate.isoformat()} to {until}"
    )


def _plain(value: Any) -> Any:
    """A dataclass as JSON-ready data (Decimals and dates become strings via ``default=str``)."""
    if value is None:
        return None
    return {
        key: sorted(item) if isinstance(item, frozenset) else item
        for key, item in dataclasses.asdict(value).items()
    }

"""The ``opsp map`` command: diagnosis and item mappings, for people (default) and machines (``--json``).

* ``opsp map diagnosis CODE [CODE ...] [--region ADMDVS] [--json]``: one code gives its candidates and
  the combinations it could take part in; several codes are treated as one visit (combinations and
  precedence applied). ``--region`` adds, per candidate disease, the insured region's benefits that
  cover it, with their relations and insutypes, and the local benefits without a national code that
  the diagnosis hints at.
* ``opsp map item HOSPITAL_CODE [--province ADMDVS] [--hospital FIXMEDINS_CODE] [--item-map CSV]
  [--on YYYY-MM-DD] [--json]``: the 目录对照 row, the payment scope in each province of care (default:
  every province with a catalogue), and the diseases the item treats.

Text is for a 医保办 clerk: Chinese labels, no internal notes (rule provenance and evidence are in
``--json``). JSON is written as every command writes it (exact decimals, yyyy-MM-dd dates).

Exit codes: 0 done (a diagnosis with no candidate is ordinary outpatient, not an error); 2 an unknown or
malformed code (message on stderr, or a JSON error object); 1 a malformed data file given with
``--item-map``. ``adapter.cli`` calls :func:`register`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from adapter._codec import encode
from mappings import DataFileError, MappingError, shipped
from mappings.diagnosis import Candidate, DiagnosisLookup, VisitDiagnoses
from mappings.errors import MalformedCodeError, UnknownCodeError
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
    """Turn the mapping errors into a Chinese message (or a JSON error object) and an exit code."""

    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except MappingError as exc:
            return _fail(args, "unknown_code", _code_problem(exc), 2, str(exc))
        except DataFileError as exc:
            return _fail(args, "data_file", f"数据文件有误：{exc}", 1, str(exc))

    return guarded


def _code_problem(exc: MappingError) -> str:
    if isinstance(exc, UnknownCodeError):
        return f"编码 {exc.code} 不在{_table_name(exc.table)} 中：请核对编码，或请医保办补充对照"
    if isinstance(exc, MalformedCodeError):
        return f"{exc.code!r} 不是有效的{_SYSTEMS.get(exc.system, exc.system)}编码：请核对编码的写法"
    return "编码无法对照：请核对编码"


def _table_name(table: str) -> str:
    return table.replace("payment-scope catalogues (province of care)", "就医地支付范围目录")


def _fail(args: argparse.Namespace, code: str, message: str, exit_code: int, detail: str) -> int:
    if args.json:
        error = {"code": code, "message": message, "exit_code": exit_code, "detail": detail}
        print_json({"error": {**error, "problems": [], "field": "code"}})
    else:
        print(f"opsp：{message}", file=sys.stderr)
    return exit_code


_SYSTEMS = {
    "ICD-10": " ICD-10 ",
    "hospital item": "医院项目",
    "opsp_dise_code": "门诊慢特病病种",
    "admdvs": "行政区划",
}
_RELATIONS = {"local": "本地就医", "in_province": "省内异地就医", "cross_province": "跨省异地就医"}
_INSUTYPES = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险", "320": "公务员医疗补助"}
_LIST_TYPES = {"101": "西药", "102": "中成药", "103": "中药饮片", "201": "医疗服务项目", "301": "医用耗材"}
_CHRGITM_TYPES = {
    "01": "床位费",
    "02": "诊察费",
    "03": "检查费",
    "04": "化验费",
    "05": "治疗费",
    "06": "手术费",
    "07": "护理费",
    "08": "卫生材料费",
    "09": "西药费",
    "10": "中药饮片费",
    "11": "中成药费",
    "12": "一般诊疗费",
    "13": "挂号费",
    "14": "其他费",
}


def _named(code: str, names: dict[str, str]) -> str:
    return f"{code} {names[code]}" if code in names else code


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
        print_json(payload)
    else:
        print("\n".join(_diagnosis_lines(result, region)))
    return 0


def _diagnosis_lines(result: DiagnosisLookup | VisitDiagnoses, region: dict[str, Any] | None) -> list[str]:
    if isinstance(result, DiagnosisLookup):
        lines = [f"诊断 {result.code} 可对应的门诊慢特病："]
    else:
        lines = [f"诊断组合 {'、'.join(result.codes)} 可对应的门诊慢特病："]
    lines += [_candidate_line(candidate) for candidate in result.candidates]
    if not result.candidates:
        lines.append("  无：按普通门诊结算")
    if isinstance(result, DiagnosisLookup) and result.conditional:
        lines.append("  与本次就诊的其他诊断同时出现时：")
        lines += [
            f"    {c.opsp_dise_code} {c.opsp_dise_name}（还需要诊断 {c.needs}）" for c in result.conditional
        ]
    if isinstance(result, VisitDiagnoses) and result.superseded:
        lines.append("  因诊断组合而不再单独适用：")
        lines += [f"    {c.opsp_dise_code} {c.opsp_dise_name}" for c in result.superseded]
    if region is not None:
        lines += _region_lines(region)
    return lines


def _candidate_line(candidate: Candidate) -> str:
    basis = candidate.rule.split("->")[0].strip()
    return (
        f"  {candidate.opsp_dise_code} {candidate.opsp_dise_name}（依据 ICD-10 {basis}；"
        f"由诊断 {'、'.join(candidate.diagnoses)}；优先级 {candidate.precedence}）"
    )


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
    lines = [f"参保地 {region['admdvs']} {region['name'] or '（名称未知）'}："]
    if region["catalogue"] is None:
        return [*lines, "  未配置该地区的门诊慢特病目录"]
    for code, benefits in region["diseases"].items():
        lines.append(f"  {code}：" + ("；".join(map(_benefit_text, benefits)) or "该参保地不保障"))
    for benefit in region["local_benefits"]:
        lines.append(f"  地方病种 {_benefit_text(benefit)}")
    return lines


def _benefit_text(benefit: dict[str, Any]) -> str:
    relations = "、".join(_RELATIONS.get(r, r) for r in benefit["relations"])
    insutypes = "、".join(_named(t, _INSUTYPES) for t in benefit["insutypes"])
    text = f"{benefit['benefit_code']} {benefit['benefit_name']}（{relations}可结算；险种 {insutypes}）"
    if not benefit["has_national_code"]:
        text += "，无国家病种编码：异地不能直接结算"
    return text


# --- item ----------------------------------------------------------------------------------------


def _run_item(args: argparse.Namespace) -> int:
    item_map = load_item_map(args.item_map) if args.item_map else shipped.item_map(args.hospital)
    day: date = args.on or date.today()
    provinces = [args.province] if args.province else sorted(shipped.payment_scopes())
    lookups = [_item_lookup(args.hospital_code, province, day, item_map) for province in provinces]
    if args.json:
        print_json(_item_payload(args, item_map, lookups))
    else:
        owner = "" if args.item_map else f"，机构 {args.hospital}"
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
    lines = [f"{mapping.hospital_code} {mapping.name}（{source}）"]
    if mapping.national_code is None:
        lines.append("  未对照国家医保编码（未贯标）：按自费结算，不上传医保")
        return lines
    lines.append(
        f"  国家医保编码 {mapping.national_code}  目录类别 {_named(mapping.list_type or '', _LIST_TYPES)}  "
        f"收费项目类别 {_named(mapping.med_chrgitm_type or '', _CHRGITM_TYPES)}"
    )
    catalogue, names = shipped.diseases(), shipped.region_names()
    treated = [f"{code} {catalogue.get(code).name}" for code in sorted(first.diseases)]
    lines.append(f"  治疗病种：{'、'.join(treated) or '无（普通门诊项目）'}")
    lines.append(f"  {first.on.isoformat()} 各就医省份的支付范围：")
    lines += [f"    {p.province} {names.get(p.province) or ''}：{_scope_text(p)}" for p in lookups]
    return lines


def _scope_text(lookup: ItemLookup) -> str:
    scope = lookup.scope
    if scope is None:
        return "当日不在目录内（自费）"
    parts = [f"{_LEVELS[scope.chrgitm_lv]}类"]
    if scope.selfpay_prop is not None:
        parts.append(f"先行自付比例 {(scope.selfpay_prop * 100).normalize():f}%")
    parts.append("无限价" if scope.pric_uplmt_amt is None else f"限价 {scope.pric_uplmt_amt}")
    parts.append("限制使用" if scope.lmt_used_flag == "1" else "不限制使用")
    until = f"至 {scope.enddate.isoformat()}" if scope.enddate else "起长期有效"
    parts.append(f"有效期 {scope.begndate.isoformat()} {until}")
    return "，".join(parts)


def print_json(value: Any) -> None:
    """JSON as every command writes it: exact decimals as numbers, dates as yyyy-MM-dd."""
    sys.stdout.buffer.write(encode(_ready(value)) + b"\n")
    sys.stdout.flush()


def _ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_ready(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted(_ready(item) for item in value)
    if isinstance(value, Path):
        return str(value)
    return value


def _plain(value: Any) -> Any:
    """A dataclass as a dict (print_json turns sets, paths and dates into JSON)."""
    if value is None:
        return None
    return {
        key: sorted(item) if isinstance(item, frozenset) else item
        for key, item in dataclasses.asdict(value).items()
    }

"""Every problem in a bill at once: the file's format, the 目录对照 (catalogue), the patient.

Planning stops at the first stage that fails (a malformed file is never sent; an unknown
patient is found by 1101). A cashier fixing a bill wants all of it in one go, so when
planning fails this module looks at every stage independently and reports each problem with
its place (``items[1] (feedetl_sn 2).medins_list_codg``) — only queries are sent (1101).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mappings import MappingError as TableLookupError

from .._adapter import Adapter, PlannedVisit
from .._codec import decode
from .._errors import AdapterError, BusinessRuleError, EligibilityError, InputError, MappingError
from .._lookup import Card, look_up_person
from ..planning import PlanningTables, Visit
from ..planning._visit import _place
from ._failure import Problem, translate

__all__ = ["BillProblemsError", "bill_problems", "plan_bill"]


class BillProblemsError(InputError):
    """A bill with problems in one or more stages; ``problems`` lists each with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in problems))


def plan_bill(adapter: Adapter, visit: str | Path) -> PlannedVisit:
    """``adapter.plan(visit)``; when the bill is at fault, every problem of it in one error."""
    try:
        return adapter.plan(visit)
    except (InputError, MappingError, EligibilityError, BusinessRuleError) as error:
        if isinstance(error, BusinessRuleError) and error.infno != "1101":
            raise
        problems = bill_problems(adapter, visit)
        if not problems:
            raise
        raise BillProblemsError(problems) from error


def bill_problems(adapter: Adapter, path: str | Path) -> list[Problem]:
    """Format, catalogue and eligibility problems of a visit file, each with its place."""
    try:
        document = decode(Path(path).read_bytes())
    except OSError as error:
        return [Problem("", f"无法读取账单文件 {path}（{error.strerror}）", "format")]
    except ValueError:
        return [Problem("", f"账单文件 {path} 不是有效的 JSON", "format")]
    problems = _format_problems(document)
    problems += _catalogue_problems(adapter, document)
    problems += _patient_problems(adapter, document)
    return problems


def _format_problems(document: Any) -> list[Problem]:
    try:
        Visit.model_validate(document)
    except ValidationError as error:
        problems = []
        for found in error.errors():
            where = _place(found["loc"], document)
            message = str(found["msg"]).removeprefix("Value error, ")
            for part in message.split("; ") if not where else [message]:
                place, _, text = part.partition(": ")
                if not where and text:
                    problems.append(Problem(place, translate(text)))
                else:
                    problems.append(Problem(where, translate(part)))
        return problems
    return []


def _catalogue_problems(adapter: Adapter, document: Any) -> list[Problem]:
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        return []
    hospital = adapter.hospital
    tables = PlanningTables.shipped(hospital.fixmedins_code)
    problems = []
    for index, item in enumerate(document["items"]):
        if not isinstance(item, dict) or not isinstance(item.get("medins_list_codg"), str):
            continue
        code = item["medins_list_codg"]
        where = f"items[{index}] (feedetl_sn {item.get('feedetl_sn', '')}).medins_list_codg"
        try:
            tables.items.lookup(code, province=hospital.province, on=_day(item.get("fee_ocur_time")))
        except TableLookupError as error:
            reason = str(error)
            if "ambiguous" in reason:
                message = f"{code} 与目录对照中仅大小写不同的多个编码都相近：请写出准确的编码"
            else:
                message = f"{code} 不在本院目录对照中：请核对项目编码，或请医保办补充对照"
            problems.append(Problem(where, message, "catalogue"))
    for index, diagnosis in enumerate(document.get("diagnoses") or []):
        code = diagnosis.get("diag_code") if isinstance(diagnosis, dict) else None
        if isinstance(code, str) and code.strip():
            problems += _diagnosis_problem(tables, index, code)
    return problems


def _diagnosis_problem(tables: PlanningTables, index: int, code: str) -> list[Problem]:
    from ..planning._resolve import _icd

    try:
        _icd(index, code, tables)
    except InputError as error:
        where = error.where or f"diagnoses[{index}].diag_code"
        return [Problem(where, f"{code} 既不是 ICD-10 编码，也不在本院诊断对照表中", "catalogue")]
    return []


def _day(text: object) -> Any:
    try:
        return datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S").date()
    except ValueError:
        return datetime.now().date()


def _patient_problems(adapter: Adapter, document: Any) -> list[Problem]:
    patient = document.get("patient") if isinstance(document, dict) else None
    if not isinstance(patient, dict):
        return []
    kind, number = patient.get("mdtrt_cert_type"), patient.get("mdtrt_cert_no")
    if kind not in ("01", "02", "03") or not isinstance(number, str) or not number.strip():
        return []
    try:
        card = Card(kind, number, str(patient.get("card_sn") or ""))
        look_up_person(adapter.client, card)
    except BusinessRuleError as error:
        said = f"医保平台查不到该患者（{error.err_msg}）" if error.err_msg else "医保平台查不到该患者"
        return [Problem("patient.mdtrt_cert_no", said + "：请核对凭证类型和号码", "eligibility")]
    except AdapterError:  # a format problem (already listed), or the platform is not answering
        return []  # planning's own error says so is not answering: planning's own error says so
    return []

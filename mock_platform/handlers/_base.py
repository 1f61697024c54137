"""What every transaction handler gets and uses: its context, input-node parsing and output dumping."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mock_platform.backend import Backend
from mock_platform.backend.people import InsuranceRecord, PersonRecord
from mock_platform.config.platform import Hospital
from mock_platform.errors import RequestError
from mock_platform.wire import RequestEnvelope, describe

M = TypeVar("M", bound=BaseModel)

PERSON_NOT_FOUND = "未找到人员信息"


@dataclass(frozen=True)
class HandlerContext:
    """One request, already authenticated, parsed and signed in."""

    backend: Backend
    envelope: RequestEnvelope
    hospital: Hospital
    now: datetime
    # Warnings for the answer's `warn_msg` (not in the spec but seen live, PROTOCOL.md §1.4), e.g. 2601's.
    notes: list[str] = field(default_factory=list)


# The `output` node: an object, or for 5204 an array directly under `output` (PROTOCOL.md §3.14).
Output = dict[str, Any] | list[Any]


@dataclass(frozen=True)
class FileDownload:
    """What 9102 answers instead of an envelope: the file's bytes (PROTOCOL.md §1.1)."""

    filename: str
    content: bytes


Handler = Callable[[HandlerContext], Output | FileDownload]


@dataclass(frozen=True)
class Transaction:
    """A transaction the platform answers.

    `requires_sign_in` is False only for 9001/9002 themselves (PROTOCOL.md §3.1: every other transaction needs
    a prior sign-in). `changes_state` marks transactions that write platform state. `idempotent` ones are done
    once per msgid: a resend with the same msgid and body gets the stored answer (`backend.messages`).
    """

    infno: str
    name: str
    handler: Handler
    requires_sign_in: bool = True
    changes_state: bool = False
    idempotent: bool = False


def input_node(context: HandlerContext, name: str, model: type[M]) -> M:
    """Parse the input node `name` (e.g. "data", "signIn") into `model`, or refuse with a specific err_msg."""
    raw: Any = context.envelope.input.get(name)
    if raw is None:
        raise RequestError(f"交易输入[{name}]不能为空")
    if not isinstance(raw, Mapping):
        raise RequestError(f"交易输入[{name}]类型错误，应为JSON对象")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise RequestError(describe(exc, "交易输入", prefix=f"{name}.")) from exc


def dump(model: BaseModel) -> dict[str, Any]:
    """A wire model as a plain dict, Decimals kept (the codec writes them digit for digit)."""
    return model.model_dump(mode="python", by_alias=True)


def require_insurance(person: PersonRecord, insutype: str) -> InsuranceRecord:
    """The person's insurance of `insutype`, or a refusal naming `data.insutype`."""
    insurance = person.insurance(insutype)
    if insurance is None:
        raise RequestError(f"交易输入[data.insutype]人员无险种类型[{insutype}]的参保信息")
    return insurance


def require_person(context: HandlerContext, psn_no: str) -> PersonRecord:
    """Look up a person by psn_no; also check the envelope's 参保地 against the person's insurance.

    PROTOCOL.md §1.2: `insuplc_admdvs` is required for 异地 business (and, per JX/HN, also for local business
    when the input carries psn_no). The mock requires it whenever the hospital is not in the person's insured
    place, accepts it empty for a local patient (an empty value means local), and when given it must name the
    person's insured place.
    """
    person = context.backend.people.get(psn_no)
    if person is None:
        raise RequestError(PERSON_NOT_FOUND)
    places = {row.insuplc_admdvs for row in person.insurances}
    declared = context.envelope.insuplc_admdvs
    if declared and declared not in places:
        raise RequestError(f"报文头[insuplc_admdvs]值[{declared}]与人员参保地不一致")
    if not declared and context.hospital.admdvs not in places:
        raise RequestError("报文头[insuplc_admdvs]不能为空（异地就医须传参保地医保区划）")
    return person

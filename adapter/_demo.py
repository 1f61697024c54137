"""The README's first command: sign in and look up every demo patient.

Patients come from the demo dataset (config/demo/people.toml, DEMO_DATA.md); only
their credentials are read. Each patient is looked up with a different credential
type in turn (电子凭证, 身份证, 社保卡) so the demo exercises all three.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ._client import PlatformClient
from ._display import (
    CERT_TYPE_LABELS,
    INSURANCE_STATUS_LABELS,
    INSUTYPE_LABELS,
    label,
    mask_name,
    place_label,
)
from ._errors import ConfigurationError
from ._lookup import Card, PersonRecord, look_up_person
from ._paths import config_dir

__all__ = ["DemoPatient", "demo_patients", "demo_rows"]

_CREDENTIAL_ORDER = ("01", "02", "03")


@dataclass(frozen=True)
class DemoPatient:
    key: str
    card: Card


def demo_patients(path: Path | None = None) -> list[DemoPatient]:
    """The demo patients with the credential each one presents."""
    path = path or config_dir() / "demo" / "people.toml"
    try:
        people = tomllib.loads(path.read_text(encoding="utf-8"))["person"]
        patients = []
        for index, person in enumerate(people):
            cert_type = _CREDENTIAL_ORDER[index % len(_CREDENTIAL_ORDER)]
            number = {"01": person["ec_token"], "02": person["certno"], "03": person["card_no"]}[cert_type]
            card_sn = person["card_sn"] if cert_type == "03" else ""
            patients.append(DemoPatient(person["key"], Card(cert_type, number, card_sn)))
    except (OSError, tomllib.TOMLDecodeError, KeyError) as error:
        raise ConfigurationError(f"cannot read demo patients from {path}: {error!r}") from error
    return patients


def demo_rows(client: PlatformClient, patients: list[DemoPatient]) -> list[list[str]]:
    """One table row per patient: key, credential, masked name, insured place, insurance, filings."""
    rows = []
    for patient in patients:
        record = look_up_person(client, patient.card)
        rows.append(_row(patient, record))
    return rows


def _row(patient: DemoPatient, record: PersonRecord) -> list[str]:
    insurance = record.insurances[0] if record.insurances else None
    place = insurance.insuplc_admdvs if insurance else ""
    status = ""
    if insurance and insurance.psn_insu_stas != "1":
        status = f" ({label(insurance.psn_insu_stas, INSURANCE_STATUS_LABELS)})"
    filings = "; ".join(
        f"{f.opsp_dise_code} {f.opsp_dise_name} {f.begndate}→{f.enddate or ''}" for f in record.filings
    )
    return [
        patient.key,
        CERT_TYPE_LABELS[patient.card.mdtrt_cert_type],
        mask_name(record.person.psn_name),
        place_label(place) if place else "—",
        (label(insurance.insutype, INSUTYPE_LABELS) if insurance else "—") + status,
        filings or "—",
    ]

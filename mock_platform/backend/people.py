"""Insured persons and their records: seeding from people.toml and lookups (1101, 5301, 2001).

Records are plain frozen dataclasses read from the store; the handlers turn them into wire models.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from mock_platform.backend.store import Store
from mock_platform.config._base import Sourced
from mock_platform.config.people import Person

CredentialKind = Literal["ec_token", "certno", "card_no"]


@dataclass(frozen=True)
class InsuranceRecord:
    insutype: str
    psn_type: str
    psn_insu_stas: str
    psn_insu_date: date
    paus_insu_date: date | None
    cvlserv_flag: str
    insuplc_admdvs: str
    emp_name: str
    balc: Decimal
    mulaid_balc: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class IdentityRecord:
    psn_idet_type: str
    psn_type_lv: str
    memo: str
    begntime: datetime
    endtime: datetime | None


@dataclass(frozen=True)
class FilingRecord:
    opsp_dise_code: str
    opsp_dise_name: str
    begndate: date
    enddate: date | None

    def valid_on(self, day: date) -> bool:
        return self.begndate <= day and (self.enddate is None or day <= self.enddate)


@dataclass(frozen=True)
class RemoteFilingRecord:
    admdvs: str
    begndate: date
    enddate: date | None

    def covers(self, hospital_admdvs: str, day: date) -> bool:
        """Valid on `day` for a hospital in `hospital_admdvs`.

        A filing names a province (xx0000), a city (xxxx00) or a county; it covers every hospital inside it.
        """
        if self.admdvs.endswith("0000"):
            prefix = self.admdvs[:2]
        elif self.admdvs.endswith("00"):
            prefix = self.admdvs[:4]
        else:
            prefix = self.admdvs
        in_period = self.begndate <= day and (self.enddate is None or day <= self.enddate)
        return in_period and hospital_admdvs.startswith(prefix)


@dataclass(frozen=True)
class PersonRecord:
    psn_no: str
    psn_name: str
    psn_cert_type: str
    certno: str
    gend: str
    naty: str
    brdy: date
    card_no: str
    card_sn: str
    insurances: tuple[InsuranceRecord, ...]
    identities: tuple[IdentityRecord, ...]
    filings: tuple[FilingRecord, ...]
    remote_filings: tuple[RemoteFilingRecord, ...]

    def insurance(self, insutype: str) -> InsuranceRecord | None:
        return next((row for row in self.insurances if row.insutype == insutype), None)


class PersonRegistry:
    """Reads persons from the store.

    Nearly every call looks its person up, and a person is five tables (`schema.PERSON_TABLES`), so a person
    read once is kept and reused while the person's version is unchanged (triggers raise it on any change to
    one of their rows, schema migration 11) and no transaction was rolled back since (what was read inside one
    may be gone). One lookup instead of five queries per call (issue #18).
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[str, tuple[int, int, PersonRecord]] = {}  # psn_no -> (version, rollbacks, record)

    def find_by_credential(self, kind: CredentialKind, value: str) -> PersonRecord | None:
        """Find a person by e-voucher token, ID number (check character X in any case) or card number."""
        column = {"ec_token": "ec_token", "certno": "upper(certno)", "card_no": "card_no"}[kind]
        key = value.upper() if kind == "certno" else value
        with self._store.joined() as connection:
            row = connection.execute(f"SELECT psn_no FROM person WHERE {column} = ?", (key,)).fetchone()
            return None if row is None else self._read(connection, str(row["psn_no"]))

    def get(self, psn_no: str) -> PersonRecord | None:
        with self._store.joined() as connection:
            return self._read(connection, psn_no)

    def _read(self, connection: sqlite3.Connection, psn_no: str) -> PersonRecord | None:
        row = connection.execute("SELECT version FROM person_version WHERE psn_no = ?", (psn_no,)).fetchone()
        version = 0 if row is None else int(row[0])
        cached = self._cache.get(psn_no)
        if cached is not None and cached[:2] == (version, self._store.rollbacks):
            return cached[2]
        record = _load(connection, psn_no)
        if record is not None:
            if len(self._cache) >= _CACHED_PERSONS:
                self._cache.clear()
            self._cache[psn_no] = (version, self._store.rollbacks, record)
        return record


_CACHED_PERSONS = 4096


def seed_people(connection: sqlite3.Connection, people: tuple[Person, ...]) -> None:
    """Insert the people of the data files (inside the transaction that seeds the store)."""
    person_columns = {"psn_name", "psn_cert_type", "certno", "gend", "naty", "brdy", "card_no", "card_sn"}
    for person in people:
        row = person.model_dump(include=person_columns | {"psn_no", "ec_token"})
        _insert(connection, "person", {**row, "seed_key": person.key})
        owner = {"psn_no": person.psn_no}
        for insurance in person.insurance:
            _insert(connection, "insurance", {**owner, **_columns(insurance)})
        for identity in person.identity:
            _insert(connection, "identity", {**owner, **_columns(identity)})
        for filing in person.filing:
            _insert(connection, "opsp_filing", {**owner, **_columns(filing)})
        for remote in person.remote_filing:
            _insert(connection, "remote_filing", {**owner, **_columns(remote)})


def _columns(row: Sourced) -> dict[str, object]:
    """A data-file row as column values: provenance dropped, dates ISO text, Decimals exact text."""
    values = row.model_dump(exclude={"source", "illustrative"})
    return {key: _column_value(value) for key, value in values.items()}


def _column_value(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _insert(connection: sqlite3.Connection, table: str, row: dict[str, object]) -> None:
    marks = ", ".join("?" for _ in row)
    connection.execute(
        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", tuple(map(_column_value, row.values()))
    )


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _load(connection: sqlite3.Connection, psn_no: str) -> PersonRecord | None:
    row = connection.execute("SELECT * FROM person WHERE psn_no = ?", (psn_no,)).fetchone()
    if row is None:
        return None
    return PersonRecord(
        psn_no=row["psn_no"],
        psn_name=row["psn_name"],
        psn_cert_type=row["psn_cert_type"],
        certno=row["certno"],
        gend=row["gend"],
        naty=row["naty"],
        brdy=date.fromisoformat(row["brdy"]),
        card_no=row["card_no"],
        card_sn=row["card_sn"],
        insurances=_insurances(connection, psn_no),
        identities=_identities(connection, psn_no),
        filings=_filings(connection, psn_no),
        remote_filings=_remote_filings(connection, psn_no),
    )


def _insurances(connection: sqlite3.Connection, psn_no: str) -> tuple[InsuranceRecord, ...]:
    rows = connection.execute("SELECT * FROM insurance WHERE psn_no = ? ORDER BY insutype", (psn_no,))
    return tuple(
        InsuranceRecord(
            insutype=r["insutype"],
            psn_type=r["psn_type"],
            psn_insu_stas=r["psn_insu_stas"],
            psn_insu_date=date.fromisoformat(r["psn_insu_date"]),
            paus_insu_date=_date(r["paus_insu_date"]),
            cvlserv_flag=r["cvlserv_flag"],
            insuplc_admdvs=r["insuplc_admdvs"],
            emp_name=r["emp_name"],
            balc=Decimal(r["balc"]),
            mulaid_balc=Decimal(r["mulaid_balc"]),
        )
        for r in rows
    )


def _identities(connection: sqlite3.Connection, psn_no: str) -> tuple[IdentityRecord, ...]:
    rows = connection.execute("SELECT * FROM identity WHERE psn_no = ? ORDER BY id", (psn_no,))
    return tuple(
        IdentityRecord(
            psn_idet_type=r["psn_idet_type"],
            psn_type_lv=r["psn_type_lv"],
            memo=r["memo"],
            begntime=datetime.fromisoformat(r["begntime"]),
            endtime=None if r["endtime"] is None else datetime.fromisoformat(r["endtime"]),
        )
        for r in rows
    )


def _filings(connection: sqlite3.Connection, psn_no: str) -> tuple[FilingRecord, ...]:
    # Only approved filings are in force (5301, 2001, settlement); one filed by a hospital waits for approval.
    rows = connection.execute(
        "SELECT * FROM opsp_filing WHERE psn_no = ? AND status = 'approved' ORDER BY id", (psn_no,)
    )
    return tuple(
        FilingRecord(
            r["opsp_dise_code"], r["opsp_dise_name"], date.fromisoformat(r["begndate"]), _date(r["enddate"])
        )
        for r in rows
    )


def _remote_filings(connection: sqlite3.Connection, psn_no: str) -> tuple[RemoteFilingRecord, ...]:
    rows = connection.execute("SELECT * FROM remote_filing WHERE psn_no = ? ORDER BY id", (psn_no,))
    return tuple(
        RemoteFilingRecord(r["admdvs"], date.fromisoformat(r["begndate"]), _date(r["enddate"])) for r in rows
    )

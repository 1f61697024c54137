"""Models of `platform.toml` (gateway, operators, envelope constants) and `hospitals.toml`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from mock_platform.config._base import (
    Admdvs,
    Code,
    DedcHospLv,
    FixmedinsCode,
    FrozenModel,
    Relation,
    Sourced,
    Text,
)

GatewayScheme = Literal["none", "tif", "csb"]


class TifCredentials(FrozenModel):
    """TIF gateway (`x-tif-*` headers, PROTOCOL.md §2.1)."""

    paasid: Text
    token: Text
    source: str = ""


class CsbCredentials(FrozenModel):
    """Alibaba CSB gateway (`_api_*` headers, PROTOCOL.md §2.2)."""

    access_key: Text
    secret_key: Text
    source: str = ""


class GatewayConfig(FrozenModel):
    """Which front gateway the mock imitates, with its credentials.

    `timestamp_tolerance_seconds` is the gateway's clock tolerance (30 minutes, PROTOCOL.md §1.5 / HN 表6).
    """

    scheme: GatewayScheme
    timestamp_tolerance_seconds: int = Field(default=1800, gt=0)
    tif: TifCredentials | None = None
    csb: CsbCredentials | None = None
    source: str = ""

    @model_validator(mode="after")
    def _credentials_for_scheme(self) -> GatewayConfig:
        if self.scheme == "tif" and self.tif is None:
            raise ValueError("scheme 'tif' needs a [gateway.tif] table")
        if self.scheme == "csb" and self.csb is None:
            raise ValueError("scheme 'csb' needs a [gateway.csb] table")
        return self


class Operator(Sourced):
    opter_no: Code
    opter_name: Text
    opter_type: Literal["1", "2", "3"]


class EnvelopeConstants(Sourced):
    """Values the demo hospitals are told to send (DEMO_DATA.md); the mock only requires them non-empty."""

    infver: Text
    recer_sys_code: Text
    # Receiver admdvs of `inf_refmsgid` (PROTOCOL.md §1.4) when the request names no known hospital.
    fallback_admdvs: Admdvs


class PlatformFile(FrozenModel):
    """`config/demo/platform.toml`."""

    gateway: GatewayConfig
    envelope: EnvelopeConstants
    operator: tuple[Operator, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_operators(self) -> PlatformFile:
        numbers = [op.opter_no for op in self.operator]
        if len(set(numbers)) != len(numbers):
            raise ValueError("operator opter_no values must be unique")
        return self


class OpspOpening(Sourced):
    """Which 门诊慢特病 diseases a hospital has opened for patients of one relation."""

    relation: Relation
    diseases: Literal["all"] | tuple[Code, ...]


class Hospital(Sourced):
    """A 定点医药机构. `item_map` names its 目录对照 file in the mapping tables' data directory; when absent,
    `hospitals_demo.csv` says which file the hospital uploaded (3301)."""

    fixmedins_code: FixmedinsCode
    fixmedins_name: Text
    admdvs: Admdvs
    hosp_lv: Literal["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"]
    dedc_hosp_lv: DedcHospLv
    opsp_designated: bool
    opsp_open: tuple[OpspOpening, ...] = ()
    item_map: Annotated[str, StringConstraints(pattern=r"^[\w.\-]+\.csv$")] | None = None

    @model_validator(mode="after")
    def _one_opening_per_relation(self) -> Hospital:
        relations = [opening.relation for opening in self.opsp_open]
        if len(set(relations)) != len(relations):
            raise ValueError("at most one opsp_open row per relation")
        return self

    def opens(self, relation: Relation, disease: str) -> bool:
        """Whether this hospital settles `disease` directly for a patient of `relation`."""
        for opening in self.opsp_open:
            if opening.relation == relation:
                return opening.diseases == "all" or disease in opening.diseases
        return False


class HospitalsFile(FrozenModel):
    """`config/demo/hospitals.toml`."""

    hospital: tuple[Hospital, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> HospitalsFile:
        codes = [h.fixmedins_code for h in self.hospital]
        if len(set(codes)) != len(codes):
            raise ValueError("fixmedins_code values must be unique")
        return self


__all__ = [
    "CsbCredentials",
    "EnvelopeConstants",
    "GatewayConfig",
    "GatewayScheme",
    "Hospital",
    "HospitalsFile",
    "Operator",
    "OpspOpening",
    "PlatformFile",
    "TifCredentials",
]

"""Settings of ``opsp serve``: where to listen, which journal, and the desks allowed to call.

Kept apart from ``AdapterSettings`` (who the hospital is to the platform): a HIS that embeds
the library never reads these. From a TOML file and ``OPSP_SERVE_*`` variables, environment
winning (``OPSP_SERVE_PORT=8701``); desks only from the file, since each carries a token.

Each desk (a cashier workstation of the HIS) has its own bearer token; the service records
the desk and its operator with every settlement and refund it runs.
"""

from __future__ import annotations

import ipaddress
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from .._errors import ConfigurationError

__all__ = ["Desk", "ServiceSettings", "load_service_settings"]


class Desk(BaseModel):
    """One caller: a cashier desk of the HIS, its operator, and its bearer token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    desk: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    opter: str = Field(min_length=1, max_length=30)
    """The operator's id (经办人), recorded with every settlement made from this desk."""
    opter_name: str = ""
    token: SecretStr

    @model_validator(mode="after")
    def _long_token(self) -> Desk:
        if len(self.token.get_secret_value()) < 16:
            raise ValueError("token must be at least 16 characters")
        return self


class ServiceSettings(BaseSettings):
    """How ``opsp serve`` listens and whom it serves."""

    model_config = SettingsConfigDict(env_prefix="OPSP_SERVE_", frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8700, ge=0, le=65535)
    allow_remote: bool = False
    """Binding to anything but a loopback address must be asked for explicitly."""
    journal: str = "opsp-journal.sqlite3"
    """The journal (and key store) database: a SQLite file path, or ``postgresql://…`` (shared)."""
    desks: tuple[Desk, ...] = ()
    lease_seconds: float = Field(default=30.0, gt=0)
    """A request in progress holds its idempotency key this long between heartbeats; a key whose
    holder died (lease expired) may be taken over by a new request with the same key."""
    retry_after_seconds: int = Field(default=2, ge=1)
    """What an "in progress" answer tells the HIS to wait before asking again."""

    @model_validator(mode="after")
    def _checked(self) -> ServiceSettings:
        if not self.allow_remote and not _is_loopback(self.host):
            raise ValueError(
                f"host {self.host} is not a loopback address: set allow_remote = true to bind it"
            )
        names = [desk.desk for desk in self.desks]
        if len(set(names)) != len(names):
            raise ValueError("desk names must be unique")
        tokens = [desk.token.get_secret_value() for desk in self.desks]
        if len(set(tokens)) != len(tokens):
            raise ValueError("every desk needs its own token")
        return self


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_service_settings(path: str | Path | None = None, **overrides: Any) -> ServiceSettings:
    """Service settings from an optional TOML file, then ``OPSP_SERVE_*`` variables, then ``overrides``."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            with Path(path).open("rb") as handle:
                values = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigurationError(f"service settings file not found: {path}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigurationError(f"service settings file {path} is not valid TOML: {error}") from error
    values.update(EnvSettingsSource(ServiceSettings, env_prefix="OPSP_SERVE_")())
    values.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return ServiceSettings.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or '(settings)'}: {item['msg']}"
            for item in error.errors()
        )
        where = f" in {path}" if path is not None else ""
        raise ConfigurationError(f"invalid service settings{where}: {problems}") from error

"""Adapter settings: who we are, where the platform is, how we authenticate and wait.

Read from ``OPSP_*`` environment variables (nested with ``__``, e.g.
``OPSP_GATEWAY__SCHEME=tif``) and optionally a TOML file, environment winning over
the file. Secrets are ``SecretStr`` so they never print. Invalid settings fail at
start-up with ``ConfigurationError`` naming each bad field, and the ``OPSP_*`` variable
a bad value came from (never the value) — never in the middle of a settlement.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from ._errors import ConfigurationError

__all__ = [
    "AdapterSettings",
    "GatewaySettings",
    "RetrySettings",
    "TimeoutSettings",
    "endpoint_problem",
    "header_value_problem",
    "load_settings",
]

# Any transaction number will do: {infno} may stand anywhere in the URL, even in the host.
_SAMPLE_INFNO = "9001"
_BLANK = re.compile(r"\s").search
_EXAMPLE_ENDPOINT = (
    "https://hsa.example.cn/fsi/api/rsfComIfsService/callService"
    " ({infno} may stand for the transaction number)"
)


class GatewaySettings(BaseModel):
    """The gateway in front of the platform (PROTOCOL.md §2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: Literal["none", "tif", "csb"] = "none"
    tif_paasid: str = ""
    tif_token: SecretStr = SecretStr("")
    tif_service_id: str = ""
    csb_access_key: str = ""
    csb_secret_key: SecretStr = SecretStr("")
    csb_api_version: str = "1.0.0"
    csb_api_name: str = "{infno}"
    """Template for ``_api_name``; Hunan names one service per transaction (``1101``)."""
    csb_timestamp_unit: Literal["ms", "s"] = "ms"

    # A value that cannot go into an HTTP header failed only at the first call, where it read as a
    # broken answer (for a state-changing call, an unknown outcome) or escaped the error tree,
    # although nothing had been sent. The token and the secret key are only hashed: any text will do.
    @field_validator("tif_paasid", "tif_service_id", "csb_access_key", "csb_api_version")
    @classmethod
    def _sendable(cls, value: str) -> str:
        problem = header_value_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("tif_token", "csb_secret_key")
    @classmethod
    def _hashable(cls, value: SecretStr) -> SecretStr:
        # Any text, but text: the signature hashes its UTF-8 bytes at every call, where bytes of another
        # encoding (read from the environment as lone surrogates) raised UnicodeEncodeError, outside the
        # error tree, from the first call on.
        if not _is_text(value.get_secret_value()):
            raise ValueError(f"must be text, without {_NOT_TEXT}")
        return value

    @field_validator("csb_api_name")
    @classmethod
    def _api_name_template(cls, value: str) -> str:
        try:
            name = value.format(infno=_SAMPLE_INFNO)
        except (KeyError, IndexError, AttributeError, ValueError):
            raise ValueError("must be a template whose only field is {infno}, such as {infno}") from None
        problem = header_value_problem(name)
        if problem is not None:
            raise ValueError(problem)
        return value


class TimeoutSettings(BaseModel):
    """HTTP timeouts in seconds. TZ (Nanjing) waits 120 s for an answer (PROTOCOL.md §6.8)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    connect: float = Field(default=5.0, gt=0)
    read: float = Field(default=60.0, gt=0)
    write: float = Field(default=10.0, gt=0)
    pool: float = Field(default=5.0, gt=0)


class RetrySettings(BaseModel):
    """Retry budget for queries (state-changing calls are retried only when nothing was sent)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=3, ge=1, le=10)
    max_seconds: float = Field(default=30.0, gt=0)
    initial_wait: float = Field(default=0.5, ge=0)
    max_wait: float = Field(default=5.0, ge=0)


class AdapterSettings(BaseSettings):
    """Everything the adapter needs to talk to one platform as one institution."""

    model_config = SettingsConfigDict(
        env_prefix="OPSP_", env_nested_delimiter="__", frozen=True, extra="forbid"
    )

    endpoint: str = "http://127.0.0.1:8080/fsi/api/rsfComIfsService/callService"
    """One URL for every transaction, or a template containing ``{infno}``."""
    fixmedins_code: str
    fixmedins_name: str
    mdtrtarea_admvs: str
    """就医地医保区划: the hospital's own 6-digit area code."""
    recer_sys_code: str = "HIS"
    infver: str = "V1.0"
    msgid_node: int | None = Field(default=None, ge=0, le=9)
    """This billing node's digit when several nodes (desks, servers) share the institution's code:
    each then issues only msgids whose 4-digit sequence starts with it (PROTOCOL.md §1.3). Give every
    node a digit: a node without one draws from the whole range, which overlaps all of them."""
    journal: str = ""
    """Where the journal is: a SQLite file, or ``postgresql://user@host:5432/db`` for one journal that
    every desk and server of the hospital shares (keep a password in ``~/.pgpass`` or ``PGPASSWORD``,
    not here); empty: the CLI's ``./opsp-journal.sqlite3``."""
    journal_lock_wait: float = Field(default=30.0, ge=0, le=600)
    """Seconds a desk waits while another desk settles or refunds the same patient (then PersonBusyError)."""
    opter_type: Literal["1", "2", "3"] = "1"
    opter: str
    opter_name: str
    sign_in_mac: str = ""
    sign_in_ip: str = ""
    signtype: str = ""
    dev_no: str = ""
    hospital_file: str = ""
    """TOML describing this hospital (designation, diseases opened); empty: the demo registry."""
    extra_envelope_fields: dict[str, str] = Field(default_factory=dict)
    gateway: GatewaySettings = GatewaySettings()
    timeouts: TimeoutSettings = TimeoutSettings()
    retry: RetrySettings = RetrySettings()
    maintenance_markers: tuple[str, ...] = ("停机", "维护", "系统升级")
    """err_msg fragments that mean the platform is down for maintenance (seed 002 四(四))."""
    sign_no_markers: tuple[str, ...] = ("签到",)
    """err_msg fragments that mean the sign_no was refused: sign in again and resend."""

    @field_validator("endpoint")
    @classmethod
    def _postable(cls, value: str) -> str:
        problem = endpoint_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    # Sent in every envelope (or the 9001 sign-in), encoded as UTF-8 at every call: bytes of another encoding
    # (read from the environment or an argument as lone surrogates) loaded, and the first call then failed as
    # an InputError blaming the visit data, though the settings were at fault.
    @field_validator(
        "fixmedins_code",
        "fixmedins_name",
        "recer_sys_code",
        "infver",
        "opter",
        "opter_name",
        "sign_in_mac",
        "sign_in_ip",
        "signtype",
        "dev_no",
    )
    @classmethod
    def _wire_text(cls, value: str) -> str:
        if not _is_text(value):
            raise ValueError(f"must be text, without {_NOT_TEXT}")
        return value

    @field_validator("extra_envelope_fields")
    @classmethod
    def _wire_fields(cls, value: dict[str, str]) -> dict[str, str]:
        # Checked as a whole: a key is part of pydantic's error location, and would be quoted in the message.
        if not all(_is_text(key) and _is_text(text) for key, text in value.items()):
            raise ValueError(f"every name and value must be text, without {_NOT_TEXT}")
        return value

    @field_validator("fixmedins_code")
    @classmethod
    def _twelve_characters(cls, value: str) -> str:
        # msgid = fixmedins_code(12) + time(14) + sequence(4) must be 30 long (§1.3).
        if len(value) != 12:
            raise ValueError("must be 12 characters (the msgid is built from it)")
        return value

    @field_validator("mdtrtarea_admvs")
    @classmethod
    def _admdvs(cls, value: str) -> str:
        if len(value) != 6 or not value.isdigit():
            raise ValueError("must be a 6-digit area code")
        return value

    def url_for(self, infno: str) -> str:
        """The URL to POST this transaction to."""
        return self.endpoint.replace("{infno}", infno)


def endpoint_problem(endpoint: str, *, example: str = _EXAMPLE_ENDPOINT) -> str | None:
    """Why nothing could be posted to ``endpoint`` (a URL, or a template with ``{infno}``), or None.

    Parsed as the client parses it (``httpx.URL``), so a URL accepted here reaches the transport
    whole. Without this check a hostless or non-HTTP URL failed only at the first call, where it
    read as a broken answer (for a state-changing call, an unknown outcome) although nothing had
    been sent. The reason never quotes the URL: it may hold credentials. ``example`` is the URL the
    message shows (the CLI's ``--platform`` takes a base URL).
    """
    reason = _endpoint_reason(endpoint)
    if reason is None:
        return None
    return f"must be an absolute http:// or https:// URL with a host, such as {example}; {reason}"


def _endpoint_reason(endpoint: str) -> str | None:
    if not endpoint:
        return "it is empty"
    if _BLANK(endpoint):
        return "it holds a blank (a space or a line break)"
    if not _is_text(endpoint):  # httpx's UnicodeEncodeError would be a ValueError quoting nothing useful
        return f"it holds {_NOT_TEXT}"
    templated = endpoint.replace("{infno}", _SAMPLE_INFNO)
    if "{" in templated or "}" in templated:  # a misspelt {infno} would be posted to as it stands
        return "only {infno} may be written in braces"
    try:
        url = httpx.URL(templated)
    except httpx.InvalidURL as error:
        return _invalid_url_reason(str(error))
    if not url.scheme:
        return "it has no scheme"
    if url.scheme not in ("http", "https"):
        return f"its scheme is {url.scheme}"
    try:
        host = url.host  # an xn-- label is decoded here, as httpx.Client does before every request
    except ValueError:  # idna's error quotes the label: not repeated
        return "its host is not a valid host name"
    if not host:
        return "it has no host"
    if url.port is not None and not 1 <= url.port <= 65535:
        return f"its port {url.port} is not 1 to 65535"
    return None


# Python reads bytes that are not UTF-8 in an environment variable or an argument as lone surrogates
# (surrogateescape): such a str loads, and fails only when it is encoded, at the first call.
_NOT_TEXT = "bytes that are not UTF-8 text (an environment variable in another encoding?)"


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# httpx's InvalidURL quotes what it refused (a port, a host, a character), and what it refused may be
# a piece of a password: in "user:pa/ss@host" the authority ends at "/", and "pa" is read as a port.
# Only the kind of fault is told, by the start of httpx's message; anything else says nothing more.
_INVALID_URL_REASONS = (
    ("Invalid port", "its port is not a number (a / ? # or @ in a user name or password must be %-encoded)"),
    ("Invalid IPv4 address", "its host is not a valid IPv4 address"),
    ("Invalid IPv6 address", "its host is not a valid IPv6 address"),
    ("Invalid IDNA hostname", "its host is not a valid host name"),
    ("Invalid non-printable ASCII character", "it holds a control character"),
    ("URL too long", "it is too long"),
)


def _invalid_url_reason(message: str) -> str:
    for start, reason in _INVALID_URL_REASONS:
        if message.startswith(start):
            return reason
    return "it is not a valid URL"


def header_value_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as an HTTP header value, or None.

    httpx encodes header values as ASCII (anything else is a ``UnicodeEncodeError``), h11 and
    ``Http11Transport`` refuse a line break (it would inject a header), and h11 a blank at either end.
    """
    if value.isascii() and value.isprintable() and value == value.strip():
        return None
    return (
        "must be printable ASCII, with no line break or tab and no space at either end"
        " (it is sent as an HTTP header)"
    )


def load_settings(path: str | Path | None = None, **overrides: Any) -> AdapterSettings:
    """Settings from an optional TOML file, then ``OPSP_*`` variables, then ``overrides``.

    Raises ``ConfigurationError`` listing every invalid or missing field.
    """
    from_file: dict[str, Any] = {}
    if path is not None:
        from_file = _read_toml(Path(path))
    environment = EnvSettingsSource(AdapterSettings, env_prefix="OPSP_", env_nested_delimiter="__")()
    values = _merge(_merge(from_file, environment), overrides)
    try:
        return AdapterSettings.model_validate(values)
    except ValidationError as error:
        problems = [(item["loc"], item["msg"]) for item in error.errors()]
        sources = [_source(loc, overrides, environment) for loc, _ in problems]
        # The file is named once when every bad value is its own (or missing); else each problem says where
        # its value came from: a bad OPSP_* variable was blamed on the file, searched then in vain.
        if not any(sources):
            where = f" in {path}" if path is not None else ""
            listed = "; ".join(f"{_dotted(loc)}: {msg}" for loc, msg in problems)
        else:
            where = ""
            in_file = f" (in {path})" if path is not None else ""
            listed = "; ".join(
                f"{_dotted(loc)}{f' ({source})' if source else in_file}: {msg}"
                for (loc, msg), source in zip(problems, sources, strict=True)
            )
        raise ConfigurationError(f"invalid adapter settings{where}: {listed}") from error


def _dotted(loc: tuple[int | str, ...]) -> str:
    # A dict's key is part of the location: one that is not text could not be printed.
    return ".".join(str(part) if _is_text(str(part)) else "…" for part in loc) or "(settings)"


def _source(loc: tuple[int | str, ...], overrides: dict[str, Any], environment: dict[str, Any]) -> str:
    """The ``OPSP_*`` variable the value at ``loc`` came from, or "" (the file, the overrides, nowhere).

    Overrides win over the environment, which wins over the file (``load_settings``), and a source that
    holds a scalar or a list where ``loc`` goes deeper replaced the whole of it when merged. The variable is
    named as it is set (pydantic-settings matches names whatever their case), never with its value.
    """
    if _holds(overrides, loc) or not _holds(environment, loc):
        return ""
    # OPSP_GATEWAY__TIF_TOKEN, or OPSP_GATEWAY holding JSON: the longest name that is set gave the value.
    names = {name.lower(): name for name in os.environ}
    for end in range(len(loc), 0, -1):
        candidate = ("OPSP_" + "__".join(str(part) for part in loc[:end])).lower()
        if candidate in names:
            return f"environment variable {names[candidate]}"
    # A value checked as a whole, set in parts: OPSP_EXTRA_ENVELOPE_FIELDS__FIXMEDINS_SOFT_FCTY. A name that
    # is not text is not printed (it could not be), nor any part of it.
    whole = "OPSP_" + "__".join(str(part) for part in loc).upper()
    parts = sorted(name for lowered, name in names.items() if lowered.startswith(whole.lower() + "__"))
    if parts and all(_is_text(name) for name in parts):
        return f"environment variable{'s' if len(parts) > 1 else ''} {', '.join(parts)}"
    if parts:
        return f"an environment variable {whole}__…"
    return "the environment"


def _holds(values: Any, loc: tuple[int | str, ...]) -> bool:
    for depth, part in enumerate(loc):
        if isinstance(values, dict):
            if part not in values:
                return False
            values = values[part]
        elif isinstance(values, (list, tuple)) and isinstance(part, int) and 0 <= part < len(values):
            values = values[part]
        else:
            return depth > 0  # a scalar where the location goes deeper: this source gave the whole of it
    return bool(loc)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigurationError(f"settings file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"settings file {path} is not valid TOML: {error}") from error


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged

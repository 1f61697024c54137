"""Conformance profiles: how strictly the mock reads what a HIS sends (issue #17).

A *deviation* is something a HIS sends that the national text does not say, or forbids, but that real clients
are seen to send (a public HIS client of this interface, run against the mock unchanged, showed each of them).
A profile decides, per deviation, whether the platform `report`s it — accepts the call and says so in
`warn_msg` and the traffic journal's `warnings`, so the conformance report can list it — or `refuse`s it with
infcode -1. A deviation is never accepted silently.

* `lenient`: what real platforms evidently accept: everything reported, nothing refused — a nonce resent by
  an HTTP client's retry with the same msgid and body included (it gets the first call's answer again).
* `national` (default): the spec as PROTOCOL.md states it; what it leaves open is reported; a used nonce is
  refused (§2.1: single-use), also on a retry.
* `strict`: refuses what the spec forbids: a msgid not of the §1.3 form, amounts as strings, an `inf_time`
  more than `clock_skew_seconds` off, an `infver` the platform did not issue, a Content-Type other than JSON.
* regional variants, as data in `profiles.toml` (e.g. `hunan`: sign-in optional, HN 1.1.27 allows an empty
  `sign_no`; `replay-refused`: a duplicate msgid refused even with the same body).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal, get_args

Deviation = Literal[
    "msgid_form",  # msgid not fixmedins_code + yyyyMMddHHmmss + 4 digits (PROTOCOL.md §1.3)
    "amount_as_string",  # an N field sent as a JSON string ("12.5") instead of a number (§1.6)
    "inf_time_skew",  # inf_time more than clock_skew_seconds from the platform clock (§1.2 #14)
    "unknown_infver",  # an infver the platform did not issue (§1.2 #10: "版本号由医保下发通知")
    "content_type",  # a Content-Type other than application/json (§1.1)
    "null_text",  # the literal string "null" in an optional envelope field (§1.2 #6, HN's sample)
    # a used x-tif-nonce resent with the same msgid and body: an HTTP client's automatic retry (urllib3
    # resends the same headers); §2.1 makes a nonce single-use, so only `lenient` accepts it (first answer)
    "nonce_retry",
]
DEVIATIONS: tuple[Deviation, ...] = get_args(Deviation)
Verdict = Literal["report", "refuse"]
DuplicateMsgid = Literal["replay", "refuse"]

PROFILES_FILE = Path(__file__).with_name("profiles.toml")


class ProfileError(ValueError):
    """A profile name that does not exist, or a profiles file that is malformed (names the entry)."""


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    verdicts: Mapping[Deviation, Verdict] = field(default_factory=dict)
    clock_skew_seconds: int = 600
    sign_in_required: bool = True
    duplicate_msgid: DuplicateMsgid = "replay"
    source: str = ""

    def refuses(self, deviation: Deviation) -> bool:
        return self.verdicts.get(deviation, "report") == "refuse"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "refused": sorted(name for name in DEVIATIONS if self.refuses(name)),
            "reported": sorted(name for name in DEVIATIONS if not self.refuses(name)),
            "clock_skew_seconds": self.clock_skew_seconds,
            "sign_in_required": self.sign_in_required,
            "duplicate_msgid": self.duplicate_msgid,
            "source": self.source,
        }


def load_profiles(path: Path = PROFILES_FILE) -> Mapping[str, Profile]:
    """Every profile of `profiles.toml`; a profile with `base` starts from that one's settings."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    profiles: dict[str, Profile] = {}
    for name, entry in raw.items():
        if not isinstance(entry, dict):
            raise ProfileError(f"{path.name}: [{name}] must be a table")
        base_name = entry.get("base")
        base = profiles.get(base_name) if isinstance(base_name, str) else None
        if base_name is not None and base is None:
            raise ProfileError(f"{path.name}: [{name}] base {base_name!r} must be a profile defined above it")
        verdicts: dict[Deviation, Verdict] = dict(base.verdicts) if base else {}
        for deviation, verdict in entry.get("verdicts", {}).items():
            if deviation not in DEVIATIONS or verdict not in ("report", "refuse"):
                raise ProfileError(f"{path.name}: [{name}] verdicts.{deviation} = {verdict!r} is not valid")
            verdicts[deviation] = verdict
        duplicate = entry.get("duplicate_msgid", base.duplicate_msgid if base else "replay")
        if duplicate not in ("replay", "refuse"):
            raise ProfileError(f"{path.name}: [{name}] duplicate_msgid must be 'replay' or 'refuse'")
        profiles[name] = Profile(
            name=name,
            description=str(entry.get("description", "")),
            verdicts=MappingProxyType(verdicts),
            clock_skew_seconds=int(entry.get("clock_skew_seconds", base.clock_skew_seconds if base else 600)),
            sign_in_required=bool(entry.get("sign_in_required", base.sign_in_required if base else True)),
            duplicate_msgid=duplicate,
            source=str(entry.get("source", "")),
        )
    return MappingProxyType(profiles)


PROFILES: Mapping[str, Profile] = load_profiles()
DEFAULT_PROFILE = "national"


def profile_named(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None


class ProfileSetting:
    """The profile a running platform applies; the control plane switches it (`PUT /_mock/profile`)."""

    def __init__(self, name: str = DEFAULT_PROFILE) -> None:
        self.current: Profile = profile_named(name)

    def switch(self, name: str) -> Profile:
        self.current = profile_named(name)
        return self.current

"""The mock as a conformance kit (issue #17): profiles of strictness, and what a vendor's HIS is checked by.

Never imports `adapter`: a HIS in any language is tested against it.
"""

from mock_platform.conformance.profiles import (
    DEFAULT_PROFILE,
    DEVIATIONS,
    PROFILES,
    Deviation,
    Profile,
    ProfileError,
    ProfileSetting,
    profile_named,
)

__all__ = [
    "DEFAULT_PROFILE",
    "DEVIATIONS",
    "PROFILES",
    "Deviation",
    "Profile",
    "ProfileError",
    "ProfileSetting",
    "profile_named",
]

"""The state of what every call reads besides its person: sign-in sessions and fault rules (issue #18).

Triggers raise one version on any change to a row of `schema.CALL_STATE_TABLES` (migration 12), by whatever
code or process. The dispatcher reads it once in each call's transaction, before anything of the call is
written; `SignInBook.check` and `FaultBook.take` keep what they read under a state and reuse it for a call
under the same state. The state also holds the store's count of rollbacks: what was read inside a
transaction later rolled back may be gone, and the version a rollback restores may be raised again by
another change, so a rollback since makes every kept value stale.
"""

from __future__ import annotations

from typing import NamedTuple


class CallState(NamedTuple):
    version: int
    rollbacks: int

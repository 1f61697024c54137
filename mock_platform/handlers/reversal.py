"""2601 冲正交易 (PROTOCOL.md §3.13, §6.4); the rules are in `backend.reversals`.

Output: none (an empty object). When there was nothing to undo the answer is still infcode 0, with
`warn_msg` "原交易[omsgid]未成功或已冲正，无需冲正", so a hospital resolving an unknown outcome can move on.
"""

from __future__ import annotations

from typing import Any

from mock_platform.handlers._base import HandlerContext, Transaction, input_node, require_person
from mock_platform.wire import ExpContent, Req, WireModel


class ReversalInput(WireModel):
    psn_no: Req
    omsgid: Req
    oinfno: Req
    exp_content: ExpContent


def reverse(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "data", ReversalInput)
    require_person(context, data.psn_no)
    correction = context.backend.corrections.correct(
        psn_no=data.psn_no,
        omsgid=data.omsgid,
        oinfno=data.oinfno,
        msgid=context.envelope.msgid,
        now=context.now,
    )
    if correction.warn_msg is not None:
        context.notes.append(correction.warn_msg)
    return {}


TRANSACTIONS = (Transaction("2601", "冲正交易", reverse, changes_state=True, idempotent=True),)

"""How a failed command speaks: Chinese words a cashier can act on, a JSON error object, an exit code.

The error tree (adapter/_errors.py) carries English detail for developers; a cashier sees a
Chinese headline, each problem with its place (a field path such as ``items[1].cnt``), and
what to do. The English detail and the error's class go to ``-v`` only.

Exit codes (stable; README and ``opsp --help`` list them):

====  =====================================================================================
0     done
2     bad input: a command-line usage error, a visit file with problems, an unknown code or
      settlement, a patient who cannot be settled as asked
3     done, but something needs a person: a batch not settled, flagged or in flight, a refund
      chain stopped (the output says which and what to do)
4     the platform: unreachable, refused, or a call whose outcome is unknown
1     anything else: settings or data files, an answer whose amounts do not add up
====  =====================================================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .._conditions import Condition, condition_of
from .._errors import AdapterError

__all__ = [
    "EXIT_ATTENTION",
    "EXIT_CODES_HELP",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_OTHER",
    "EXIT_PLATFORM",
    "Failure",
    "Problem",
    "failure_of",
    "problem_text",
]

EXIT_OK = 0
EXIT_OTHER = 1
EXIT_INPUT = 2
EXIT_ATTENTION = 3
EXIT_PLATFORM = 4

EXIT_CODES_HELP = (
    "exit codes: 0 done; 2 bad input (usage, visit file, unknown code or settlement); "
    "3 done but a batch or refund needs a person; 4 platform unreachable, refused or outcome unknown; "
    "1 anything else (settings, data files)"
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at one place: ``field`` is a path into the input (empty when none)."""

    field: str
    message: str
    stage: str = "format"
    """format (the file itself), catalogue (目录对照), eligibility (the patient), platform, ..."""

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "stage": self.stage}


@dataclass(frozen=True)
class Failure:
    """A failed command as people and machines see it."""

    code: str
    """Stable machine code (``invalid_input``, ``platform_unreachable``, ...)."""
    message: str
    """The headline, in Chinese."""
    action: str
    """What to do next, in Chinese."""
    exit_code: int
    problems: tuple[Problem, ...] = ()
    detail: str = ""
    """Developer detail (class, English text, infno/msgid): shown with -v and in JSON."""
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "action": self.action,
                "exit_code": self.exit_code,
                "problems": [problem.to_json() for problem in self.problems],
                "field": self.problems[0].field if len(self.problems) == 1 else "",
                "detail": self.detail,
                **self.extra,
            }
        }

    def text(self, *, verbose: bool) -> str:
        lines = [f"opsp：{self.message}"]
        lines += [f"  {problem_text(problem)}" for problem in self.problems]
        if self.action:
            lines.append(f"  处理：{self.action}")
        if verbose and self.detail:
            lines.append(f"  详情：{self.detail}")
        return "\n".join(lines)


def problem_text(problem: Problem) -> str:
    return f"{problem.field}：{problem.message}" if problem.field else problem.message


def failure_of(error: AdapterError) -> Failure:
    """The failure a cashier sees for an error of the tree (sorted once, by ``condition_of``)."""
    detail = f"{type(error).__name__}: {error}"
    return _FAILURES[condition_of(error)](error, detail)


def _input(error: AdapterError, detail: str) -> Failure:
    problems = tuple(getattr(error, "problems", ()) or _input_problems(error))
    return Failure(
        "invalid_input",
        f"输入有误（{len(problems)} 处）" if len(problems) > 1 else "输入有误",
        "请按提示改正后重新提交；未向医保平台发送任何结算交易。",
        EXIT_INPUT,
        problems,
        detail,
    )


def _mapping(error: AdapterError, detail: str) -> Failure:
    code = getattr(error, "code", "") or ""
    return Failure(
        "unknown_code",
        f"编码 {code} 无法对照".strip() if code else "编码无法对照",
        "请核对编码，或请医保办在目录对照中补充该编码。",
        EXIT_INPUT,
        (Problem("", translate(str(error)), "catalogue"),),
        detail,
    )


def _not_eligible(error: AdapterError, detail: str) -> Failure:
    return Failure(
        "not_eligible",
        "患者不能按所请求的方式结算",
        "请在账单中注明险种（patient.insutype），或按普通门诊/自费处理。",
        EXIT_INPUT,
        (Problem("patient.insutype", translate(str(error)), "eligibility"),),
        detail,
    )


def _person_busy(error: AdapterError, detail: str) -> Failure:
    return Failure(
        "person_busy",
        "另一收费窗口正在为该患者办理结算或退费",
        "未发送任何交易；请稍候片刻，待对方办完后重新提交。",
        EXIT_ATTENTION,
        detail=detail,
    )


def _in_flight(error: AdapterError, detail: str) -> Failure:
    return Failure(
        "in_flight",
        "该患者有未完成的结算或退费",
        "请先运行 opsp recover，再重新提交。",
        EXIT_ATTENTION,
        detail=detail,
    )


def _amount_mismatch(error: AdapterError, detail: str) -> Failure:
    return Failure(
        "amount_mismatch",
        "医保平台返回的金额核对不符",
        "请勿按此金额收费；请联系医保办核对。",
        EXIT_OTHER,
        tuple(Problem("", problem, "platform") for problem in getattr(error, "problems", ())),
        detail,
    )


def _unreachable(error: AdapterError, detail: str) -> Failure:
    return Failure(
        "platform_unreachable",
        "无法连接医保平台或平台应答异常",
        "请检查网络和平台地址（--platform）后重试；需要时可按自费收取，费用明细稍后上传。",
        EXIT_PLATFORM,
        detail=detail,
    )


def _outcome_unknown(error: AdapterError, detail: str) -> Failure:
    return Failure(
        "outcome_unknown",
        "医保平台未返回确定结果，结算状态不明",
        "请勿重复收费；运行 opsp recover 处理后再继续。",
        EXIT_PLATFORM,
        detail=detail,
    )


def _platform_said(error: AdapterError) -> tuple[str, tuple[Problem, ...]]:
    err_msg = getattr(error, "err_msg", "")
    said = f"医保平台答复：{err_msg}" if err_msg else ""
    return said, ((Problem("", said, "platform"),) if said else ())


def _platform_auth(error: AdapterError, detail: str) -> Failure:
    return Failure(
        "platform_auth",
        "医保平台拒绝签到或签名",
        "请检查设置中的网关凭据和操作员（--settings）。",
        EXIT_PLATFORM,
        _platform_said(error)[1],
        detail,
    )


def _platform_down(error: AdapterError, detail: str) -> Failure:
    return Failure(
        "platform_unavailable",
        "医保平台暂停服务（停机或维护）",
        "请稍后重试；需要时可按自费收取，费用明细在 3 个工作日内上传。",
        EXIT_PLATFORM,
        _platform_said(error)[1],
        detail,
    )


def _patient_not_found(error: AdapterError, detail: str) -> Failure:
    said, _ = _platform_said(error)
    return Failure(
        "patient_not_found",
        "医保平台查不到该患者",
        "请核对凭证类型和号码（patient.mdtrt_cert_type / mdtrt_cert_no），或请患者按自费结算。",
        EXIT_PLATFORM,
        (Problem("patient.mdtrt_cert_no", said or "查无此人", "eligibility"),),
        detail,
    )


def _platform_refused(error: AdapterError, detail: str) -> Failure:
    return Failure(
        "platform_refused",
        "医保平台拒绝了请求",
        "请按平台答复处理；如有疑问请联系医保办。",
        EXIT_PLATFORM,
        _platform_said(error)[1],
        detail,
    )


def _journal_owner(error: AdapterError, detail: str) -> Failure:
    # The error already says, in Chinese, what is wrong and what to do.
    return Failure("journal_owner", getattr(error, "cashier_message", ""), "", EXIT_OTHER, detail=detail)


def _configuration(error: AdapterError, detail: str) -> Failure:
    text = str(error)
    said = translate(text)
    # Settings and data files are the operator's to fix: the file and the reason are shown as
    # they are (a path, an SQLite message), below the Chinese headline.
    problems = (Problem("", said if said != _GENERIC else text, "settings"),)
    return Failure(
        "configuration",
        "设置或数据文件有误",
        "请联系信息科检查设置文件（--settings）和数据文件。",
        EXIT_OTHER,
        problems,
        detail,
    )


def _other(error: AdapterError, detail: str) -> Failure:
    return Failure("error", "操作未完成", "请联系信息科，并提供 -v 输出的详情。", EXIT_OTHER, detail=detail)


_FAILURES: dict[Condition, Callable[[AdapterError, str], Failure]] = {
    Condition.INPUT: _input,
    Condition.MAPPING: _mapping,
    Condition.NOT_ELIGIBLE: _not_eligible,
    Condition.PERSON_BUSY: _person_busy,
    Condition.IN_FLIGHT: _in_flight,
    Condition.AMOUNT_MISMATCH: _amount_mismatch,
    Condition.UNREACHABLE: _unreachable,
    Condition.CLIENT_CLOSED: _other,  # a program's mistake (opsp never calls after close): -v tells
    Condition.TIMEOUT: _unreachable,
    Condition.BAD_ANSWER: _unreachable,
    Condition.PLATFORM_DOWN: _platform_down,
    Condition.PLATFORM_AUTH: _platform_auth,
    Condition.PATIENT_NOT_FOUND: _patient_not_found,
    Condition.PLATFORM_REFUSED: _platform_refused,
    Condition.OUTCOME_UNKNOWN: _outcome_unknown,
    Condition.JOURNAL_OWNER: _journal_owner,
    Condition.CONFIGURATION: _configuration,
    Condition.OTHER: _other,
}
"""Every condition's words at the desk (a test checks none is missing)."""


def _input_problems(error: AdapterError) -> list[Problem]:
    """An InputError's message, split into its problems and put into Chinese."""
    text, where = str(error), getattr(error, "where", "")
    if where and text.startswith(f"{where}: "):
        return [Problem(where, translate(text[len(where) + 2 :]))]
    text = text.removeprefix("invalid visit: ")
    problems = []
    for part in _split_problems(text):
        where, _, message = part.partition(": ")
        if message and _looks_like_place(where):
            problems.append(Problem(where, translate(message)))
        else:
            problems.append(Problem("", translate(part)))
    return problems


def _split_problems(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"; (?=[a-z_]+[\[.:(]|[a-z_]+: )", text) if part.strip()]


def _looks_like_place(text: str) -> bool:
    return bool(re.fullmatch(r"[a-z_]+(\[\d+\])?( \(feedetl_sn [^)]*\))?(\.[a-z_]+(\[\d+\])?)*", text))


# English detail → Chinese, for the messages the planner and the lookups produce. Anything not
# listed becomes a generic Chinese sentence (the English stays in the -v detail), so a cashier
# never reads English.
_PHRASES: tuple[tuple[str, str], ...] = (
    (r"must be greater than zero", "必须大于 0"),
    (r"must not be negative", "不能为负数"),
    (r"has more than (\d+) decimal places", r"小数位数超过 \1 位"),
    (r"must be yyyy-MM-dd HH:mm:ss", "时间格式应为 yyyy-MM-dd HH:mm:ss"),
    (r"Field required", "缺少此项"),
    (r"is required", "必须填写"),
    (r"Extra inputs are not permitted", "不认识的字段（请核对字段名）"),
    (r"String should have at least 1 character", "不能为空"),
    (r"List should have at least 1 item.*", "至少要有一项"),
    (r"Tuple should have at least 1 item.*", "至少要有一项"),
    (r"Input should be a valid string", "应为文本"),
    (r"Input should be a valid (list|array|tuple)", "应为列表"),
    (r"Input should be a valid (dictionary|object).*", "应为对象"),
    (r"Input should be (.+)", r"应为 \1"),
    (r"duplicate within the visit", "在本次账单中重复"),
    (r"diag_code (\S+) appears more than once", r"诊断编码 \1 重复"),
    (r"(\S+) is not one of the visit's diagnoses", r"\1 不是本次就诊的诊断"),
    (
        r"card_sn is required for a social security card.*",
        "使用社会保障卡（mdtrt_cert_type 03）时必须填写 card_sn",
    ),
    (
        r"(\S+) is not in this hospital's 目录对照",
        r"\1 不在本院目录对照中：请核对项目编码，或请医保办补充对照",
    ),
    (
        r"(\S+) is neither an ICD-10 code nor in the hospital's local diagnosis table",
        r"\1 既不是 ICD-10 编码，也不在本院诊断对照表中",
    ),
    (r"(\S+) is not an ICD-10 code.*", r"\1 不是 ICD-10 编码"),
    (r"settings file not found: (.+)", r"找不到设置文件 \1"),
    (r"cannot read visit file (.+?): (.+)", r"无法读取账单文件 \1"),
    (r"visit file (.+?) is not valid JSON.*", r"账单文件 \1 不是有效的 JSON"),
    (
        r"settlement (\S+) is not in the journal",
        r"本机日志中没有结算 \1：请核对结算ID，或用结算时的 --journal",
    ),
    (
        r"settlement (\S+) was refunded and settled again as (\S+): refund \2",
        r"结算 \1 已退费并重新结算为 \2：如需退费，请退 \2",
    ),
    (r"settlement (\S+) was already refunded.*", r"结算 \1 已退费，无需再退"),
    (r"settlement (\S+) has no recorded answer in the journal", r"本机日志中没有结算 \1 的结算结果"),
    (r"feedetl_sn (.+) not in this settlement \(it has (.+)\)", r"明细 \1 不属于该结算（该结算的明细：\2）"),
    (r"printing receipts needs Jinja2: (.+)", r"打印票据需要 Jinja2，尚未安装：请安装 \1"),
    (
        r"printing a PDF needs Chromium: apt-get install chromium.*",
        r"打印 PDF 需要 Chromium 浏览器：请安装 apt-get install chromium（或用 OPSP_CHROMIUM 指定）",
    ),
    (r"Chromium could not print the receipt: .*", r"Chromium 未能打印票据（运行时加 -v 查看详情）"),
    (r"the patient has no insurance (\S+); choices: (.+)", r"患者没有险种 \1（可选：\2）"),
    (
        r"choose the insurance \(insutype\) for this visit; choices: (.+)",
        r"患者有多个险种，请指定（可选：\1）",
    ),
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_GENERIC = "内容不符合要求（运行时加 -v 查看详情）"


def translate(text: str) -> str:
    """The Chinese for a known English message; a generic sentence for an unknown one."""
    for pattern, chinese in _PHRASES:
        match = re.fullmatch(pattern, text.strip(), flags=re.DOTALL)
        if match:
            return match.expand(chinese).replace(" or ", " 或 ")
    if _CJK.search(text) and not re.search(r"[A-Za-z]{4,} [A-Za-z]{3,}", text):
        return text  # already Chinese (a platform's err_msg, a planner's reason)
    return _GENERIC

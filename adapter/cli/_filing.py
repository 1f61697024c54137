"""``opsp filing add | revoke | recover``: chronic-disease filings this hospital makes (2503 / 2504).

Journaled like every state-changing call (adapter/filings/_run.py). Exit codes: 0 done (filed: waiting for the
insurer's approval; revoked); 2 bad input (nothing sent); 3 ``recover`` found a call the platform refused when
asked again (the filing or revocation was not made); 4 the platform refused, or the outcome is unknown (run
``opsp filing recover``).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from .._adapter import Adapter
from .._errors import InputError
from ..filings import FilingOutcome, FilingRequest, RevocationOutcome, RevocationRequest
from ..filings._render import render_filing, render_filing_recovery, render_revocation
from ._failure import EXIT_ATTENTION, EXIT_OK, EXIT_PLATFORM
from ._output import emit, plain
from ._platform import add_journal_option, add_platform_options, open_journal, platform_client

# The library names a request's fields; the cashier typed flags.
_FLAGS = {
    "mdtrt_cert_type": "--cert-type",
    "mdtrt_cert_no": "--cert-no",
    "card_sn": "--card-sn",
    "opsp_dise_code": "--disease",
    "hosp_ide_date": "--assessed",
    "begndate": "--from",
    "enddate": "--to",
    "diag_dr_codg": "--doctor-code",
    "diag_dr_name": "--doctor-name",
    "trt_dcla_detl_sn": "TRT_DCLA_DETL_SN",
    "memo": "--reason",
}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    filing = commands.add_parser("filing", help="file (2503) or revoke (2504) a patient's chronic disease")
    actions = filing.add_subparsers(dest="filing_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="file a chronic disease this hospital assessed (2503), journaled")
    _card_options(add)
    add.add_argument("--insutype", default="", help="the insurance, when the patient has several")
    add.add_argument("--disease", required=True, help="the insured place's disease code (M01600, WH-S03, …)")
    add.add_argument("--disease-name", default="", help="default: the insured place's name for the code")
    add.add_argument("--assessed", required=True, type=_date, help="医院鉴定日期 (yyyy-mm-dd)")
    add.add_argument("--from", dest="begndate", type=_date, help="开始日期 (default: the assessment date)")
    add.add_argument("--to", dest="enddate", type=_date, help="结束日期 (default: none, open-ended)")
    add.add_argument("--doctor-code", required=True, help="诊断医师编码 (national doctor code)")
    add.add_argument("--doctor-name", required=True, help="诊断医师姓名")
    _common(add)
    add.set_defaults(func=add_command)
    revoke = actions.add_parser("revoke", help="revoke a filing the insurer has not approved yet (2504)")
    revoke.add_argument("trt_dcla_detl_sn", metavar="TRT_DCLA_DETL_SN", help="the number 2503 answered")
    _card_options(revoke)
    revoke.add_argument("--reason", required=True, help="撤销原因 (kept in the journal: no personal data)")
    _common(revoke)
    revoke.set_defaults(func=revoke_command)
    recover = actions.add_parser("recover", help="ask again every 2503/2504 whose answer was lost")
    _common(recover)
    recover.set_defaults(func=recover_command)


def _card_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cert-type", required=True, help="就诊凭证类型: 01 电子凭证, 02 身份证, 03 社保卡")
    parser.add_argument("--cert-no", required=True, help="就诊凭证编号")
    parser.add_argument("--card-sn", default="", help="卡识别码 (required with 03)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON (errors too: an error object)")
    add_platform_options(parser)
    add_journal_option(parser)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} 不是日期，应为 yyyy-mm-dd") from None


def add_command(args: argparse.Namespace) -> int:
    request = FilingRequest(
        mdtrt_cert_type=args.cert_type,
        mdtrt_cert_no=args.cert_no,
        card_sn=args.card_sn,
        insutype=args.insutype,
        opsp_dise_code=args.disease.strip(),
        opsp_dise_name=args.disease_name,
        hosp_ide_date=args.assessed,
        begndate=args.begndate or args.assessed,
        enddate=args.enddate,
        diag_dr_codg=args.doctor_code,
        diag_dr_name=args.doctor_name,
    )
    with open_journal(args) as journal, platform_client(args) as client, _flags():
        outcome = Adapter(client, journal=journal).file_disease(request)
    emit(plain(outcome), render_filing(outcome), as_json=args.json)
    return EXIT_OK if outcome.status == "filed" else EXIT_PLATFORM


def revoke_command(args: argparse.Namespace) -> int:
    request = RevocationRequest(
        trt_dcla_detl_sn=args.trt_dcla_detl_sn,
        mdtrt_cert_type=args.cert_type,
        mdtrt_cert_no=args.cert_no,
        card_sn=args.card_sn,
        memo=args.reason,
    )
    with open_journal(args) as journal, platform_client(args) as client, _flags():
        outcome = Adapter(client, journal=journal).revoke_filing(request)
    emit(plain(outcome), render_revocation(outcome), as_json=args.json)
    return EXIT_OK if outcome.status == "revoked" else EXIT_PLATFORM


def recover_command(args: argparse.Namespace) -> int:
    with open_journal(args) as journal, platform_client(args) as client:
        outcomes = Adapter(client, journal=journal).recover_filings()
    emit([_recovered_json(o) for o in outcomes], render_filing_recovery(outcomes), as_json=args.json)
    if any(o.status == "unknown" for o in outcomes):
        return EXIT_PLATFORM
    return EXIT_ATTENTION if any(o.status == "refused" for o in outcomes) else EXIT_OK


def _recovered_json(outcome: FilingOutcome | RevocationOutcome) -> dict[str, object]:
    infno = "2503" if isinstance(outcome, FilingOutcome) else "2504"
    return {"infno": infno, **plain(outcome)}


@contextmanager
def _flags() -> Iterator[None]:
    """Names the flag in an ``InputError`` about a request field (``--disease (opsp_dise_code)``)."""
    try:
        yield
    except InputError as error:
        if error.where not in _FLAGS:
            raise
        message = str(error).removeprefix(f"{error.where}: ")
        raise InputError(message, where=f"{_FLAGS[error.where]} ({error.where})") from error

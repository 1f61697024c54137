"""The ``opsp`` command: the demo's table, and failures as one clear line with exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter import decode
from adapter.cli import main
from mock_platform import MockPlatform
from tests.mock_platform.serving import serving


def test_demo_prints_one_masked_row_per_patient(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("P")]
    assert [row.split()[0] for row in rows] == [f"P{n}" for n in range(1, 11)]
    first = rows[0]
    assert "马*国" in first
    assert "640100 银川市" in first
    assert "310 职工基本医疗保险" in first
    assert "M01600 糖尿病 2024-01-01→" in first
    assert "暂停参保" in rows[5]  # P6
    assert "WH-S01 肺心病" in rows[8]  # P9
    for personal in ("马建国", "640104196203152010", "A64010001", "ec-demo-p1"):
        assert personal not in out


def test_configuration_errors_are_chinese_with_what_to_do_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPSP_CONFIG_DIR", str(tmp_path))
    assert main(["demo"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("opsp：设置或数据文件有误")
    assert "处理：请联系信息科检查设置文件" in err
    assert f"  找不到设置文件 {tmp_path}/adapter/demo.toml\n" in err
    assert "ConfigurationError" not in err  # the class name is for -v only
    assert main(["demo", "-v"]) == 1
    assert "详情：ConfigurationError: " in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settle-everything"]) == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("platform", ["127.0.0.1:8080", "ftp://127.0.0.1:8080", "http://"])
def test_a_platform_url_nothing_can_be_sent_to_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], platform: str
) -> None:
    # Before: the URL went into the settings' endpoint and the first call failed as a platform error.
    assert main(["demo", "--platform", platform]) == 2
    err = capsys.readouterr().err
    assert "argument --platform: must be an absolute http:// or https:// URL" in err


@pytest.mark.parametrize(
    "platform", ["http://127.0.0.1:8080?x=1", "http://127.0.0.1:8080/#", "http://h/base?"]
)
def test_a_platform_url_with_a_query_or_fragment_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], platform: str
) -> None:
    # Before: accepted, and the platform's path was appended after the ? or # (the query or the
    # fragment): every call went to the server's root path.
    assert main(["demo", "--platform", platform]) == 2
    err = capsys.readouterr().err
    assert (
        "argument --platform: a base URL such as http://127.0.0.1:8080, with no query (?) or fragment" in err
    )


@pytest.mark.parametrize(
    "platform",
    [
        "http://opsp:secret@xn--a.test:8080",
        "http://opsp:sec/ret@127.0.0.1:8080",
        "http://opsp:secret@[::1",
        "http://opsp:secret\udcb5@127.0.0.1:8080",  # an argument in another encoding (surrogateescape)
    ],
)
def test_a_platform_url_with_a_password_is_refused_without_printing_it(
    capsys: pytest.CaptureFixture[str], platform: str
) -> None:
    # Before: argparse echoed the whole URL ("invalid _platform_url value: 'http://opsp:secret@…'") for
    # a host idna refuses, and the reason quoted httpx's "Invalid port: 'sec'" for the others.
    assert main(["demo", "--platform", platform]) == 2
    err = capsys.readouterr().err
    assert "argument --platform: must be an absolute http:// or https:// URL" in err
    assert "sec" not in err
    assert "opsp:" not in err.replace("opsp demo", "")


def test_the_demo_names_its_platform_without_the_urls_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "平台 http://his:s3cret@127.0.0.1:…" on the desk's screen, and in the JSON.
    with MockPlatform() as mock, serving(mock) as url:
        platform = url.replace("http://", "http://his:s3cret@")
        assert main(["demo", "--platform", platform, "--json"]) == 0
        assert decode(capsys.readouterr().out.encode())["platform"] == url.replace("http://", "http://***@")
        assert main(["demo", "--platform", platform]) == 0
        out = capsys.readouterr().out
    assert f"平台 {url.replace('http://', 'http://***@')}\n" in out
    assert "s3cret" not in out


@pytest.mark.parametrize("command", ["demo", "settle", "serve"])
def test_the_settings_help_says_what_becomes_of_its_endpoint(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # Before: "the endpoint in it is used only with --platform", but --platform replaces it, and only the
    # embedded platform (without --platform) is reached at its path.
    assert main([command, "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert (
        "with --platform its endpoint is replaced by that URL + /fsi/api/rsfComIfsService/callService;"
        " without it, the embedded demo platform answers at the endpoint's path, whatever its host"
    ) in help_text


@pytest.mark.parametrize(
    ("endpoint", "embedded"),
    [("http://elsewhere.test/fsi/api/{infno}", 0), ("http://elsewhere.test/x/{infno}", 4)],
)
def test_what_opsp_does_with_the_settings_endpoint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, endpoint: str, embedded: int
) -> None:
    # What the help says. Without --platform the embedded platform answers at the endpoint's path (it
    # serves /fsi/api/{infno} and the single URL; elsewhere 未找到请求地址). With --platform the endpoint,
    # host and path, is replaced by that base URL + the single URL.
    demo = (Path(__file__).parents[2] / "config" / "adapter" / "demo.toml").read_text(encoding="utf-8")
    settings = tmp_path / "adapter.toml"
    settings.write_text(
        demo.replace("http://mock.local/fsi/api/rsfComIfsService/callService", endpoint), encoding="utf-8"
    )
    assert main(["demo", "--settings", str(settings), "--json"]) == embedded
    with MockPlatform() as mock, serving(mock) as url:
        assert main(["demo", "--platform", url, "--settings", str(settings), "--json"]) == 0
    capsys.readouterr()

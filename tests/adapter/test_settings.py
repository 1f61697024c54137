"""Settings: TOML file, OPSP_* environment over it, secrets kept secret, bad values fail early."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapter import ConfigurationError, PlatformClient, load_settings

TOML = """
fixmedins_code = "H42010200001"
fixmedins_name = "武汉市示范医院"
mdtrtarea_admvs = "420100"
opter = "0001"
opter_name = "收费员甲"
endpoint = "https://hsa.test/fsi/api/{infno}"

[gateway]
scheme = "tif"
tif_paasid = "opsp-demo"
tif_token = "opsp-demo-token"

[timeouts]
read = 120
"""


def test_toml_file_with_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "adapter.toml"
    path.write_text(TOML, encoding="utf-8")
    monkeypatch.setenv("OPSP_OPTER", "0002")
    monkeypatch.setenv("OPSP_GATEWAY__TIF_PAASID", "from-env")
    settings = load_settings(path)
    assert settings.opter == "0002"
    assert settings.gateway.tif_paasid == "from-env"
    assert settings.gateway.scheme == "tif"
    assert settings.timeouts.read == 120
    assert settings.url_for("2207") == "https://hsa.test/fsi/api/2207"


def test_secrets_do_not_print(tmp_path: Path) -> None:
    path = tmp_path / "adapter.toml"
    path.write_text(TOML, encoding="utf-8")
    settings = load_settings(path)
    assert "opsp-demo-token" not in repr(settings)
    assert "opsp-demo-token" not in str(settings.model_dump())
    assert settings.gateway.tif_token.get_secret_value() == "opsp-demo-token"


def test_every_bad_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "adapter.toml"
    path.write_text(TOML.replace('"H42010200001"', '"H4201"').replace('"420100"', '"42"'), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "fixmedins_code: Value error, must be 12 characters" in message
    assert "mdtrtarea_admvs: Value error, must be a 6-digit area code" in message
    assert str(path) in message


def test_missing_and_unknown_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPSP_OPTER", raising=False)
    with pytest.raises(ConfigurationError, match="opter: Field required"):
        load_settings(
            fixmedins_code="H42010200001", fixmedins_name="x", mdtrtarea_admvs="420100", opter_name="y"
        )
    with pytest.raises(ConfigurationError, match=r"gateway\.schema: Extra inputs are not permitted"):
        load_settings(
            fixmedins_code="H42010200001",
            fixmedins_name="x",
            mdtrtarea_admvs="420100",
            opter="1",
            opter_name="y",
            gateway={"schema": "tif"},
        )


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="settings file not found"):
        load_settings(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("fixmedins_code = ", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="is not valid TOML"):
        load_settings(broken)


def test_a_billing_node_digit_shapes_the_msgids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "adapter.toml"
    path.write_text(TOML, encoding="utf-8")
    monkeypatch.setenv("OPSP_MSGID_NODE", "4")
    settings = load_settings(path)
    assert settings.msgid_node == 4
    with PlatformClient(settings) as client:
        msgid = client.new_msgid()
    assert (len(msgid), msgid[:12], msgid[26:]) == (30, "H42010200001", "4001")
    with pytest.raises(ConfigurationError, match="msgid_node: Input should be less than or equal to 9"):
        load_settings(path, msgid_node=12)


BASE = {
    "fixmedins_code": "H42010200001",
    "fixmedins_name": "武汉市示范医院",
    "mdtrtarea_admvs": "420100",
    "opter": "0001",
    "opter_name": "收费员甲",
}


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("", "it is empty"),
        ("ftp://x/fsi/api", "its scheme is ftp"),
        ("file:///fsi/api", "its scheme is file"),
        ("127.0.0.1:8080/path", "it has no scheme"),
        ("mock.local/fsi/api", "it has no scheme"),
        ("http:///path", "it has no host"),
        ("https:hsa.test/fsi", "it has no host"),
        ("http://:8080/fsi", "it has no host"),
        ("http://hsa.test:99999/fsi", "its port 99999 is not 1 to 65535"),
        ("http://hsa.test/fsi/{infon}", "only {infno} may be written in braces"),
        (" http://hsa.test/fsi", "it holds a blank (a space or a line break)"),
        ("http://hsa.test/fsi api", "it holds a blank (a space or a line break)"),
        ("http://hsa.test/fsi\r\n", "it holds a blank (a space or a line break)"),
    ],
)
def test_an_endpoint_nothing_can_be_sent_to_fails_at_load(endpoint: str, reason: str) -> None:
    # Before: every one of these loaded, and the first call failed (a ProtocolError, retried, or an
    # OutcomeUnknownError for a state-changing call, or a ValueError outside the tree) although
    # nothing had been sent.
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**BASE, endpoint=endpoint)
    message = str(caught.value)
    assert "endpoint: Value error, must be an absolute http:// or https:// URL" in message
    assert message.endswith(f"; {reason}")


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8080/fsi/api/rsfComIfsService/callService",
        "https://hsa.test/fsi/api/{infno}",
        "https://{infno}.hsa.test/fsi/api",
        "HTTPS://hsa.test:8443/fsi/api?channel=his",
        "http://[::1]:8080/fsi",
        "http://user:secret@hsa.test/fsi",
        "http://hsa.test",
    ],
)
def test_every_http_endpoint_with_a_host_loads(endpoint: str) -> None:
    settings = load_settings(**BASE, endpoint=endpoint)
    assert settings.url_for("2207") == endpoint.replace("{infno}", "2207")


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("ftp://user:secret@hsa.test/fsi", "its scheme is ftp"),
        # A / ? or # left unencoded in a password ends the authority there: httpx reads the password's
        # first part as the port and quoted it ("Invalid port: 'sec'"), and the message quoted httpx.
        ("http://opsp:sec/ret@hsa.test/fsi", "its port is not a number"),
        ("http://opsp:sec#ret@hsa.test/fsi", "its port is not a number"),
        ("http://opsp:sec?ret@hsa.test/fsi", "its port is not a number"),
        ("http://opsp:secret@[::1/fsi", "its port is not a number"),
        ("http://opsp:secret@hsa\x00.test/fsi", "it holds a control character"),
        ("http://opsp:secret@256.256.256.256/fsi", "its host is not a valid IPv4 address"),
        ("http://opsp:secret@[v1.secret]/fsi", "its host is not a valid IPv6 address"),
        # httpx.Client decodes an xn-- host before every request: idna's own ValueError, which quoted
        # the label, reached the message (and made `opsp --platform` echo the whole URL).
        ("http://opsp:secret@xn--a.test/fsi", "its host is not a valid host name"),
        ("http://opsp:secret@hsa.test/" + "a" * 70_000, "it is too long"),
    ],
)
def test_the_endpoint_problem_does_not_print_its_credentials(endpoint: str, reason: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**BASE, endpoint=endpoint)
    message = str(caught.value)
    assert "endpoint: Value error, must be an absolute http:// or https:// URL" in message
    assert f"; {reason}" in message
    assert "sec" not in message
    assert "opsp" not in message


@pytest.mark.parametrize("field", ["tif_paasid", "tif_service_id", "csb_access_key", "csb_api_version"])
@pytest.mark.parametrize("value", ["k7q\r\nX-Injected: 1", "k7q\n", "示范医院", "k7q\t1", " k7q", "k7q "])
def test_a_gateway_value_no_http_header_can_carry_fails_at_load(field: str, value: str) -> None:
    # Before: it loaded; at the first call a line break read as a broken answer (an unknown outcome for
    # a state-changing call) and a non-ASCII value raised UnicodeEncodeError, though nothing was sent.
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**BASE, gateway={"scheme": "tif", field: value})
    message = str(caught.value)
    assert f"gateway.{field}: Value error, must be printable ASCII" in message
    assert message.endswith("(it is sent as an HTTP header)")
    assert value.strip() not in message  # the value itself is not repeated (it may be a key)


def test_a_gateway_value_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSP_GATEWAY__TIF_PAASID", "opsp-demo\n")  # e.g. read from a file with its newline
    with pytest.raises(
        ConfigurationError,
        match=r"gateway\.tif_paasid \(environment variable OPSP_GATEWAY__TIF_PAASID\): Value error, must be",
    ):
        load_settings(**BASE)


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{name}", "must be a template whose only field is {infno}"),
        ("hsa.{infno", "must be a template whose only field is {infno}"),
        ("{0}", "must be a template whose only field is {infno}"),
        ("{infno.real}", "must be a template whose only field is {infno}"),
        ("服务{infno}", "must be printable ASCII"),
        ("hsa\n{infno}", "must be printable ASCII"),
    ],
)
def test_a_csb_api_name_template_is_checked_at_load(template: str, reason: str) -> None:
    # Before: "{name}" raised KeyError at the first call, outside the error tree.
    with pytest.raises(ConfigurationError, match=rf"gateway\.csb_api_name: Value error, {re.escape(reason)}"):
        load_settings(**BASE, gateway={"scheme": "csb", "csb_api_name": template})


def test_printable_gateway_values_load_and_secrets_may_be_any_text() -> None:
    gateway = {
        "scheme": "csb",
        "csb_access_key": "ak-1 2",
        "csb_api_version": "1.0.0",
        "csb_api_name": "hsa.{infno}.svc",
        "csb_secret_key": "密钥 with spaces\n",  # only hashed, never sent
        "tif_paasid": "",
    }
    settings = load_settings(**BASE, gateway=gateway)
    assert settings.gateway.csb_api_name.format(infno="2207") == "hsa.2207.svc"


@pytest.mark.parametrize(
    ("variable", "field", "reason"),
    [
        ("OPSP_GATEWAY__TIF_TOKEN", "gateway.tif_token", "must be text, without bytes that are not UTF-8"),
        (
            "OPSP_GATEWAY__CSB_SECRET_KEY",
            "gateway.csb_secret_key",
            "must be text, without bytes that are not UTF-8",
        ),
        ("OPSP_ENDPOINT", "endpoint", "must be an absolute http:// or https:// URL with a host"),
    ],
)
def test_an_environment_value_in_another_encoding_fails_at_load(
    monkeypatch: pytest.MonkeyPatch, variable: str, field: str, reason: str
) -> None:
    # A GBK secret in the environment: Python reads its bytes as lone surrogates. Before: the token and
    # the key loaded and every call raised UnicodeEncodeError (outside the error tree) when signing;
    # the endpoint raised it from the check itself, quoting nothing of use.
    secret = b"http://his:\xc3\xdc@hsa.test/fsi" if variable == "OPSP_ENDPOINT" else b"\xc3\xdc-key"
    monkeypatch.setenv(variable, secret.decode("utf-8", "surrogateescape"))
    monkeypatch.setenv("OPSP_GATEWAY__SCHEME", "tif")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**BASE)
    message = str(caught.value)
    assert f"{field} (environment variable {variable}): Value error, {reason}" in message
    assert message.endswith("bytes that are not UTF-8 text (an environment variable in another encoding?)")
    assert "his:" not in message


def test_a_bad_environment_variable_is_named_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: "invalid adapter settings in …/adapter.toml: timeouts.read: …" sent the operator to a file that
    # was right; the bad value was OPSP_TIMEOUTS__READ. Its value is never quoted (it may be a secret).
    path = tmp_path / "adapter.toml"
    path.write_text(TOML.replace('"H42010200001"', '"H4201"'), encoding="utf-8")
    monkeypatch.setenv("OPSP_TIMEOUTS__READ", "-7351")
    monkeypatch.setenv("opsp_gateway__tif_paasid", "k7q\n")  # any case is read: named as it is set
    monkeypatch.setenv("OPSP_GATEWAY", '{"scheme": "tif", "tif_service_id": "9\\t8"}')  # JSON, over the file
    with pytest.raises(ConfigurationError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith("invalid adapter settings: ")  # not "in <file>": not the only source
    assert f"fixmedins_code (in {path}): Value error, must be 12 characters" in message
    for problem in (
        "timeouts.read (environment variable OPSP_TIMEOUTS__READ): Input should be greater than 0",
        "gateway.tif_paasid (environment variable opsp_gateway__tif_paasid): Value error, must be printable",
        "gateway.tif_service_id (environment variable OPSP_GATEWAY): Value error, must be printable",
    ):
        assert problem in message
    assert "7351" not in message
    assert "k7q" not in message


def test_a_file_alone_at_fault_is_named_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "adapter.toml"
    path.write_text(TOML.replace('"420100"', '"42"'), encoding="utf-8")
    monkeypatch.setenv("OPSP_OPTER", "0002")  # set, and valid: the file is still the only one at fault
    monkeypatch.setenv("OPSP_FIXMEDINS_CODE", "H4201")  # overridden by the caller: not the environment's
    with pytest.raises(ConfigurationError) as caught:
        load_settings(path, fixmedins_code="H4201")
    message = str(caught.value)
    assert message.startswith(f"invalid adapter settings in {path}: ")
    assert "mdtrtarea_admvs: Value error, must be a 6-digit area code" in message
    assert "fixmedins_code: Value error, must be 12 characters" in message
    assert "environment" not in message


@pytest.mark.parametrize(
    "field",
    [
        "fixmedins_name",
        "opter_name",
        "opter",
        "recer_sys_code",
        "infver",
        "sign_in_mac",
        "sign_in_ip",
        "signtype",
        "dev_no",
    ],
)
def test_envelope_text_in_another_encoding_fails_at_load(monkeypatch: pytest.MonkeyPatch, field: str) -> None:
    # A GBK 收费员 in OPSP_OPTER_NAME is read as lone surrogates. Before: it loaded, and the first call failed
    # as an InputError blaming the visit data ("the request holds text that is not valid UTF-8").
    monkeypatch.setenv(f"OPSP_{field.upper()}", "收费员".encode("gbk").decode("utf-8", "surrogateescape"))
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**{key: value for key, value in BASE.items() if key != field})
    message = str(caught.value)
    assert message == (
        f"invalid adapter settings: {field} (environment variable OPSP_{field.upper()}): Value error, must be"
        " text, without bytes that are not UTF-8 text (an environment variable in another encoding?)"
    )


def test_a_fixmedins_code_in_another_encoding_fails_at_load() -> None:
    code = b"H4201020000\xb5".decode("utf-8", "surrogateescape")  # 12 characters: the length check passed
    with pytest.raises(ConfigurationError, match="fixmedins_code: Value error, must be text, without bytes"):
        load_settings(**{**BASE, "fixmedins_code": code})


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        (  # a value in GBK
            b"OPSP_EXTRA_ENVELOPE_FIELDS__FIXMEDINS_SOFT_FCTY",
            b"\xca\xbe\xb7\xb6",
            "environment variable OPSP_EXTRA_ENVELOPE_FIELDS__FIXMEDINS_SOFT_FCTY",
        ),
        (  # a name in another encoding
            b"OPSP_EXTRA_ENVELOPE_FIELDS",
            b'{"soft_\xb5": "x"}',
            "environment variable OPSP_EXTRA_ENVELOPE_FIELDS",
        ),
        (  # the same, set as a variable of its own: its name is not printed either
            b"OPSP_EXTRA_ENVELOPE_FIELDS__SOFT_\xb5",
            b"x",
            "an environment variable OPSP_EXTRA_ENVELOPE_FIELDS__…",
        ),
    ],
)
def test_extra_envelope_fields_in_another_encoding_fail_at_load(
    monkeypatch: pytest.MonkeyPatch, variable: bytes, value: bytes, named: str
) -> None:
    monkeypatch.setenv(variable.decode("utf-8", "surrogateescape"), value.decode("utf-8", "surrogateescape"))
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**BASE)
    message = str(caught.value)
    assert f"extra_envelope_fields ({named}): Value error, every name and value must be text" in message
    message.encode("utf-8")  # quotes nothing of the bytes: it can be printed


def test_envelope_text_that_is_utf8_loads_and_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSP_OPTER_NAME", "收费员乙")
    monkeypatch.setenv("OPSP_EXTRA_ENVELOPE_FIELDS__FIXMEDINS_SOFT_FCTY", "示范软件")
    settings = load_settings(**{key: value for key, value in BASE.items() if key != "opter_name"})
    assert settings.opter_name == "收费员乙"
    assert settings.extra_envelope_fields == {"fixmedins_soft_fcty": "示范软件"}

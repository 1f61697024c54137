"""The adapter against ``opsp mock serve`` as a real process, over TCP on a free loopback port."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from adapter import AuthenticationError, PlatformClient, load_settings
from adapter._embedded import demo_settings_path
from adapter._lookup import Card, look_up_person
from adapter.transactions import t1101

from .served import served

OPSP = shutil.which("opsp", path=str(Path(sys.executable).parent))


@pytest.mark.parametrize("endpoint", ["/fsi/api/rsfComIfsService/callService", "/fsi/api/{infno}"])
def test_adapter_over_tcp_against_opsp_mock_serve(tmp_path: Path, endpoint: str) -> None:
    assert OPSP is not None, "the opsp console script must be installed beside this Python (pip install -e .)"
    with served([OPSP, "mock", "serve", "--port", "0", "--db", str(tmp_path / "mock.sqlite3")]) as server:
        settings = load_settings(demo_settings_path(), endpoint=server.url + endpoint)
        with PlatformClient(settings) as client:  # the real clock: the served mock uses it too
            record = look_up_person(client, Card("02", "640104196203152010"))
            assert record.person.psn_no == "64010000000000000001"
            assert [f.opsp_dise_code for f in record.filings] == ["M01600", "M03900"]
        wrong_token = load_settings(
            demo_settings_path(), endpoint=server.url + endpoint, gateway={"tif_token": "not-the-token"}
        )
        with PlatformClient(wrong_token) as client, pytest.raises(AuthenticationError, match="签名不一致"):
            client.call(
                t1101.TRANSACTION,
                t1101.Input(data=t1101.PersonQuery(mdtrt_cert_type="01", mdtrt_cert_no="x")),
            )

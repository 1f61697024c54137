"""opsp mock platform: an independent second implementation of the provincial medical-insurance platform.

It never imports `adapter` or `mappings`; it shares only data files (`config/`). Entry points:

* `MockPlatform(clock=…, db_path=…, gateway=…)` with `.transport()` (in-process httpx) and `.asgi_app`;
* `run_server(host=…, port=…, db_path=…)` and `python -m mock_platform serve`.

Layout: `dispatch` (envelope in/out), `handlers/` (signin, person, treatment), `backend/` (state and rules),
`control` (`/_mock/...`), `config/` (data files), `codec` and `wire` (its own JSON codec and wire models).
"""

from mock_platform._platform import MockPlatform
from mock_platform._server import run_server
from mock_platform.config.platform import CsbCredentials, GatewayConfig, TifCredentials

__all__ = ["CsbCredentials", "GatewayConfig", "MockPlatform", "TifCredentials", "run_server"]

"""opsp mock platform: an independent second implementation of the provincial medical-insurance platform.

It never imports `adapter` or `mappings`; it shares only data files (`config/`, and the mapping tables in
`mappings/data/`, read as files: region catalogue, payment scopes, 目录对照). Entry points:

*`MockPlatform(clock=…, db_path=…, gateway=…, sleep=…)` with `.transport()` (in-process httpx), `.asgi_app`,
  `.faults` (fault rules on demand) and `.seed(document)` (extra people, hospitals, policies, catalogue rows);
*`run_server(host=…, port=…, db_path=…)` and `python -m mock_platform serve`.

Layout: `dispatch` (envelope in/out), `handlers/` (signin, person, treatment, visit, fee, settlement,
reversal, query), `backend/` (state and rules), `control` (`/_mock/...`), `config/` (data files), `codec` and
`wire` (its own JSON codec and wire models).
"""

from mock_platform._platform import MockPlatform
from mock_platform._server import run_server
from mock_platform.config.platform import CsbCredentials, GatewayConfig, TifCredentials
from mock_platform.errors import SeedError

__all__ = ["CsbCredentials", "GatewayConfig", "MockPlatform", "SeedError", "TifCredentials", "run_server"]

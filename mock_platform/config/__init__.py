"""Data files of the mock platform: typed, frozen models and their loader (no HTTP, no state)."""

from mock_platform.config.loader import MockConfig, load_config
from mock_platform.config.platform import CsbCredentials, GatewayConfig, Hospital, TifCredentials

__all__ = ["CsbCredentials", "GatewayConfig", "Hospital", "MockConfig", "TifCredentials", "load_config"]

"""The platform reads the catalogue's effective dates (region_catalogues.csv begndate/enddate; #14)."""

from __future__ import annotations

from datetime import date

from mock_platform._paths import default_data_dir
from mock_platform.backend.coverage import Coverage
from mock_platform.config.loader import load_catalogue


def test_inner_mongolia_base_list_from_2025_on_the_platform_too() -> None:
    # Seed 003: "本通知自 2025 年 1 月 1 日起执行"; a Hohhot (150100) employee uses the province's base list.
    coverage = Coverage(load_catalogue(default_data_dir() / "region_catalogues.csv"))
    assert coverage.codes_for("150100", "local", "310", date(2024, 12, 31)) is None
    covered = coverage.codes_for("150100", "local", "310", date(2025, 1, 1))
    assert covered is not None
    assert "M00500" in covered

"""Settings come from NNO_* variables with safe defaults and clear errors."""

from pathlib import Path

import pytest

from nno_dash.core.settings import DEFAULT_DB, Settings


def test_defaults_work_offline():
    s = Settings.from_env({})
    assert s.db_path == DEFAULT_DB and s.map_style == "white-bg" and s.suppression_threshold == 3


def test_environment_overrides():
    s = Settings.from_env({"NNO_DB": "/srv/nno/x.duckdb", "NNO_SUPPRESSION_THRESHOLD": "5"})
    assert s.db_path == Path("/srv/nno/x.duckdb") and s.suppression_threshold == 5


def test_threshold_can_only_go_up():
    with pytest.raises(ValueError, match="never lowered"):
        Settings.from_env({"NNO_SUPPRESSION_THRESHOLD": "1"})


def test_bad_number_names_the_variable():
    with pytest.raises(ValueError, match="NNO_DEMO_INCIDENTS"):
        Settings.from_env({"NNO_DEMO_INCIDENTS": "lots"})

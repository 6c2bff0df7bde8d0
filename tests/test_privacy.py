"""Exports suppress small counts and refuse identifying columns."""

import pandas as pd
import pytest

from nno_dash import privacy


def test_small_counts_become_less_than_threshold_and_zero_stays_zero():
    frame = pd.DataFrame({"area": ["a", "b", "c", "d"], "incidents": [0, 1, 2, 3]})
    out = privacy.suppress_small_counts(frame, ["incidents"], threshold=3)
    assert out["incidents"].tolist() == ["0", "<3", "<3", "3"]
    assert frame["incidents"].tolist() == [0, 1, 2, 3]  # the input is not changed


def test_a_higher_threshold_suppresses_more():
    frame = pd.DataFrame({"incidents": [4, 10]})
    assert privacy.suppress_small_counts(frame, ["incidents"], 5)["incidents"].tolist() == [
        "<5",
        "10",
    ]


@pytest.mark.parametrize("column", ["incident_id", "case_number", "lat", "lon", "block_address"])
def test_identifying_columns_are_refused(column):
    with pytest.raises(privacy.PrivacyError, match=column):
        privacy.suppress_small_counts(pd.DataFrame({column: [1], "n": [5]}), ["n"])

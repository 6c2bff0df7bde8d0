"""parallel.Prefetch: a page's questions shared between the page's thread and one helper."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from nno_dash.core.filters import Filters, default_period
from nno_dash.queries import crime, datasets, outreach, overview, parallel
from nno_dash.store import db


def test_every_question_is_answered_once_whoever_answers_it():
    asked: Counter[str] = Counter()
    lock = threading.Lock()

    def answer(key: str) -> str:
        with lock:
            asked[key] += 1
        time.sleep(0.01)
        return key.upper()

    keys = [f"q{i}" for i in range(8)]
    started = parallel.Prefetch(keys, answer)
    assert [started.take(k) for k in keys] == [k.upper() for k in keys]
    started.join(5)
    assert asked == Counter(keys)  # none twice, none left out
    # The helper starts from the last question while the page asks from the first.
    assert started.helper_answered
    assert started.helper_answered[0] == "q7"
    assert "q0" not in started.helper_answered


def test_the_page_and_the_helper_answer_at_the_same_time():
    both = threading.Barrier(2, timeout=5)  # broken (an error) unless two threads wait at once

    def answer(key: str) -> str:
        both.wait()
        return key

    started = parallel.Prefetch(["first", "last"], answer)
    assert started.take("first") == "first"
    assert started.take("last") == "last"
    assert started.helper_answered == ["last"]


def test_an_answer_is_handed_over_once_and_errors_reach_the_taker():
    def answer(key: str) -> str:
        if key == "bad":
            raise ValueError("no such area")
        return key

    started = parallel.Prefetch(["good", "bad"], answer)
    assert "good" in started
    assert started.take("good") == "good"
    assert "good" not in started  # a second ask goes to the cache, for its own copy
    with pytest.raises(KeyError):
        started.take("good")
    with pytest.raises(ValueError, match="no such area"):
        started.take("bad")
    with pytest.raises(KeyError):
        started.take("never asked")


def test_two_duckdb_questions_on_two_cursors_give_what_one_at_a_time_gives(demo_db):
    con = db.open_readonly(demo_db)
    try:
        start, end = default_period(datasets.latest_day(con))
        f = Filters(start, end)
        calls = [
            (overview.headline, f),
            (overview.area_summary, f),
            (crime.incident_series, f),
            (outreach.events_by_month, f),
        ]

        def answer(call):
            cursor = db.cursor(con)
            try:
                return call[0](cursor, call[1])
            finally:
                cursor.close()

        started = parallel.Prefetch(calls, answer)
        together = [started.take(call) for call in calls]
        started.join(5)
        assert started.helper_answered  # the helper did take part
        for call, frame in zip(calls, together, strict=True):
            assert frame.equals(answer(call)), call[0].__name__
    finally:
        con.close()

"""The benchmark runs end to end on the test database and prints a sane SUMMARY line.

Not a timed test: the figures depend on the machine. It checks that every part ran (the
pages through AppTest, the pandas way with the same answers, Chromium, the import) and
that the numbers are in a range that means something was measured.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from itertools import islice
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import loadtest  # noqa: E402
import pandas_way  # noqa: E402

SUMMARY = re.compile(
    r"^SUMMARY incidents=(?P<incidents>\d+) p95_ms=(?P<p95_ms>[\d.]+) "
    r"cold_start_s=(?P<cold_start_s>[\d.]+) import_rows_per_s=(?P<import_rows_per_s>\d+) "
    r"peak_mb=(?P<peak_mb>\d+) max_figure_kb=(?P<max_figure_kb>\d+) "
    r"speedup_vs_pandas=(?P<speedup_vs_pandas>[\d.]+)$"
)


def test_benchmark_prints_a_sane_summary(demo_db, tmp_path):
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--db", str(demo_db), "--workdir", str(tmp_path)]
        + ["--changes", "2", "--repeats", "2", "--pandas-repeats", "1", "--pandas-changes", "1"]
        + ["--walk", "1", "--cold-starts", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    match = SUMMARY.match(lines[-1])
    assert match, lines[-1]
    got = {k: float(v) for k, v in match.groupdict().items()}
    assert got["incidents"] == 40_000 or abs(got["incidents"] - 40_000) < 4_000
    assert 0 < got["p95_ms"] < 10_000
    assert 0 < got["cold_start_s"] < 120
    assert got["import_rows_per_s"] > 100
    assert 50 < got["peak_mb"] < 8_000
    assert 1 < got["max_figure_kb"] < 20_000
    assert got["speedup_vs_pandas"] > 0
    assert " 0 rows placed differently from the source" in result.stdout
    assert "biggest page:" in result.stdout


def test_pandas_comparison_notices_a_different_answer():
    duck = pd.DataFrame({"category": ["robbery", "burglary"], "incidents": [3, 5]})
    same = duck.iloc[::-1].astype({"incidents": "float64"})
    assert pandas_way.same_result(duck, same) is None
    assert "incidents" in pandas_way.same_result(duck, same.assign(incidents=[5, 4]))
    assert "shapes differ" in pandas_way.same_result(duck, same.head(1))
    assert "lacks" in pandas_way.same_result(duck, same.drop(columns="incidents"))


def test_load_test_pauses_repeat_and_stay_in_range():
    first = list(islice(loadtest.pauses(3, 10.0), 200))
    again = list(islice(loadtest.pauses(3, 10.0), 200))
    other = list(islice(loadtest.pauses(4, 10.0), 200))
    assert first == again and first != other
    starts = [next(loadtest.pauses(n, 10.0)) for n in range(50)]
    assert min(starts) >= 0.0 and max(starts) <= 10.0  # sessions start spread over one pause
    assert min(starts) < 2.5 and max(starts) > 7.5
    later = first[1:]
    assert min(later) >= 5.0 and max(later) <= 15.0
    assert 9.0 < sum(later) / len(later) < 11.0
    assert set(islice(loadtest.pauses(3, 0.0), 5)) == {0.0}


def test_ratio_floor_follows_littles_law():
    # 20 sessions, 2 CPU seconds a step, 2 cores: a step every 1 s in all, so 20 s each
    assert loadtest.ratio_floor(20, 2.0, 2, 0.0, 1.0) == 20.0
    assert loadtest.ratio_floor(20, 2.0, 2, 14.0, 1.0) == 6.0  # pauses take up part of it
    assert loadtest.ratio_floor(20, 2.0, 2, 30.0, 1.0) == 1.0  # never below one session
    assert loadtest.ratio_floor(1, 0.2, 2, 0.0, 1.0) == 1.0


def test_cpu_seconds_reads_this_process():
    spent = loadtest.cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))
    assert loadtest.cpu_seconds(os.getpid()) > spent
    assert loadtest.cpu_seconds(2**22 + 12345) == 0.0  # no such process


def test_cpu_per_step_counts_the_part_of_a_step_inside_the_window():
    window = loadtest.Window(2, 10.0)
    window.deadline = 110.0  # open from 100 to 110
    steps = [
        loadtest.Step(0, 1, 100.0, 5.0, 1),  # inside: 1
        loadtest.Step(1, 1, 100.0, 8.0, 1),  # inside: 1
        loadtest.Step(0, 2, 105.0, 10.0, 1),  # half inside
        loadtest.Step(1, 2, 108.0, 4.0, 1),  # half inside
        loadtest.Step(0, 3, 115.0, 1.0, 1),  # after the deadline: none
        loadtest.Step(1, 3, 112.0, 1.0, None, "TimeoutError"),  # an error: none
    ]
    result = loadtest.Phase(steps, window, loadtest.CpuUse(browser=9.0, app=1.5))
    assert result.cpu_per_step() == (3.0, 0.5)


def test_browser_cpu_seconds_counts_the_chromium_this_process_started(browser):
    page = browser.new_page()
    before = loadtest.browser_cpu_seconds()
    page.evaluate("() => { let x = 0; for (let i = 0; i < 3e8; i++) x += i; return x }")
    spent = loadtest.browser_cpu_seconds() - before
    page.close()
    assert spent > 0.3  # the loop alone takes about a second of the renderer's CPU


@pytest.mark.parametrize(
    ("script", "extra"),
    [
        ("bench/hand_vs_library.py", []),
        ("bench/px_vs_dicts.py", []),
        ("bench/poisson_fit.py", ["--db", "DEMO"]),
    ],
)
def test_hand_written_code_still_answers_as_the_library_does(script, extra, demo_db):
    """Each kept hand-written version is checked against its library by its script, which
    exits 1 when the answers differ; the timings it prints are for a person to read."""
    args = [str(demo_db) if a == "DEMO" else a for a in extra]
    result = subprocess.run(
        [sys.executable, script, "--repeats", "1", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert " ms" in result.stdout

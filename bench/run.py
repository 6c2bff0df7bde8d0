"""Benchmark: is the dashboard still interactive at N incidents?

    python bench/run.py [--incidents N] [--events N] [--years N] [--repeats N]

Builds (or reuses) a demo database of that size with the generator, then measures:

- page queries: every page is run once per typical filter change through Streamlit's
  AppTest, recording the queries it asks for and what its script thread did in order (so
  the set is the page's own, not a copy); each page's set is then replayed uncached on a
  read-only connection, after a warm-up, `--repeats` times, as the page asks them (its
  helper thread included) and one at a time: median and p95 per page. The page reruns
  themselves (queries, statistics, figures, Streamlit) are timed too, with the cache cleared.
- the pandas way: the same recorded questions answered by filtering and grouping a frame
  loaded once (bench/pandas_way.py), checked to give the same results; the ratio.
- figure size: the largest Plotly figure any page sends to the browser.
- cold start: `streamlit run` started to the first chart drawn in Chromium (the median of
  `--cold-starts`, default 3), then a walk over every page; the app process's peak memory
  (VmHWM) after it.
- import: the database's incidents written as CSV (bench/demo_incidents.toml), imported
  with `python -m nno_dash import` into a database holding only the areas, so every row
  goes through point-in-polygon; rows per second, wall clock, and a check that every row
  landed in the same areas as in the source.

The last line is `SUMMARY incidents=... p95_ms=... cold_start_s=... import_rows_per_s=...
peak_mb=... max_figure_kb=... speedup_vs_pandas=...`. Skipped parts print `nan`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # run as a script from a checkout
# AppTest outside a server warns on every cache clear; errors still show.
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

import nno_dash  # noqa: E402, F401, I001  (first: it sets numpy's BLAS threads, as in the app)
import duckdb  # noqa: E402
import pandas_way  # noqa: E402

from nno_dash.store import db  # noqa: E402
from nno_dash.queries import datasets, geography  # noqa: E402
from nno_dash.core.filters import Filters  # noqa: E402

ENTRY = ROOT / "dashboard.py"
MAPPING = ROOT / "bench" / "demo_incidents.toml"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# page label -> (script relative to dashboard.py, URL query the page is opened with)
PAGES: dict[str, tuple[str, dict[str, str]]] = {
    "Home": ("dashboard.py", {}),
    "Outreach coverage": ("pages/1_Outreach_coverage.py", {}),
    "Outreach coverage, hotspots": ("pages/1_Outreach_coverage.py", {"map": "hotspots"}),
    "Crime trends": ("pages/2_Crime_trends.py", {}),
    "Outreach and crime": ("pages/3_Outreach_and_crime.py", {}),
    "Events and attendance": ("pages/4_Events_and_attendance.py", {}),
    "Press kit": ("pages/5_Press_kit.py", {}),
    "Data": ("pages/6_Data.py", {}),
}


def log(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by linear interpolation (statistics.quantiles' inclusive method)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def peak_rss_mb(pid: int) -> float:
    """A live process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# The database ------------------------------------------------------------------------------


def build_database(workdir: Path, incidents: int, years: int, seed: int, events: int) -> Path:
    """The demo database of this size, built once with the generator and reused after."""
    path = workdir / f"demo_{incidents}_y{years}_s{seed}.duckdb"
    if not path.exists():
        log(f"building {path.name} with the demo generator…")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "nno_dash", "demo", "--db", str(path)]
            + ["--incidents", str(incidents), "--years", str(years), "--seed", str(seed)],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        log(f"  built in {time.perf_counter() - started:.1f} s")
    upgrade(path)
    if events:
        top_up_events(path, events)
    return path


def upgrade(path: Path) -> None:
    """A kept database from an older version is upgraded, as the app does on opening it."""
    if db.needs_migration(path):
        found = db.migrate(path)
        log(f"  {path.name} upgraded from schema version {found} to {db.SCHEMA_VERSION}")


def top_up_events(path: Path, wanted: int) -> None:
    """Repeat the demo's events (new ids, a day apart) until there are `wanted` of them.

    The generator's event count follows from its years and areas (about 1,000 a year);
    this lets the benchmark ask for more outreach without a second generator.
    """
    with db.write_session(path) as con:
        have = con.execute("select count(*) from events").fetchone()[0]
        rounds = 0
        while have < wanted:
            rounds += 1
            params = {"suffix": f"-r{rounds}", "days": rounds, "n": wanted - have}
            con.execute(
                """create or replace temp table pick as
                   select event_id from events where event_id not like '%-r%'
                   order by event_id limit $n""",
                {"n": params["n"]},
            )
            con.execute(
                """insert into attendance select a.event_id || $suffix, a.* exclude (event_id)
                   from attendance a join pick using (event_id)""",
                {"suffix": params["suffix"]},
            )
            con.execute(
                """insert into events select e.event_id || $suffix, e.title,
                       e.program, e.starts_at + to_days($days), e.ends_at + to_days($days),
                       e.* exclude (event_id, title, program, starts_at, ends_at)
                   from events e join pick using (event_id)""",
                {"suffix": params["suffix"], "days": params["days"]},
            )
            have = con.execute("select count(*) from events").fetchone()[0]
        if rounds:
            db.refresh_event_facts(con)
            db.bump_data_version(con)
            log(f"  events topped up to {have:,}")


# Filter changes ----------------------------------------------------------------------------


def filter_changes(con: duckdb.DuckDBPyConnection) -> list[Filters]:
    """What users typically do: periods, categories, programs, area kinds, chosen areas."""
    last = datasets.latest_day(con)
    first = con.execute("select min(occurred_on) from incident_daily").fetchone()[0]
    year = last - timedelta(days=364)

    def area(kind: str, n: int) -> tuple[str, ...]:
        return tuple(geography.area_options(con, kind)["area_id"].head(n))

    changes = [
        Filters(year, last),
        Filters(last - timedelta(days=89), last),
        Filters(last - timedelta(days=29), last),
        Filters(date(last.year - 1, 1, 1), date(last.year - 1, 12, 31)),
        Filters(max(first, last - timedelta(days=5 * 365)), last),
        Filters(year, last, categories=("robbery",)),
        Filters(year, last, categories=("homicide", "robbery", "aggravated_assault")),
        Filters(year, last, programs=("national_night_out",)),
        Filters(year, last, area_kind="beat"),
        Filters(year, last, area_kind="district", area_ids=area("district", 1)),
        Filters(year, last, area_kind="neighbourhood", area_ids=area("neighbourhood", 3)),
        Filters(year, last, area_kind="council_district"),
    ]
    return [f.with_period(max(f.start, first), max(f.end, first)) for f in changes]


# Pages through AppTest ----------------------------------------------------------------------

Call = tuple[Callable[..., Any], tuple[Any, ...]]
# What a page's script thread did, in order: ("ask", call) answered on that thread,
# ("prefetch", calls) handed to a helper, ("take", call) a prefetched answer taken.
Step = tuple[str, Any]


@dataclass
class PageRuns:
    calls: list[list[Call]] = field(default_factory=list)  # per filter change, distinct
    plans: list[list[Step]] = field(default_factory=list)  # per filter change
    rerun_ms: list[float] = field(default_factory=list)
    figure_bytes: list[int] = field(default_factory=list)


@contextmanager
def recording(calls: list[Call], plan: list[Step]) -> Iterator[None]:
    """Record every query a page asks nno_dash.ui.data.load for (from any thread) in
    `calls`, and in `plan` what its script thread did and in what order, while still
    running it."""
    from nno_dash.queries import parallel
    from nno_dash.ui import data

    original_load, original_prefetch = data.load, data.prefetch
    original_take = parallel.Prefetch.take
    taking = threading.local()

    def load(path: Path, function: Callable[..., Any], *args: Any) -> Any:
        calls.append((function, args))
        helper = threading.current_thread().name == "nno-prefetch"
        if not helper and not getattr(taking, "on", False):
            plan.append(("ask", (function, args)))
        return original_load(path, function, *args)

    def prefetch(path: Path, wanted: list[Call]) -> Any:
        plan.append(("prefetch", list(wanted)))
        return original_prefetch(path, wanted)

    def take(self: Any, key: Call) -> Any:
        plan.append(("take", key))
        taking.on = True
        try:
            return original_take(self, key)
        finally:
            taking.on = False

    data.load, data.prefetch, parallel.Prefetch.take = load, prefetch, take
    try:
        yield
    finally:
        data.load, data.prefetch, parallel.Prefetch.take = (
            original_load,
            original_prefetch,
            original_take,
        )


def run_pages(path: Path, changes: list[Filters], passes: int) -> dict[str, PageRuns]:
    """Each page, rerun after each filter change, as a user's session would be."""
    import streamlit as st  # noqa: TID251 (the benchmark drives the app, like the tests)
    from streamlit.testing.v1 import AppTest  # noqa: TID251

    os.environ["NNO_DB"] = str(path)
    runs: dict[str, PageRuns] = {}
    for label, (script, query) in PAGES.items():
        result = runs[label] = PageRuns()
        at = AppTest.from_file(str(ENTRY), default_timeout=300)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        if script != "dashboard.py":
            at.switch_page(script)
            at.run()
        for attempt in range(passes):
            st.cache_data.clear()  # every rerun below is a filter change the cache has not seen
            for filters in changes:
                at.session_state["filters"] = filters
                calls: list[Call] = []
                plan: list[Step] = []
                with recording(calls, plan):
                    started = time.perf_counter()
                    at.run()
                    elapsed = 1000 * (time.perf_counter() - started)
                if at.exception:
                    raise RuntimeError(f"{label}: {at.exception[0].value}")
                if attempt == 0:
                    # A question asked twice in one run is answered once (st.cache_data).
                    result.calls.append(list(dict.fromkeys(calls)))
                    result.plans.append(plan)
                    result.figure_bytes += [len(c.proto.spec) for c in at.get("plotly_chart")]
                else:  # the first pass is the warm-up
                    result.rerun_ms.append(elapsed)
        wanted = "incident_grid" if query.get("map") == "hotspots" else None
        if wanted and not any(f.__name__ == wanted for c in result.calls for f, _ in c):
            raise RuntimeError(f"{label}: the page did not run {wanted}")
    return runs


def translated(function: Callable[..., Any]) -> bool:
    """Whether pandas_way answers this query too (the ratio compares only those)."""
    return (
        function.__module__.startswith("nno_dash.queries.")
        and function.__name__ in pandas_way.QUESTIONS
    )


def replay(plan: list[Step], answer: Callable[[Call], Any]) -> float:
    """A page's questions as its script thread asked them: what it handed to a helper
    thread is answered there (parallel.Prefetch, as in the app), the rest in turn. Returns
    the ms until the script thread had every answer; a helper still busy with questions
    the page did not wait for is then waited for, untimed, so runs do not overlap."""
    from nno_dash.queries import parallel

    helpers: list[parallel.Prefetch] = []
    answered: set[Call] = set()  # asked again in the same run: st.cache_data answers it
    started = time.perf_counter()
    for kind, item in plan:
        if kind == "prefetch":
            helpers.append(parallel.Prefetch(item, answer))
        elif kind == "take":
            next(helper for helper in helpers if item in helper).take(item)
            answered.add(item)
        elif item not in answered:
            answer(item)
            answered.add(item)
    elapsed = 1000 * (time.perf_counter() - started)
    for helper in helpers:
        helper.join()
    return elapsed


@dataclass
class QueryTimes:
    """Per page, one entry per filter change and pass (ms)."""

    every: dict[str, list[float]]  # as the page asks them, every query uncached
    changed: dict[str, list[float]]  # as the page asks them, what the last change did not ask
    one_at_a_time: dict[str, list[float]]  # every query uncached, in turn: their sum
    comparable: dict[str, list[float]]  # in turn, only the questions pandas_way answers


def time_queries(path: Path, runs: dict[str, PageRuns], repeats: int) -> QueryTimes:
    """Each page's recorded questions replayed uncached, one cursor per query as in the app.

    Timed three ways: as the page asks them (its own helper thread included), every query
    uncached; the same with only what a filter change sends to DuckDB (what the previous
    filters on the same page did not already ask: the rest, e.g. the dataset's extent or
    the area list, st.cache_data answers); and each query alone, in turn (for pandas).
    """
    con = db.open_readonly(path)

    def uncached(call: Call) -> Any:
        cursor = db.cursor(con)
        try:
            return call[0](cursor, *call[1])
        finally:
            cursor.close()

    times = QueryTimes(*({label: [] for label in runs} for _ in range(4)))
    try:
        for attempt in range(repeats + 1):
            for label, page in runs.items():
                for i, (calls, plan) in enumerate(zip(page.calls, page.plans, strict=True)):
                    before = set(page.calls[i - 1])
                    every = replay(plan, uncached)
                    changed = replay(plan, lambda c: None if c in before else uncached(c))  # noqa: B023
                    alone = same = 0.0
                    for call in calls:
                        started = time.perf_counter()
                        uncached(call)
                        elapsed = 1000 * (time.perf_counter() - started)
                        alone += elapsed
                        same += elapsed if translated(call[0]) else 0.0
                    if attempt:  # attempt 0 warms DuckDB's buffers
                        times.every[label].append(every)
                        times.changed[label].append(changed)
                        times.one_at_a_time[label].append(alone)
                        times.comparable[label].append(same)
    finally:
        con.close()
    return times


def time_pandas(
    path: Path, runs: dict[str, PageRuns], repeats: int, changes: int
) -> tuple[dict[str, list[float]], float, float]:
    """The same query sets the pandas way, for the first `changes` filter changes (it is
    slow at size); returns times per page, the one-time load's seconds and MB."""
    con = db.open_readonly(path)
    try:
        started = time.perf_counter()
        frames = pandas_way.load(con)
        load_s = time.perf_counter() - started
        times: dict[str, list[float]] = {label: [] for label in runs}
        for attempt in range(repeats + 1):
            for label, page in runs.items():
                for calls in page.calls[:changes]:
                    started = time.perf_counter()
                    for function, args in calls:
                        if not translated(function):  # metadata and models: not compared
                            continue
                        result = pandas_way.QUESTIONS[function.__name__](frames, *args)
                        if attempt == 0:  # check once that both ways agree
                            problem = pandas_way.same_result(function(con, *args), result)
                            if problem:
                                raise AssertionError(f"{function.__name__}{args}: {problem}")
                    if attempt:
                        times[label].append(1000 * (time.perf_counter() - started))
        return times, load_s, frames.memory_mb
    finally:
        con.close()


# Cold start and a walk through the pages in Chromium ----------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(path: Path, logfile: Path) -> Iterator[tuple[subprocess.Popen, str, float]]:
    """`streamlit run` on loopback; yields the process, its URL and its start time."""
    port = _free_port()
    env = {**os.environ, "NNO_DB": str(path)}
    started = time.perf_counter()
    with logfile.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ENTRY)]
            + ["--server.headless", "true", "--server.port", str(port)]
            + ["--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{logfile.read_text()[-3000:]}")
            time.sleep(0.05)
        yield proc, url, started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_idle(page: Any, with_chart: bool) -> None:
    """Until the run has ended (and its charts drawn); fails on a Streamlit error."""
    page.wait_for_selector("h1", timeout=120_000)
    if with_chart:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )
    errors = page.locator('[data-testid="stException"]')
    if errors.count():
        raise RuntimeError(errors.first.inner_text())


def page_url(url: str, script: str, query: dict[str, str]) -> str:
    name = "" if script == "dashboard.py" else Path(script).stem.split("_", 1)[1]
    return f"{url}/{name}" + ("?" + urllib.parse.urlencode(query) if query else "")


# Stamps (epoch ms) the moment the first chart's SVG enters the page. Playwright's own wait
# polls, and each poll queues behind the busy main thread while the map paints in software,
# so it saw the chart late.
FIRST_CHART_STAMP = """
window.__nnoFirstChart = null;
new MutationObserver((_, observer) => {
    if (document.querySelector('.js-plotly-plot .main-svg')) {
        window.__nnoFirstChart = performance.timeOrigin + performance.now();
        observer.disconnect();
    }
}).observe(document, {childList: true, subtree: true});
"""


def measure_cold_start(browser: Any, path: Path, workdir: Path) -> dict[str, float]:
    """`streamlit run` started to Home's first chart in a fresh browser context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(FIRST_CHART_STAMP)
    page = context.new_page()
    out: dict[str, float] = {}
    try:
        with app_server(path, workdir / "streamlit.log") as (_, url, started):
            started_epoch = time.time() - (time.perf_counter() - started)
            out["health_s"] = time.perf_counter() - started
            page.goto(url)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
            out["polled_s"] = time.perf_counter() - started
            stamp = page.evaluate("() => window.__nnoFirstChart")
            out["cold_start_s"] = stamp / 1000 - started_epoch if stamp else out["polled_s"]
    finally:
        context.close()
    return out


def browser_walk(
    path: Path, changes: list[Filters], workdir: Path, walk: int, starts: int
) -> dict[str, Any]:
    """Cold start to the first chart (`starts` times: the median, as one start varies by a
    second on a shared machine), then every page with a few filters; app peak memory."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            runs = [measure_cold_start(browser, path, workdir) for _ in range(max(1, starts))]
            out: dict[str, Any] = {
                key: statistics.median(r[key] for r in runs)
                for key in ("health_s", "polled_s", "cold_start_s")
            }
            out["cold_starts"] = [r["cold_start_s"] for r in runs]
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            with app_server(path, workdir / "streamlit.log") as (proc, url, _):
                page.goto(url)
                wait_idle(page, with_chart=True)
                loads = []
                for filters in changes[:walk]:
                    for script, query in PAGES.values():
                        t = time.perf_counter()
                        page.goto(page_url(url, script, {**filters.to_query_params(), **query}))
                        wait_idle(page, with_chart=script != "pages/6_Data.py")
                        loads.append(time.perf_counter() - t)
                out["page_load_median_s"] = statistics.median(loads)
                out["page_load_max_s"] = max(loads)
                out["peak_mb"] = peak_rss_mb(proc.pid)
        finally:
            browser.close()
    return out


# Import -------------------------------------------------------------------------------------


def export_csv(path: Path, csv: Path) -> int:
    """The database's incidents as the CSV shape bench/demo_incidents.toml reads."""
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute(
            f"""copy (select incident_id, case_number, occurred_at, reported_at, offence_code,
                    offence_description, category, sensitive, block_address, lat, lon
                from incidents order by occurred_at) to '{csv}' (header)"""  # a path we made
        )
        return con.execute("select count(*) from incidents").fetchone()[0]


def areas_only(source: Path, target: Path) -> None:
    """A database with the source's areas and nothing else: what an agency has before
    its first incident import."""
    target.unlink(missing_ok=True)
    with db.write_session(target, fresh=True) as con:
        con.execute("attach $path as src (read_only)", {"path": str(source)})
        con.execute("insert into areas select * from src.areas")


def time_import(path: Path, workdir: Path) -> dict[str, float]:
    """Import the incidents from CSV into an areas-only database, through the real CLI."""
    csv = workdir / f"{path.stem}_incidents.csv"
    target = workdir / f"{path.stem}_import.duckdb"
    rows = export_csv(path, csv)
    areas_only(path, target)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nno_dash", "import", "incidents", str(csv)]
        + ["--mapping", str(MAPPING), "--db", str(target), "--json", "--quiet"]
        + ["--rejects-dir", str(workdir / "rejects")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    report = proc.stdout.read().decode() if proc.stdout else ""
    errors = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"import failed ({proc.returncode}):\n{report}\n{errors[-3000:]}")
    loaded = sum(f.get("inserted", 0) for f in json.loads(report))
    with duckdb.connect(str(target), read_only=True) as con:
        con.execute("attach $path as src (read_only)", {"path": str(path)})
        moved = con.execute(
            """select count(*) from incidents i join src.incidents s using (incident_id)
               where i.neighbourhood_id is distinct from s.neighbourhood_id
                  or i.beat_id is distinct from s.beat_id
                  or i.district_id is distinct from s.district_id
                  or i.council_district_id is distinct from s.council_district_id"""
        ).fetchone()[0]
    csv.unlink()
    target.unlink()
    if loaded != rows:
        raise AssertionError(f"imported {loaded:,} of {rows:,} rows")
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "peak_mb": usage.ru_maxrss / 1024,
        "placed_differently": moved,
    }


# Main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=0, help="top the events up to this many")
    parser.add_argument("--years", type=int, default=5, help="years of data (default 5)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=10, help="timed passes over the filters")
    parser.add_argument("--changes", type=int, default=12, help="filter changes (at most 12)")
    parser.add_argument("--pandas-repeats", type=int, default=2)
    parser.add_argument(
        "--pandas-changes", type=int, default=4, help="filter changes the pandas way"
    )
    parser.add_argument("--walk", type=int, default=3, help="filter sets walked in Chromium")
    parser.add_argument(
        "--cold-starts", type=int, default=3, help="cold starts measured (the median counts)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "nno-bench",
        help="where databases are built and kept for reuse (default: %(default)s)",
    )
    parser.add_argument(
        "--db", type=Path, help="measure this existing database instead of building one"
    )
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)

    if args.db:
        path = args.db
        upgrade(path)
    else:
        path = build_database(args.workdir, args.incidents, args.years, args.seed, args.events)
    with db.open_readonly(path) as con:
        n_incidents = con.execute("select count(*) from incidents").fetchone()[0]
        n_daily = con.execute("select count(*) from incident_daily").fetchone()[0]
        n_events = con.execute("select count(*) from events").fetchone()[0]
        n_areas = con.execute("select count(*) from areas").fetchone()[0]
        changes = filter_changes(con)[: args.changes]
    log(
        f"database {path} ({path.stat().st_size / 2**20:,.0f} MB): {n_incidents:,} incidents, "
        f"{n_daily:,} daily aggregate rows, {n_events:,} events, {n_areas} areas; "
        f"{len(changes)} filter changes, {os.cpu_count()} cores"
    )

    log("pages through AppTest (recording each page's queries)…")
    runs = run_pages(path, changes, passes=2)
    log("page queries, uncached, as each page asks them (two at a time where it prefetches):")
    timed = time_queries(path, runs, args.repeats)
    query_ms, changed_ms = timed.every, timed.changed
    log(
        f"  {'page':30} {'queries':>7} {'median':>9} {'p95':>9}  {'not cached':>19}  "
        f"{'one at a time':>19}  {'page rerun, uncached':>20}"
    )
    for label, every in query_ms.items():
        n = statistics.mean(len(c) for c in runs[label].calls)
        reruns, fresh, alone = runs[label].rerun_ms, changed_ms[label], timed.one_at_a_time[label]
        log(
            f"  {label:30} {n:7.1f} {statistics.median(every):7.1f}ms "
            f"{percentile(every, 95):7.1f}ms  {statistics.median(fresh):7.1f}ms "
            f"{percentile(fresh, 95):7.1f}ms  {statistics.median(alone):7.1f}ms "
            f"{percentile(alone, 95):7.1f}ms  {statistics.median(reruns):7.0f}ms "
            f"{percentile(reruns, 95):7.0f}ms"
        )
    biggest = max(query_ms, key=lambda label: percentile(query_ms[label], 95))
    p95 = percentile(query_ms[biggest], 95)
    slowest = max(query_ms, key=lambda label: statistics.median(query_ms[label]))
    log(
        f"  biggest page: {biggest} (every query uncached: median "
        f"{statistics.median(query_ms[biggest]):.1f} ms, p95 {p95:.1f} ms; what a filter change "
        f"does not find cached: median {statistics.median(changed_ms[biggest]):.1f} ms, "
        f"p95 {percentile(changed_ms[biggest], 95):.1f} ms); highest median: {slowest} "
        f"({statistics.median(query_ms[slowest]):.1f} ms, not cached "
        f"{statistics.median(changed_ms[slowest]):.1f} ms)"
    )
    figure_kb = max(b for r in runs.values() for b in r.figure_bytes) / 1024
    log(f"largest figure sent to the browser: {figure_kb:,.0f} KB")

    speedup = float("nan")
    if not args.skip_pandas:
        log("the pandas way (same questions, same answers checked)…")
        pandas_ms, load_s, frame_mb = time_pandas(
            path, runs, args.pandas_repeats, args.pandas_changes
        )
        log(f"  one-time load {load_s:.1f} s, {frame_mb:,.0f} MB of frames")
        # DuckDB's times on the same filter changes (each pass lists them in order)
        k = min(args.pandas_changes, len(changes))
        # Only the questions both ways answer (pandas_way.QUESTIONS) count, on both sides:
        # the dataset's extent, the event study's model and the like are left out.
        duck_ms = {
            label: [t for i, t in enumerate(same) if i % len(changes) < k]
            for label, same in timed.comparable.items()
        }
        for label, times in pandas_ms.items():
            pandas_median, duck_median = statistics.median(times), statistics.median(duck_ms[label])
            if duck_median <= 0:
                log(f"  {label:30} no question that both ways answer")
                continue
            log(
                f"  {label:30} pandas {pandas_median:9.1f}ms  DuckDB {duck_median:7.1f}ms"
                f"  x{pandas_median / duck_median:.1f}"
            )
        total_pandas = sum(statistics.median(t) for t in pandas_ms.values())
        total_duck = sum(statistics.median(t) for t in duck_ms.values())
        speedup = total_pandas / total_duck
        log(f"  all pages, same questions: pandas {total_pandas:.0f} ms, DuckDB {total_duck:.0f}ms")

    cold_start, peak_mb = float("nan"), float("nan")
    if not args.skip_browser:
        log("cold start and a walk through every page in Chromium…")
        walk = browser_walk(path, changes, args.workdir, args.walk, args.cold_starts)
        cold_start, peak_mb = walk["cold_start_s"], walk["peak_mb"]
        each = ", ".join(f"{s:.2f}" for s in walk["cold_starts"])
        log(
            f"  server healthy {walk['health_s']:.1f} s, first chart {cold_start:.2f} s "
            f"(median of {each}) "
            f"(Playwright's polling saw it at {walk['polled_s']:.1f} s); "
            f"page loads median {walk['page_load_median_s']:.1f} s, "
            f"max {walk['page_load_max_s']:.1f} s; app peak memory {peak_mb:,.0f} MB"
        )

    import_rate = float("nan")
    if not args.skip_import:
        log("import from CSV, with point-in-polygon…")
        imported = time_import(path, args.workdir)
        import_rate = imported["rows_per_s"]
        log(
            f"  {imported['rows']:,} rows in {imported['seconds']:.1f} s = "
            f"{import_rate:,.0f} rows/s; importer peak memory {imported['peak_mb']:,.0f} MB; "
            f"{imported['placed_differently']:,} rows placed differently from the source"
        )

    log(
        f"SUMMARY incidents={n_incidents} p95_ms={p95:.1f} cold_start_s={cold_start:.2f} "
        f"import_rows_per_s={import_rate:.0f} peak_mb={peak_mb:.0f} "
        f"max_figure_kb={figure_kb:.0f} speedup_vs_pandas={speedup:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

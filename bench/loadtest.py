"""Load test: 20 browser sessions changing filters while an import runs.

    python bench/loadtest.py --db PATH [--sessions 20] [--seconds 60] [--import-rows 50000]
                             [--think 0]

Serves a copy of the database with `streamlit run` on 127.0.0.1 and drives it from one
Chromium with one Playwright context per session (no request leaves loopback: every
other address is aborted). First one session alone for `--single-seconds`, then
`--sessions` at once for `--seconds`; `--import-after` seconds in, `python -m nno_dash
import` adds `--import-rows` new incidents (copies of last year's, new ids) to the file.

Each session opens Home, then changes the filters in the sidebar as a user does: adds an
offence category, a second, a third, then "Reset filters", and again (sessions start at
different categories). With `--think S` a session pauses between its steps, as a reader of
the page does: a pause is drawn from S/2 to 3S/2 seconds, the first from 0 to S (each
session its own seed, so a run repeats); 0, the default, changes filters back to back. A
step's latency runs from the change to the moment the Incidents figure has changed and
Streamlit is idle. Its server share is read off the websocket: from the browser sending the
rerun to Streamlit's "script finished" message (queries, figures and sending them, without
the browser's drawing), so the two are reported apart. That figure is checked against the
answer computed directly from the file before and after the import: a step must show one of
the two (else mixed data), and a step that began after the import finished must show the new
one (else stale). Bounded: it stops by itself after the set time (plus at most one step per
session); a session stops at its first error.

Browsers and app share this machine's cores, so each phase also reports the CPU seconds a step
cost the browsers and the app (from /proc), and the floor they put under the ratio: with N
sessions, a step costing C CPU seconds in all and P seconds of pause, no app can answer faster
on average than N*C/cores - P (Little's law), whatever it does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # run as a script from a checkout

import duckdb  # noqa: E402
import run  # noqa: E402

from nno_dash.core.filters import Filters, default_period  # noqa: E402
from nno_dash.core.vocab import category_label  # noqa: E402
from nno_dash.queries import datasets, overview  # noqa: E402
from nno_dash.store import db  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

LOOPBACK = {"127.0.0.1", "localhost"}


@dataclass
class Step:
    session: int
    filters: int
    started: float
    seconds: float
    value: int | None
    error: str | None = None
    server_seconds: float | None = None  # rerun sent to script finished, from the websocket


class RunClock:
    """When this session's browser asked for a rerun and when Streamlit said it finished,
    from the websocket's frames (Streamlit's own protobuf messages)."""

    def __init__(self) -> None:
        self.events: list[tuple[float, str]] = []

    def watch(self, ws) -> None:
        # Streamlit's wire format, to read its messages (the benchmark drives the app)
        from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: TID251
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: TID251

        def sent(payload) -> None:
            if isinstance(payload, bytes):
                with contextlib.suppress(Exception):
                    if BackMsg.FromString(payload).WhichOneof("type") == "rerun_script":
                        self.events.append((time.monotonic(), "rerun"))

        def received(payload) -> None:
            if isinstance(payload, bytes):
                with contextlib.suppress(Exception):
                    if ForwardMsg.FromString(payload).WhichOneof("type") == "script_finished":
                        self.events.append((time.monotonic(), "finished"))

        ws.on("close", lambda *_: self.events.append((time.monotonic(), "closed")))
        ws.on("framesent", sent)
        ws.on("framereceived", received)

    def closed(self) -> int:
        """How many times the page's websocket to Streamlit has closed so far."""
        return sum(kind == "closed" for _, kind in self.events)

    def server_seconds(self, start: float, end: float) -> float | None:
        """First rerun asked after `start` to the last run finished before `end`."""
        reruns = [t for t, kind in self.events if kind == "rerun" and start <= t <= end]
        done = [t for t, kind in self.events if kind == "finished" and start <= t <= end]
        if not reruns or not done or done[-1] < reruns[0]:
            return None
        return done[-1] - reruns[0]


# The categories a session adds one by one (each step one more), then "Reset filters".
CATEGORY_STEPS = [
    "larceny_theft",
    "robbery",
    "burglary",
    "simple_assault",
    "vandalism",
    "motor_vehicle_theft",
    "aggravated_assault",
    "fraud",
]
PER_ROUND = 3  # categories added before a reset


def states(con: duckdb.DuckDBPyConnection) -> list[Filters]:
    """Every filter state a session passes through: the default view, then 1..3 categories."""
    last = datasets.latest_day(con)
    first = con.execute("select min(occurred_on) from incident_daily").fetchone()[0]
    start, end = default_period(last)
    base = Filters(max(start, first), end)
    out = [base]
    for n in range(len(CATEGORY_STEPS)):
        for k in range(1, PER_ROUND + 1):
            picked = [CATEGORY_STEPS[(n + j) % len(CATEGORY_STEPS)] for j in range(k)]
            out.append(replace(base, categories=tuple(picked)))
    return out


def state_index(session: int, step: int) -> int:
    """Which of `states` a session is in after `step` steps (0: the default view)."""
    k = step % (PER_ROUND + 1)
    return 0 if k == 0 else 1 + (session % len(CATEGORY_STEPS)) * PER_ROUND + (k - 1)


def expected(path: Path, sets: list[Filters]) -> list[int]:
    """The Incidents figure of the Home page for each filter set, straight from the file."""
    con = db.open_readonly(path)
    try:
        return [int(overview.headline(con, f).iloc[0]["incidents"]) for f in sets]
    finally:
        con.close()


def write_import(path: Path, csv: Path, rows: int) -> None:
    """`rows` of last year's incidents again with new ids, as bench/demo_incidents.toml reads."""
    with duckdb.connect(str(path), read_only=True) as con:
        last = datasets.latest_day(con)
        con.execute(
            f"""copy (select 'lt-' || incident_id as incident_id, case_number, occurred_at,
                    reported_at, offence_code, offence_description, category, sensitive,
                    block_address, lat, lon
                from incidents where occurred_on > $since
                order by incident_id limit $rows) to '{csv}' (header)""",  # a path we made
            {"since": last - timedelta(days=365), "rows": rows},
        )


def pauses(session: int, think: float) -> Iterator[float]:
    """A session's pauses before each of its steps: the first from 0 to think seconds (users
    do not all start at once), then from think/2 to 3*think/2; the same sequence in every run
    (the session's number seeds it); all 0 when think is 0."""
    draw = random.Random(session)
    yield draw.uniform(0, think)
    while True:
        yield draw.uniform(think / 2, think * 1.5)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a live process so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_cpu_seconds() -> float:
    """CPU seconds so far of the Chromium processes this load test started (its descendants:
    Playwright's driver starts the browser), not of any other Chromium on the machine."""
    parent, chromium = {}, set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                pid = int(entry.name)
                parent[pid] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if Path(os.readlink(entry / "exe")).name.startswith("chromium"):
                    chromium.add(pid)
    mine = os.getpid()

    def ours(pid: int) -> bool:
        while pid > 1:
            if pid == mine:
                return True
            pid = parent.get(pid, 0)
        return False

    return sum(cpu_seconds(pid) for pid in chromium if ours(pid))


@dataclass
class CpuUse:
    """CPU seconds the browsers and the app used in a phase's measured window."""

    browser: float = 0.0
    app: float = 0.0

    async def measure(self, window: Window, app_pid: int) -> None:
        """From the window's opening to its deadline (before any session closes its page)."""
        await window.opened.wait()
        browser, app = browser_cpu_seconds(), cpu_seconds(app_pid)
        await asyncio.sleep(max(0.0, window.deadline - time.monotonic()))
        self.browser = browser_cpu_seconds() - browser
        self.app = cpu_seconds(app_pid) - app


def ratio_floor(
    sessions: int, cpu_per_step: float, cores: int, think: float, single_mean: float
) -> float:
    """The lowest mean ratio to one session's mean any app could show on these cores: a step
    needs `cpu_per_step` CPU seconds, so the sessions cannot step more often than
    cores/cpu_per_step a second, and each waits at least sessions*cpu_per_step/cores - think
    (Little's law for a closed system); never below 1."""
    return max(1.0, (sessions * cpu_per_step / cores - think) / single_mean)


async def session(
    n: int,
    browser,
    url: str,
    window: Window,
    steps: list[Step],
    think: float = 0.0,
    shots: Path | None = None,
) -> None:
    """Open Home, then change the offence-category filter in the sidebar, step by step,
    pausing between steps as `pauses` says."""
    context = await browser.new_context(viewport={"width": 1200, "height": 900})

    async def loopback_only(route) -> None:
        if urlparse(route.request.url).hostname in LOOPBACK:
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", loopback_only)
    page = await context.new_page()
    clock = RunClock()
    page.on("websocket", clock.watch)
    value_of = page.locator("[data-testid=stMetric]").filter(has_text="Incidents")
    value_of = value_of.locator("[data-testid=stMetricValue]").first
    idle = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    try:
        try:
            await page.goto(url, timeout=180_000)
            await page.wait_for_selector("[data-testid=stMetric]", timeout=180_000)
            await page.wait_for_function(idle, timeout=180_000)
            shown = await value_of.inner_text()
        except Exception as exc:  # recorded as an error; the others still go on
            steps.append(Step(n, 0, time.monotonic(), 0.0, None, f"first load: {exc!s:.200}"))
            await window.ready()
            return
        await window.ready()
        step = 0
        pause = pauses(n, think)
        while time.monotonic() < window.deadline:
            if think > 0:
                await asyncio.sleep(next(pause))
                if time.monotonic() >= window.deadline:
                    break
            step += 1
            k = step % (PER_ROUND + 1)
            started = time.monotonic()
            value, error = None, None
            try:
                if k == 0:
                    await (
                        page.locator("[data-testid=stSidebar] button")
                        .filter(has_text="Reset filters")
                        .click()
                    )
                else:
                    code = CATEGORY_STEPS[(n + k - 1) % len(CATEGORY_STEPS)]
                    box = page.locator('[data-testid="stMultiSelect"]').filter(
                        has_text="Offence categories"
                    )
                    await box.locator("input").fill(category_label(code))
                    await page.keyboard.press("Enter")
                    await page.keyboard.press("Escape")  # close the list it leaves open
                # the run has answered when the figure changes and Streamlit is idle again
                await page.wait_for_function(
                    """([old]) => {
                        const m = [...document.querySelectorAll('[data-testid=stMetric]')]
                            .find(e => e.innerText.includes('Incidents'));
                        const v = m && m.querySelector('[data-testid=stMetricValue]');
                        return v && v.innerText !== old;
                    }""",
                    arg=[shown],
                    timeout=60_000,
                )
                await page.wait_for_function(idle, timeout=60_000)
                if await page.locator('[data-testid="stException"]').count():
                    error = await page.locator('[data-testid="stException"]').first.inner_text()
                else:
                    shown = await value_of.inner_text()
                    value = int(shown.replace(",", "").strip())
            except Exception as exc:  # a timeout or a broken page is a result, not a crash
                # the first line and the end of Playwright's call log: what it waited for
                lines = str(exc).splitlines()
                error = f"{type(exc).__name__}: {' | '.join(lines[:1] + lines[1:][-3:])[:600]}"
                if clock.closed():
                    error += f" (websocket closed {clock.closed()} times)"
                if shots:  # what the page showed when the step gave up
                    shot = shots / f"session{n}_step{step}.png"
                    with contextlib.suppress(Exception):
                        await page.screenshot(path=shot, timeout=10_000)
                        error += f" [{shot}]"
            ended = time.monotonic()
            steps.append(
                Step(
                    n,
                    state_index(n, step),
                    started,
                    ended - started,
                    value,
                    error,
                    clock.server_seconds(started, ended),
                )
            )
            if error:
                break  # the page's state is unknown now; stop this session
    finally:
        await context.close()


SETTLE_SECONDS = 5  # after the last first page: its charts finish drawing


class Window:
    """The measured window: it opens when every session has loaded its first page (20
    first loads at once take a while on 2 cores; they are ramp-up, not filter changes) and
    the last one has had SETTLE_SECONDS to finish drawing (its CPU is no step's)."""

    def __init__(self, sessions: int, seconds: float) -> None:
        self.waiting, self.seconds = sessions, seconds
        self.opened = asyncio.Event()
        self.began = time.monotonic()
        self.deadline = float("inf")
        self.ramp_up = 0.0

    async def ready(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.ramp_up = time.monotonic() - self.began
            await asyncio.sleep(SETTLE_SECONDS)
            self.deadline = time.monotonic() + self.seconds
            self.opened.set()
        await self.opened.wait()


@dataclass
class Phase:
    """One phase's steps and what its measured window cost the machine."""

    steps: list[Step]
    window: Window
    cpu: CpuUse

    def cpu_per_step(self) -> tuple[float, float]:
        """Browser and app CPU seconds per step done inside the window. Under load a step
        lasts tens of seconds, so the steps still running at the deadline count for the part
        of them that fell inside it (their CPU did too), not for nothing."""
        opened, deadline = self.window.deadline - self.window.seconds, self.window.deadline
        inside = sum(
            (min(s.started + s.seconds, deadline) - max(s.started, opened)) / s.seconds
            for s in self.steps
            if s.error is None and s.seconds > 0 and s.started < deadline
        )
        return (self.cpu.browser / inside, self.cpu.app / inside) if inside else (0.0, 0.0)


async def phase(
    url: str,
    sessions: int,
    seconds: float,
    app_pid: int,
    think: float = 0.0,
    during=None,
    shots: Path | None = None,
) -> Phase:
    """`sessions` at once for `seconds` after ramp-up; `during(window)` runs beside them."""
    from playwright.async_api import async_playwright

    steps: list[Step] = []
    window = Window(sessions, seconds)
    cpu = CpuUse()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=run.CHROMIUM, args=run.CHROMIUM_ARGS)
        try:
            tasks = [session(n, browser, url, window, steps, think, shots) for n in range(sessions)]
            extra = [cpu.measure(window, app_pid)] + ([during(window)] if during else [])
            await asyncio.gather(*tasks, *extra)
        finally:
            await browser.close()
    print(f"  {sessions} session(s): first pages loaded in {window.ramp_up:.1f} s (ramp-up)")
    return Phase(steps, window, cpu)


def summarise(name: str, result: Phase) -> tuple[float, float, float, float]:
    """Median and p95 of the steps in the browser, then of their server share."""
    steps = result.steps
    ok = [s.seconds * 1000 for s in steps if s.error is None]
    server = [s.server_seconds * 1000 for s in steps if s.error is None and s.server_seconds]
    if not ok:
        print(f"{name}: no step finished")
        return float("nan"), float("nan"), float("nan"), float("nan")
    p50, p95 = statistics.median(ok), run.percentile(ok, 95)
    s50, s95 = (
        (statistics.median(server), run.percentile(server, 95)) if server else (float("nan"),) * 2
    )
    print(
        f"{name}: {len(steps)} steps, {len(steps) - len(ok)} errors; in the browser median "
        f"{p50:,.0f} ms, p95 {p95:,.0f} ms, max {max(ok):,.0f} ms; server share "
        f"({len(server)} steps) median {s50:,.0f} ms, p95 {s95:,.0f} ms"
    )
    browser, app = result.cpu_per_step()
    print(f"  CPU a step: browsers {browser:.2f} s, app {app:.2f} s")
    return p50, p95, s50, s95


def mean_seconds(steps: list[Step]) -> float:
    """Mean duration of the steps without an error (nan when there are none)."""
    ok = [s.seconds for s in steps if s.error is None]
    return statistics.mean(ok) if ok else float("nan")


def write_steps(path: Path, result: Phase, importer: dict[str, float]) -> None:
    """The load phase's steps as CSV, timed from the window's opening (and where the import
    fell on that clock, printed)."""
    opened = result.window.deadline - result.window.seconds
    with path.open("w") as out:
        out.write("session,state,started_s,seconds,server_seconds,value,error\n")
        for s in sorted(result.steps, key=lambda s: s.started):
            error = (s.error or "").replace(",", ";").replace("\n", " ")[:200]
            out.write(
                f"{s.session},{s.filters},{s.started - opened:.2f},{s.seconds:.2f},"
                f"{'' if s.server_seconds is None else f'{s.server_seconds:.3f}'},"
                f"{'' if s.value is None else s.value},{error}\n"
            )
    span = [importer.get(k, float("nan")) - opened for k in ("start", "end")]
    print(f"steps written to {path} (the import ran from {span[0]:.1f} to {span[1]:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="database to serve (copied)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--single-seconds", type=float, default=25)
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--import-after", type=float, default=10, help="seconds into the load")
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean pause between a session's steps, seconds"
    )
    parser.add_argument("--steps-csv", type=Path, help="write every step of the load phase here")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "nno-load")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 50 or not 0 < args.seconds <= 600:
        parser.error("at most 50 sessions and 10 minutes")
    if not 0 <= args.think <= args.seconds:
        parser.error("--think must be between 0 and --seconds")
    args.workdir.mkdir(parents=True, exist_ok=True)

    served = args.workdir / "served.duckdb"
    shutil.copyfile(args.db, served)
    csv = args.workdir / "new_incidents.csv"
    write_import(served, csv, args.import_rows)
    with db.open_readonly(served) as con:
        sets = states(con)
    before = expected(served, sets)
    print(f"serving a copy of {args.db}; {len(sets)} filter states")

    with run.app_server(served, args.workdir / "streamlit.log") as (proc, url, _):
        # one user alone, back to back: pauses change no step's latency, only how many
        shots = args.workdir / "errors"  # a screenshot of each step that gives up
        shots.mkdir(exist_ok=True)
        single = asyncio.run(phase(url, 1, args.single_seconds, proc.pid, shots=shots))
        _, single_p95, _, single_server_p95 = summarise("1 session", single)

        importer: dict[str, float] = {}

        def start_import() -> subprocess.Popen:
            importer["start"] = time.monotonic()
            return subprocess.Popen(
                [sys.executable, "-m", "nno_dash", "import", "incidents", str(csv)]
                + ["--mapping", str(run.MAPPING), "--db", str(served), "--quiet"]
                + ["--rejects-dir", str(args.workdir / "rejects")],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

        async def load_with_import() -> list[Step]:
            async def import_later(window: Window) -> None:
                await window.opened.wait()
                await asyncio.sleep(args.import_after)
                proc = start_import()
                while proc.poll() is None:
                    await asyncio.sleep(0.05)
                importer["end"] = time.monotonic()
                importer["code"] = proc.returncode

            return await phase(
                url, args.sessions, args.seconds, proc.pid, args.think, import_later, shots
            )

        load_phase = asyncio.run(load_with_import())
        load_p50, load_p95, _, load_server_p95 = summarise(f"{args.sessions} sessions", load_phase)
        memory = run.peak_rss_mb(proc.pid)

    load = load_phase.steps
    if args.steps_csv:
        write_steps(args.steps_csv, load_phase, importer)

    after = expected(served, sets)
    stale = mixed = 0
    for s in load:
        if s.value is None:
            continue
        if s.value not in (before[s.filters], after[s.filters]):
            mixed += 1
        elif "end" in importer and s.started > importer["end"] + 0.5:
            if s.value != after[s.filters] and before[s.filters] != after[s.filters]:
                stale += 1
                print(
                    f"  stale: session {s.session} state {s.filters} began "
                    f"{s.started - importer['end']:.1f} s after the import ended, took "
                    f"{s.seconds:.1f} s, showed {s.value} (before {before[s.filters]}, "
                    f"after {after[s.filters]})"
                )
        elif s.started + s.seconds < importer.get("start", float("inf")):
            stale += s.value != before[s.filters]
    errors = sum(s.error is not None for s in load + single.steps)
    changed = sum(b != a for b, a in zip(before, after, strict=True))
    print(
        f"import: exit {importer.get('code')}, "
        f"{importer.get('end', float('nan')) - importer.get('start', float('nan')):.1f} s, "
        f"{args.import_rows:,} rows; {changed} of {len(sets)} filter states changed answer"
    )
    print(f"app peak memory {memory:,.0f} MB; errors {errors}; stale {stale}; mixed {mixed}")
    for e in {s.error for s in load + single.steps if s.error}:
        print(f"  error: {e}")
    ratio = load_p95 / single_p95
    server_ratio = load_server_p95 / single_server_p95
    single_browser, single_app = single.cpu_per_step()
    load_browser, load_app = load_phase.cpu_per_step()
    cores = len(os.sched_getaffinity(0))
    single_mean = mean_seconds(single.steps)
    mean_ratio = mean_seconds(load) / single_mean
    floor = ratio_floor(args.sessions, single_browser + single_app, cores, args.think, single_mean)
    floor_load = ratio_floor(args.sessions, load_browser + load_app, cores, args.think, single_mean)
    print(
        f"floor: a step costs {single_browser:.2f} s of browser CPU and {single_app:.2f} s of "
        f"the app's (one session); {args.sessions} sessions on {cores} cores pausing "
        f"{args.think:g} s cannot average under {floor:.1f}x one session's mean step "
        f"({single_mean * 1000:,.0f} ms); at what a step costs under load "
        f"({load_browser:.2f} s and {load_app:.2f} s), {floor_load:.1f}x; "
        f"measured {mean_ratio:.1f}x"
    )
    print(
        f"LOADTEST sessions={args.sessions} steps={len(load)} single_p95_ms={single_p95:.0f} "
        f"load_p50_ms={load_p50:.0f} load_p95_ms={load_p95:.0f} p95_ratio={ratio:.1f} "
        f"server_single_p95_ms={single_server_p95:.0f} server_load_p95_ms={load_server_p95:.0f} "
        f"server_p95_ratio={server_ratio:.1f} think_s={args.think:g} "
        f"browser_cpu_per_step_s={single_browser:.2f} app_cpu_per_step_s={single_app:.2f} "
        f"load_browser_cpu_per_step_s={load_browser:.2f} load_app_cpu_per_step_s={load_app:.2f} "
        f"mean_ratio={mean_ratio:.1f} ratio_floor={floor:.1f} "
        f"ratio_floor_under_load={floor_load:.1f} "
        f"errors={errors} stale={stale} mixed={mixed} import_exit={importer.get('code')}"
    )
    csv.unlink(missing_ok=True)
    served.unlink(missing_ok=True)
    ok = errors == 0 and stale == 0 and mixed == 0 and importer.get("code") == 0
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("NNO_DEMO_INCIDENTS", "20000")  # never build a big demo by mistake
    raise SystemExit(main())

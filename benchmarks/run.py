"""Benchmark vzwatch against `import typer`, Taskwarrior and git, and check the goals.

Usage (from the repository, after the Quick start install; needs ``hyperfine``,
``task`` and ``git`` on PATH, see docs/performance.md)::

    .venv/bin/python benchmarks/run.py                # every goal, with a 100k store
    .venv/bin/python benchmarks/run.py --quick        # fewer runs, no 100k store
    .venv/bin/python benchmarks/run.py --quick --with-100k   # fewer runs, every goal
    .venv/bin/python benchmarks/run.py --only merge   # goals whose name contains "merge"
    .venv/bin/python benchmarks/run.py --list-goals   # the goal names, nothing measured

Generates stores of 3 (bundled), 1k, 10k and 100k initiatives in a temporary
directory (never in the repository), with the parse cache in that directory
too, warms each cache once, then times every command as a whole process with
hyperfine when it is installed (else a small harness: median of N runs) and
prints medians and the ratios the goals in docs/performance.md are stated in,
all measured in this one run. Taskwarrior (Debian package ``taskwarrior``) is
run on the same 10k data when ``task`` is on PATH, in its own TASKRC/TASKDATA
inside the temporary directory.

Every command is run once first (the probe). One that takes longer than
SLOW_MS gets no warm-ups and only as many runs as fit in BUDGET_MS; one that
takes longer than ONCE_MS is not run again: its probe is the measurement,
reported as measured once; one still running after ``--timeout`` seconds is
stopped and its goal shows a lower bound. Writes and "first read after a change" reset or
change the files before every run with ``hyperfine --prepare`` (see
benchmarks/prepare.py). Not a test; never run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.generate import (
    initiatives,
    store_text,
    taskwarrior_tasks,
    write_results_store,
    write_store,
)

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
VZWATCH = str(BIN / "vzwatch")
PYTHON = sys.executable
PREPARE = str(REPO / "benchmarks" / "prepare.py")
SIZES = [1_000, 10_000, 100_000]

SLOW_MS = 1_000.0  # a probe slower than this: no warm-ups, runs capped by BUDGET_MS
BUDGET_MS = 45_000.0  # about this much time per slow measurement
ONCE_MS = 20_000.0  # a probe slower than this is the measurement (measured once)
TIMEOUT_S = 300  # default --timeout: a probe still running then is stopped

TYPER = "python -c 'import typer'"
RESULTS = "10000 with indicators and milestones"  # the suffix of that store's measurements
# Taskwarrior for writes: no questions, no output, and no garbage collection, so
# ids stay those of the import and `task N` names the same task every run.
TASK_WRITE = ["rc.gc=off", "rc.confirmation=off", "rc.verbose=nothing"]


@dataclass(frozen=True)
class Goal:
    name: str
    measured: str  # a measurement's name
    baseline: str | None  # None: the measured value itself is held to the limit (MiB)
    limit: float

    def measurements(self) -> list[str]:
        return [self.measured] + ([self.baseline] if self.baseline else [])


@dataclass(frozen=True)
class Step:
    """One measurement: its name, how to take it, and what it needs."""

    key: str
    take: Callable[[], None]
    sizes: tuple[int, ...] = ()  # generated stores (3 = the bundled one) filled before timing
    tool: str | None = None  # "task" or "git": unavailable when not on PATH


def goals(big: int) -> list[Goal]:
    return [
        Goal("due --json (bundled) / import typer", "vzwatch due --json, bundled", TYPER, 1.3),
        Goal("--help / import typer", "vzwatch --help", TYPER, 1.5),
        Goal("list (bundled) / import typer", "vzwatch list, bundled", TYPER, 2.0),
        Goal(
            "due --json 10k / task due export 10k",
            "vzwatch due --json, 10000",
            "task due.before:2025-04-01 export, 10000",
            1.0,
        ),
        Goal("list 10k / task list 10k", "vzwatch list, 10000", "task list, 10000", 1.0),
        Goal(f"add {big} / add bundled", f"vzwatch add, {big}", "vzwatch add, 3", 1.2),
        Goal(
            f"progress {big} / progress bundled",
            f"vzwatch progress, {big}",
            "vzwatch progress, 3",
            1.2,
        ),
        Goal(
            "due --json 100k / due --json 10k",
            "vzwatch due --json, 100000",
            "vzwatch due --json, 10000",
            10.0,
        ),
        Goal("peak memory due --json 100k (MiB)", "peak MiB due --json 100000", None, 600.0),
        # Issue 10 (storage core): writes, first reads after a change, validate, merges.
        Goal(
            "edit 10k / task modify 10k",
            "vzwatch edit --status, 10000",
            "task modify priority:H, 10000",
            1.0,
        ),
        Goal(
            "remove 10k / task delete 10k",
            "vzwatch remove --yes, 10000",
            "task delete, 10000",
            1.0,
        ),
        Goal(
            "first list --json after a change 10k / task export 10k",
            "vzwatch list --json after a change, 10000",
            "task export, 10000",
            1.0,
        ),
        Goal(
            "first due --json after a change 10k / task export 10k",
            "vzwatch due --json after a change, 10000",
            "task export, 10000",
            1.0,
        ),
        Goal(
            "validate 10k / task export 10k",
            "vzwatch validate FILE, 10000",
            "task export, 10000",
            1.0,
        ),
        Goal(
            "merge-driver 10k / git merge-file 10k",
            "vzwatch merge-driver, 10000",
            "git merge-file, 10000",
            3.0,
        ),
        # Issue 16: dependency and stale checks, on 10k initiatives of which every
        # tenth waits for the one before it.
        Goal(
            "list --blocked --json 10k / task export 10k",
            "vzwatch list --blocked --json, 10000 with dependencies",
            "task export, 10000",
            1.0,
        ),
        Goal(
            "deps --critical 10k / task export 10k",
            "vzwatch deps --critical, 10000 with dependencies",
            "task export, 10000",
            1.0,
        ),
        Goal(
            "stale --json 10k / task export 10k",
            "vzwatch stale --json, 10000 with dependencies",
            "task export, 10000",
            1.0,
        ),
        # Issue 15: 10k initiatives with an indicator (one measurement) and a milestone each.
        Goal(
            "list 10k with indicators and milestones / task list 10k",
            f"vzwatch list, {RESULTS}",
            "task list, 10000",
            1.0,
        ),
        Goal(
            "due --json 10k with indicators and milestones / task due export 10k",
            f"vzwatch due --json, {RESULTS}",
            "task due.before:2025-04-01 export, 10000",
            1.0,
        ),
        Goal(
            "measure 10k with indicators and milestones / progress bundled",
            f"vzwatch measure, {RESULTS}",
            "vzwatch progress, 3",
            1.2,
        ),
        Goal(
            "edit 10k with indicators and milestones / task modify 10k",
            f"vzwatch edit --status, {RESULTS}",
            "task modify priority:H, 10000",
            1.0,
        ),
        Goal(
            "first list --json after a change 10k with indicators and milestones / task export 10k",
            f"vzwatch list --json after a change, {RESULTS}",
            "task export, 10000",
            1.0,
        ),
        Goal(
            "first due --json after a change 100k / warm 100k",
            "vzwatch due --json after a change, 100000",
            "vzwatch due --json warm (same store), 100000",
            2.0,
        ),
    ]


def run_quiet(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float | None = None
) -> None:
    subprocess.run(
        args,
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=timeout,
    )


def median_ms(
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    runs: int,
    prepare: list[str] | None = None,
    warmup: int = 2,
) -> float:
    """Median wall time of ``args`` as a whole process, in milliseconds."""
    hyperfine = shutil.which("hyperfine")
    if hyperfine:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [hyperfine, "-N", "--warmup", str(warmup), "--runs", str(runs)]
            command += ["--export-json", out.name, "--style", "none"]
            if prepare:
                # With -N hyperfine splits this itself (no shell), like the command.
                command += ["--prepare", shlex.join(prepare)]
            command.append(shlex.join(args))
            subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
            return float(json.loads(Path(out.name).read_text())["results"][0]["median"]) * 1000
    times = []
    for number in range(warmup + runs):
        if prepare:
            run_quiet(prepare, env, cwd)
        start = time.perf_counter()
        run_quiet(args, env, cwd)
        if number >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_rss_mib(args: list[str], env: dict[str, str]) -> float:
    """Peak resident memory of one run of ``args`` (a fresh child process)."""
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([PYTHON, "-c", code, *args], env=env, capture_output=True, check=True)
    return int(out.stdout) / 1024


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        version = subprocess.run(["task", "--version"], capture_output=True, text=True).stdout
    except OSError:
        version = "not installed"
    try:
        git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
    except OSError:
        git = "git not installed"
    import typer

    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, typer {typer.__version__}, "
        f"Taskwarrior {version.strip() or 'not installed'}, {git.strip()}"
    )


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def retitled(text: str, item: dict[str, object], title: str) -> str:
    """``text`` (a generated store) with ``item``'s title replaced by ``title``."""
    old = f"id = {json.dumps(item['id'])}\ntitle = {json.dumps(item['title'])}\n"
    new = f"id = {json.dumps(item['id'])}\ntitle = {json.dumps(title)}\n"
    assert text.count(old) == 1, item["id"]
    return text.replace(old, new)


class Bench:
    def __init__(self, work: Path, sizes: list[int], quick: bool, timeout: float) -> None:
        self.work = work
        self.timeout = timeout
        self.sizes = sizes
        self.big = max(sizes)
        self.fast_runs = 10 if quick else 30
        self.slow_runs = 5 if quick else 10
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work / "home"),
            "XDG_CACHE_HOME": str(work / "cache"),
            "XDG_DATA_HOME": str(work / "data-home"),
            "LANG": "C.UTF-8",
            "COLUMNS": "120",
            "TASKRC": str(work / "taskrc"),
            "TASKDATA": str(work / "taskdata"),
        }
        self.stores = {size: work / f"store-{size}.toml" for size in [3, *SIZES]}
        self.results: dict[str, float] = {}
        self.runs: dict[str, int] = {}
        self._items: list[dict[str, object]] | None = None
        self._taskwarrior: str | None = None

    # -- stores -----------------------------------------------------------------

    def vz(self, store: int | Path, *args: str) -> list[str]:
        path = self.stores[store] if isinstance(store, int) else store
        return [VZWATCH, *args, "--file", str(path)]

    def fill(self, sizes: set[int]) -> None:
        """Generate the stores, fill each one's cache (the cold parse), let the entries settle."""
        if 3 in sizes:
            shutil.copyfile(REPO / "data" / "initiatives.toml", self.stores[3])
        for size in sorted(sizes - {3}):
            started = time.perf_counter()
            write_store(self.stores[size], size)
            mb = self.stores[size].stat().st_size / 1e6
            took = time.perf_counter() - started
            print(f"generated {size} initiatives: {mb:.1f} MB in {took:.1f} s")
        for size in sorted(sizes):
            self.cold_parse(self.stores[size])
        if sizes:
            self.settle(*(self.stores[size] for size in sizes))

    def cold_parse(self, path: Path) -> None:
        started = time.perf_counter()
        run_quiet(self.vz(path, "list", "--json"), self.env, self.work)
        print(f"cold parse of {path.name}: {time.perf_counter() - started:.1f} s")

    def settle(self, *paths: Path) -> None:
        """Let cache entries settle (the store's ctime > 1 s older than the entry), then read."""
        time.sleep(1.5)
        for path in paths:
            run_quiet(self.vz(path, "list", "--json"), self.env, self.work)

    def items(self) -> list[dict[str, object]]:
        if self._items is None:
            self._items = initiatives(10_000)
        return self._items

    def pristine(self) -> Path:
        """The generated 10k store, never changed: what edit and remove copies are reset to."""
        path = self.work / "pristine-10000.toml"
        if not path.exists():
            write_store(path, 10_000)
        return path

    def dependent_store(self) -> Path:
        """A copy of the pristine 10k store in which every tenth initiative waits for the
        one before it, its cache filled and settled (made once)."""
        path = self.work / "dependencies-10000.toml"
        if not path.exists():
            ids = [str(item["id"]) for item in self.items()]
            text = self.pristine().read_text(encoding="utf-8")
            for at in range(10, len(ids), 10):
                line = f'id = "{ids[at]}"\n'
                text = text.replace(line, f'{line}depends_on = ["{ids[at - 1]}"]\n', 1)
            path.write_text(text, encoding="utf-8")
            self.cold_parse(path)
            self.settle(path)
        return path

    def results_store(self) -> Path:
        """The 10k initiatives with an indicator, a measurement and a milestone each
        (benchmarks/generate.py), never changed; its cache filled and settled (made once)."""
        path = self.work / "results-10000.toml"
        if not path.exists():
            write_results_store(path, 10_000)
            self.cold_parse(path)
            self.settle(path)
        return path

    def results_copy(self, name: str) -> tuple[Path, list[str]]:
        """A warm copy of the results store, and the prepare step that puts it (and its
        cache entry) back before every run."""
        store = self.work / name
        shutil.copyfile(self.results_store(), store)
        self.cold_parse(store)
        self.settle(store)
        entry = self.cache_entry(store)
        saved = self.work / f"{name}.cache-entry"
        pristine = self.work / f"{name}.pristine"
        shutil.copyfile(entry, saved)
        shutil.copyfile(store, pristine)
        return store, [PYTHON, PREPARE, "copy", str(pristine), str(store), str(saved), str(entry)]

    def cache_entry(self, store: Path) -> Path:
        """The parse-cache file of a store (vzwatch.storage.cache names it by the store's path)."""
        from vzwatch.storage.cache import entry_path

        return entry_path(store, self.work / "cache" / "vzwatch")

    def warm_copy(self, name: str) -> Path:
        """A copy of the pristine 10k store with its cache filled and settled."""
        path = self.work / name
        shutil.copyfile(self.pristine(), path)
        self.cold_parse(path)
        self.settle(path)
        return path

    def target(self, want: Callable[[dict[str, object]], bool]) -> int:
        """Index of the first of the 10k initiatives from the middle on that ``want`` accepts."""
        items = self.items()
        return next(i for i in range(len(items) // 2, len(items)) if want(items[i]))

    # -- Taskwarrior --------------------------------------------------------------

    def taskwarrior(self) -> str:
        """``task``, with the same 10k initiatives imported (ids 1..10000 in store order)."""
        if self._taskwarrior is None:
            task = shutil.which("task")
            assert task
            (self.work / "taskdata").mkdir()
            (self.work / "taskrc").write_text(
                f"data.location={self.work / 'taskdata'}\n"
                "confirmation=no\nverbose=no\nnews.version=2.6.2\n"
            )
            tasks = self.work / "tasks.json"
            tasks.write_text(json.dumps(taskwarrior_tasks(10_000)))
            started = time.perf_counter()
            run_quiet([task, "rc.hooks=off", "import", str(tasks)], self.env, self.work)
            took = time.perf_counter() - started
            print(f"imported 10000 tasks into Taskwarrior in {took:.1f} s")
            shutil.copytree(self.work / "taskdata", self.work / "taskdata-pristine")
            self._taskwarrior = task
        return self._taskwarrior

    def reset_tasks(self) -> list[str]:
        """The prepare step putting Taskwarrior's data back as imported."""
        return [PYTHON, PREPARE, "copy", str(self.work / "taskdata-pristine"), self.env["TASKDATA"]]

    # -- measuring ----------------------------------------------------------------

    def measure(
        self, name: str, args: list[str], runs: int, prepare: list[str] | None = None
    ) -> None:
        if prepare:
            run_quiet(prepare, self.env, self.work)
        started = time.perf_counter()
        try:
            run_quiet(args, self.env, self.work, self.timeout)
        except subprocess.TimeoutExpired:
            # Killed: the time it ran is a lower bound, and the only figure we have.
            self.results[name] = self.timeout * 1000
            self.runs[name] = 0
            note = f"  (stopped after {self.timeout:g} s: at least this)"
            print(f"  {name:<44} {self.timeout * 1000:9.1f} ms{note}")
            return
        probe = (time.perf_counter() - started) * 1000
        note = ""
        if probe > ONCE_MS:
            value, runs = probe, 1
            note = f"  (measured once: one run took over {ONCE_MS / 1000:.0f} s)"
        elif probe > SLOW_MS:
            runs = max(2, min(runs, int(BUDGET_MS / probe)))
            value = median_ms(args, self.env, self.work, runs, prepare, warmup=0)
            note = f"  ({runs} runs, no warm-up)"
        else:
            value = median_ms(args, self.env, self.work, runs, prepare)
        self.results[name] = value
        self.runs[name] = runs
        print(f"  {name:<44} {value:9.1f} ms{note}")


def steps(b: Bench) -> list[Step]:
    """Every measurement, in the order they run."""
    out: list[Step] = []

    def add(key: str, take: Callable[[], None], *sizes: int, tool: str | None = None) -> None:
        out.append(Step(key, take, sizes, tool))

    def timed(key: str, args: list[str], runs: int, *sizes: int) -> None:
        add(key, lambda: b.measure(key, args, runs), *sizes)

    timed(TYPER, [PYTHON, "-c", "import typer"], b.fast_runs)
    due = ("due", "--quarter", "Q1-2025", "--json")
    timed("vzwatch due --json, bundled", b.vz(3, *due), b.fast_runs, 3)
    timed("vzwatch --help", [VZWATCH, "--help"], b.fast_runs)
    timed("vzwatch list, bundled", b.vz(3, "list"), b.fast_runs, 3)
    for size in SIZES:
        runs = b.fast_runs if size < 100_000 else b.slow_runs
        timed(f"vzwatch due --json, {size}", b.vz(size, *due), runs, size)
        timed(f"vzwatch list, {size}", b.vz(size, "list"), runs, size)
    report = ("report", "--quarter", "Q1-2025", "--today", "2025-03-31")
    timed("vzwatch report (table), 10000", b.vz(10_000, *report), b.slow_runs, 10_000)

    def task(key: str, args: list[str], runs: int, reset: bool = False) -> None:
        def take() -> None:
            command = [b.taskwarrior(), *args]
            b.measure(key, command, runs, b.reset_tasks() if reset else None)
            if reset:
                run_quiet(b.reset_tasks(), b.env, b.work)

        add(key, take, tool="task")

    due_tasks = ["due.after:2024-12-31", "due.before:2025-04-01", "export"]
    task("task due.before:2025-04-01 export, 10000", due_tasks, b.fast_runs)
    task("task list, 10000", ["rc.defaultwidth=120", "list"], b.fast_runs)
    task("task export, 10000", ["export"], b.fast_runs)
    # The same initiatives as the vzwatch edit and remove below (task N = index + 1).
    edited = b.target(lambda item: item["status"] == "planned")
    removed = b.target(lambda item: len(item["log"]) >= 2)  # type: ignore[arg-type]
    modify = [*TASK_WRITE, str(edited + 1), "modify", "priority:H"]
    task("task modify priority:H, 10000", modify, b.slow_runs * 2, reset=True)
    delete = [*TASK_WRITE, str(removed + 1), "delete"]
    task("task delete, 10000", delete, b.slow_runs * 2, reset=True)

    # Appends: every run appends one more record (the store grows by a few
    # hundred bytes per run, which is noise next to its size).
    summit = ["add", "Benchmark Summit", "--timeline", "Q2 2025"]
    summit += ["--pillar", "election-monitoring", "--tag", "summit"]
    for size in (3, b.big):
        timed(f"vzwatch add, {size}", b.vz(size, *summit), b.slow_runs * 2, size)

    # progress appends a [[progress]] entry to the last initiative of the store that is
    # not done (its row is in the cache's last chunk); 50% never changes the status, and
    # the store stays valid (a done initiative below 100% is a contradiction `validate`,
    # timed on the same store afterwards, reports).
    def progress(size: int) -> None:
        key = f"vzwatch progress, {size}"

        def take() -> None:
            unfinished = (item for item in reversed(initiatives(size)) if item["status"] != "done")
            last = "humanitarian-aid-programs" if size == 3 else str(next(unfinished)["id"])
            args = b.vz(size, "progress", last, "50", "--note", "benchmark")
            b.measure(key, args, b.slow_runs * 2)

        add(key, take, size)

    progress(3)
    progress(b.big)

    # Full writes on a warm 10k store, reset before every run to the pristine store
    # and its warm cache entry (Taskwarrior's runs get their data directory back).
    def write(key: str, name: str, index: int, *args: str) -> None:
        def take() -> None:
            store = b.warm_copy(name)
            entry = b.cache_entry(store)
            saved = b.work / f"{name}.cache-entry"
            shutil.copyfile(entry, saved)
            reset = [PYTHON, PREPARE, "copy", str(b.pristine()), str(store), str(saved), str(entry)]
            command = b.vz(store, args[0], str(b.items()[index]["id"]), *args[1:])
            b.measure(key, command, b.slow_runs * 2, reset)

        add(key, take)

    write("vzwatch edit --status, 10000", "edit-10000.toml", edited, "edit", "--status", "active")
    write("vzwatch remove --yes, 10000", "remove-10000.toml", removed, "remove", "--yes")
    validate = [VZWATCH, "validate", str(b.stores[10_000])]
    timed("vzwatch validate FILE, 10000", validate, b.fast_runs, 10_000)

    # A three-way merge of 10k stores: ours and theirs each retitle a different
    # initiative. Both tools write the result into ours, so ours is reset first.
    base, ours, theirs = (b.work / f"merge-{side}.toml" for side in ("base", "ours", "theirs"))
    pristine = b.work / "merge-ours-pristine.toml"

    def merge(key: str, command: list[str], tool: str | None) -> None:
        def take() -> None:
            if not pristine.exists():
                items = b.items()
                text = store_text(items)
                base.write_text(text, encoding="utf-8")
                pristine.write_text(retitled(text, items[3_333], "Ours edited"), encoding="utf-8")
                theirs.write_text(retitled(text, items[6_666], "Theirs edited"), encoding="utf-8")
            reset = [PYTHON, PREPARE, "copy", str(pristine), str(ours)]
            b.measure(key, command, b.slow_runs, reset)

        add(key, take, tool=tool)

    merge("git merge-file, 10000", ["git", "merge-file", str(ours), str(base), str(theirs)], "git")
    driver = [VZWATCH, "merge-driver", str(base), str(ours), str(theirs)]
    merge("vzwatch merge-driver, 10000", driver, None)

    def peak() -> None:
        b.results["peak MiB due --json 100000"] = peak_rss_mib(b.vz(100_000, *due), b.env)

    add("peak MiB due --json 100000", peak, 100_000)

    # First reads after a hand edit: before every run the initiative in the
    # middle gets a new title, so the cache holds the previous content, never
    # this one. These run last, on the stores the goals above used (their
    # caches are warm).
    def after_edit(key: str, size: int, args: tuple[str, ...], runs: int) -> None:
        def take() -> None:
            items = b.items() if size == 10_000 else initiatives(size)
            ident = str(items[size // 2]["id"])
            counter = b.work / f"hand-edits-{size}"
            edit = [PYTHON, PREPARE, "retitle", str(b.stores[size]), ident, str(counter)]
            b.measure(key, b.vz(size, *args), runs, edit)

        add(key, take, size)

    listing = ("list", "--json")
    after_edit("vzwatch list --json after a change, 10000", 10_000, listing, b.fast_runs)
    after_edit("vzwatch due --json after a change, 10000", 10_000, due, b.fast_runs)
    after_edit("vzwatch due --json after a change, 100000", 100_000, due, b.slow_runs)

    def watched(key: str, args: tuple[str, ...]) -> None:
        def take() -> None:
            b.measure(key, b.vz(b.dependent_store(), *args), b.fast_runs)

        add(key, take)

    as_of = ("--today", "2025-03-31")
    watched(
        "vzwatch list --blocked --json, 10000 with dependencies",
        ("list", "--blocked", "--json", *as_of),
    )
    watched("vzwatch deps --critical, 10000 with dependencies", ("deps", "--critical", *as_of))
    watched("vzwatch stale --json, 10000 with dependencies", ("stale", "--json", *as_of))

    # The 10k store with an indicator and a milestone per initiative (issue 15).
    def with_results(key: str, args: tuple[str, ...], runs: int) -> None:
        def take() -> None:
            b.measure(key, b.vz(b.results_store(), *args), runs)

        add(key, take)

    with_results(f"vzwatch list, {RESULTS}", ("list",), b.fast_runs)
    with_results(f"vzwatch due --json, {RESULTS}", due, b.fast_runs)
    last = str(b.items()[-1]["id"])
    # measure appends a [[measurements]] entry of the last initiative's indicator (the
    # store grows by one small table per run, as for progress).
    with_results(
        f"vzwatch measure, {RESULTS}", ("measure", f"{last}-result", "7", *as_of), b.slow_runs * 2
    )

    def results_edit() -> None:
        store, reset = b.results_copy("results-edit-10000.toml")
        ident = str(b.items()[edited]["id"])
        command = b.vz(store, "edit", ident, "--status", "active")
        b.measure(f"vzwatch edit --status, {RESULTS}", command, b.slow_runs * 2, reset)

    add(f"vzwatch edit --status, {RESULTS}", results_edit)

    def results_after_edit() -> None:
        store, _ = b.results_copy("results-read-10000.toml")
        ident = str(b.items()[5_000]["id"])
        counter = b.work / "hand-edits-results"
        edit = [PYTHON, PREPARE, "retitle", str(store), ident, str(counter)]
        key = f"vzwatch list --json after a change, {RESULTS}"
        b.measure(key, b.vz(store, "list", "--json"), b.fast_runs, edit)

    add(f"vzwatch list --json after a change, {RESULTS}", results_after_edit)

    def warm_again() -> None:
        b.settle(b.stores[100_000])
        b.measure("vzwatch due --json warm (same store), 100000", b.vz(100_000, *due), b.slow_runs)

    add("vzwatch due --json warm (same store), 100000", warm_again, 100_000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, no 100k store")
    parser.add_argument(
        "--with-100k", action="store_true", help="keep the 100k store (and its goals) with --quick"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="PATTERN",
        help="measure only the goals whose name contains PATTERN (repeatable; any matches)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT_S,
        metavar="SECONDS",
        help=f"stop a command whose first run takes longer (default {TIMEOUT_S}); "
        "its goal then shows a lower bound",
    )
    parser.add_argument("--list-goals", action="store_true", help="print the goal names and exit")
    options = parser.parse_args()
    sizes = SIZES if options.with_100k or not options.quick else [1_000, 10_000]

    work = Path(tempfile.mkdtemp(prefix="vzwatch-bench-"))
    (work / "home").mkdir()
    b = Bench(work, sizes, options.quick, options.timeout)
    plan = steps(b)
    available: dict[str, str | None] = {}  # measurement -> why it cannot run (None: it can)
    for step in plan:
        missing = [s for s in step.sizes if s != 3 and s not in sizes]
        if missing:
            available[step.key] = "no 100k store (--quick without --with-100k)"
        elif step.tool and not shutil.which(step.tool):
            available[step.key] = f"{step.tool} is not on PATH"
        else:
            available[step.key] = None
    chosen = goals(b.big)
    if options.list_goals:
        print("\n".join(goal.name for goal in chosen))
        shutil.rmtree(work, ignore_errors=True)
        return 0
    if options.only:
        patterns = [p.lower() for p in options.only]
        chosen = [g for g in chosen if any(p in g.name.lower() for p in patterns)]
        if not chosen:
            print("no goal matches; the goals are:", *(g.name for g in goals(b.big)), sep="\n  ")
            shutil.rmtree(work, ignore_errors=True)
            return 2
    skipped = {
        goal.name: reason
        for goal in chosen
        for reason in [next((available[k] for k in goal.measurements() if available[k]), None)]
        if reason
    }
    wanted = {k for g in chosen if g.name not in skipped for k in g.measurements()}
    todo = [s for s in plan if available[s.key] is None and (s.key in wanted or not options.only)]

    print(f"machine: {machine()}")
    print(f"work dir: {work}")
    print(f"before: {load()}")
    b.fill({size for step in todo for size in step.sizes})
    print("\nmedians (whole process, wall clock):")
    for step in todo:
        step.take()
    print(f"after: {load()}")
    report(b, chosen, skipped)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def report(b: Bench, chosen: list[Goal], skipped: dict[str, str]) -> None:
    print("\n| goal | measured | limit | met |\n|---|---:|---:|---|")
    for goal in chosen:
        unit = "" if goal.baseline is None else "×"
        limit = f"≤ {goal.limit:g}{unit}"
        if goal.name in skipped:
            print(f"| {goal.name} | — | {limit} | skipped: {skipped[goal.name]} |")
            continue
        value = b.results[goal.measured]
        if goal.baseline:
            value /= b.results[goal.baseline]
        shown = f"{value:.0f}" if value >= 100 else f"{value:.2f}"
        runs = [b.runs.get(k) for k in goal.measurements()]
        met = "yes" if value <= goal.limit else "NO"
        if runs[0] == 0:  # stopped: the ratio is a lower bound
            shown = f"≥ {shown}"
            met = "NO" if value > goal.limit else "unknown"
            note = f" (stopped after {b.timeout:g} s)"
        elif runs[1:] == [0]:
            shown, met, note = f"≤ {shown}", "unknown", " (baseline stopped)"
        else:
            note = " (measured once)" if 1 in runs else ""
        print(f"| {goal.name} | {shown}{unit}{note} | {limit} | {met} |")


if __name__ == "__main__":
    raise SystemExit(main())

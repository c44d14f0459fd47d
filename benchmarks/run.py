"""Benchmark vzwatch against `import typer` and Taskwarrior, and check the goals.

Usage (from the repository, after the Quick start install)::

    .venv/bin/python benchmarks/run.py            # about 5-8 minutes on 2 cores
    .venv/bin/python benchmarks/run.py --quick    # fewer runs, no 100k store

Generates stores of 3 (bundled), 1k, 10k and 100k initiatives in a temporary
directory (never in the repository), with the parse cache in that directory
too, warms each cache once, then times every command as a whole process with
hyperfine when it is installed (else a small harness: median of N runs) and
prints medians and the ratios the goals in docs/performance.md are stated in,
all measured in this one run. Taskwarrior (Debian package ``taskwarrior``) is
run on the same 10k data when ``task`` is on PATH. Not a test; never run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import initiatives, taskwarrior_tasks, write_store

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
VZWATCH = str(BIN / "vzwatch")
PYTHON = sys.executable


def run_quiet(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def median_ms(args: list[str], env: dict[str, str], runs: int, prepare: str | None = None) -> float:
    """Median wall time of ``args`` as a whole process, in milliseconds."""
    hyperfine = shutil.which("hyperfine")
    if hyperfine:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [hyperfine, "-N", "--warmup", "2", "--runs", str(runs)]
            command += ["--export-json", out.name, "--style", "none"]
            if prepare:
                command += ["--prepare", prepare]
            command.append(" ".join(_quote(a) for a in args))
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
            return float(json.loads(Path(out.name).read_text())["results"][0]["median"]) * 1000
    times = []
    for _ in range(runs):
        if prepare:
            subprocess.run(prepare, shell=True, env=env, check=True)
        start = time.perf_counter()
        run_quiet(args, env)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./=:" for c in arg) else repr(arg)


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
    import typer

    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, typer {typer.__version__}, "
        f"Taskwarrior {version.strip() or 'not installed'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, no 100k store")
    options = parser.parse_args()
    fast_runs = 10 if options.quick else 30
    slow_runs = 5 if options.quick else 10
    sizes = [1_000, 10_000] if options.quick else [1_000, 10_000, 100_000]

    work = Path(tempfile.mkdtemp(prefix="vzwatch-bench-"))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work / "home"),
        "XDG_CACHE_HOME": str(work / "cache"),
        "XDG_DATA_HOME": str(work / "data-home"),
        "LANG": "C.UTF-8",
        "COLUMNS": "120",
        "TASKRC": str(work / "taskrc"),
        "TASKDATA": str(work / "taskdata"),
    }
    (work / "home").mkdir()
    print(f"machine: {machine()}")
    print(f"work dir: {work}")
    stores = {3: work / "bundled.toml"}
    shutil.copyfile(REPO / "data" / "initiatives.toml", stores[3])
    for size in sizes:
        started = time.perf_counter()
        stores[size] = work / f"store-{size}.toml"
        write_store(stores[size], size)
        mb = stores[size].stat().st_size / 1e6
        print(f"generated {size} initiatives: {mb:.1f} MB in {time.perf_counter() - started:.1f} s")

    def vz(size: int, *args: str) -> list[str]:
        return [VZWATCH, *args, "--file", str(stores[size])]

    # Fill each cache once (the cold parse), then let the entries settle.
    for size, path in stores.items():
        started = time.perf_counter()
        run_quiet(vz(size, "list", "--json"), env)
        print(f"cold parse of {path.name}: {time.perf_counter() - started:.1f} s")
    time.sleep(1.5)
    for size in stores:
        run_quiet(vz(size, "list", "--json"), env)

    results: dict[str, float] = {}

    def measure(name: str, args: list[str], runs: int, prepare: str | None = None) -> float:
        value = median_ms(args, env, runs, prepare)
        results[name] = value
        print(f"  {name:<44} {value:9.1f} ms")
        return value

    print("\nmedians (whole process, wall clock):")
    measure("python -c 'import typer'", [PYTHON, "-c", "import typer"], fast_runs)
    measure(
        "vzwatch due --json, bundled", vz(3, "due", "--quarter", "Q1-2025", "--json"), fast_runs
    )
    measure("vzwatch --help", [VZWATCH, "--help"], fast_runs)
    measure("vzwatch list, bundled", vz(3, "list"), fast_runs)
    for size in sizes:
        runs = fast_runs if size < 100_000 else slow_runs
        measure(
            f"vzwatch due --json, {size}", vz(size, "due", "--quarter", "Q1-2025", "--json"), runs
        )
        measure(f"vzwatch list, {size}", vz(size, "list"), runs)
    if 10_000 in stores:
        measure(
            "vzwatch report (table), 10000",
            vz(10_000, "report", "--quarter", "Q1-2025", "--today", "2025-03-31"),
            slow_runs,
        )

    taskwarrior = shutil.which("task")
    if taskwarrior and 10_000 in stores:
        (work / "taskdata").mkdir()
        (work / "taskrc").write_text(
            f"data.location={work / 'taskdata'}\nconfirmation=no\nverbose=no\nnews.version=2.6.2\n"
        )
        tasks = work / "tasks.json"
        tasks.write_text(json.dumps(taskwarrior_tasks(10_000)))
        started = time.perf_counter()
        subprocess.run(
            [taskwarrior, "rc.hooks=off", "import", str(tasks)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(f"imported 10000 tasks into Taskwarrior in {time.perf_counter() - started:.1f} s")
        measure(
            "task due.before:2025-04-01 export, 10000",
            [taskwarrior, "due.after:2024-12-31", "due.before:2025-04-01", "export"],
            fast_runs,
        )
        measure("task list, 10000", [taskwarrior, "rc.defaultwidth=120", "list"], fast_runs)

    # Writes: every run appends one more record (the store grows by a few
    # hundred bytes per run, which is noise next to its size).
    big = max(sizes)
    for size in (3, big):
        measure(
            f"vzwatch add, {size}",
            vz(
                size,
                "add",
                "Benchmark Summit",
                "--timeline",
                "Q2 2025",
                "--pillar",
                "election-monitoring",
                "--tag",
                "summit",
            ),
            slow_runs * 2,
        )

    # progress appends a [[progress]] entry to the last initiative of the store
    # (its row is in the cache's last chunk); 50% never changes the status.
    last = {3: "humanitarian-aid-programs"}
    last.update({size: str(initiatives(size)[-1]["id"]) for size in sizes})
    for size in (3, big):
        measure(
            f"vzwatch progress, {size}",
            vz(size, "progress", last[size], "50", "--note", "benchmark"),
            slow_runs * 2,
        )

    if 100_000 in stores:
        results["peak MiB due --json 100000"] = peak_rss_mib(
            vz(100_000, "due", "--quarter", "Q1-2025", "--json"), env
        )

    report(results, big)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def report(r: dict[str, float], big: int) -> None:
    typer_ms = r["python -c 'import typer'"]
    rows = [
        ("due --json (bundled) / import typer", r["vzwatch due --json, bundled"] / typer_ms, 1.3),
        ("--help / import typer", r["vzwatch --help"] / typer_ms, 1.5),
        ("list (bundled) / import typer", r["vzwatch list, bundled"] / typer_ms, 2.0),
    ]
    if "task list, 10000" in r:
        rows.append(
            (
                "due --json 10k / task due export 10k",
                r["vzwatch due --json, 10000"] / r["task due.before:2025-04-01 export, 10000"],
                1.0,
            )
        )
        rows.append(
            ("list 10k / task list 10k", r["vzwatch list, 10000"] / r["task list, 10000"], 1.0)
        )
    rows.append((f"add {big} / add bundled", r[f"vzwatch add, {big}"] / r["vzwatch add, 3"], 1.2))
    rows.append(
        (
            f"progress {big} / progress bundled",
            r[f"vzwatch progress, {big}"] / r["vzwatch progress, 3"],
            1.2,
        )
    )
    if "vzwatch due --json, 100000" in r:
        rows.append(
            (
                "due --json 100k / due --json 10k",
                r["vzwatch due --json, 100000"] / r["vzwatch due --json, 10000"],
                10.0,
            )
        )
        rows.append(("peak memory due --json 100k (MiB)", r["peak MiB due --json 100000"], 600.0))
    print("\n| goal | measured | limit | met |\n|---|---:|---:|---|")
    for name, value, limit in rows:
        unit = "" if "MiB" in name else "×"
        met = "yes" if value <= limit else "NO"
        print(f"| {name} | {value:.2f}{unit} | ≤ {limit:g}{unit} | {met} |")


if __name__ == "__main__":
    raise SystemExit(main())

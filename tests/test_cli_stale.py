"""`vzwatch stale`: what has gone quiet, oldest first, with its owner; silent for cron."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain import schema
from vzwatch.domain.errors import ExitCode
from vzwatch.storage import cache
from vzwatch.storage.tomledit import render_block


def test_stale_lists_oldest_first_with_days_and_owner(run: RunCli) -> None:
    result = run("stale", "--today", "2025-06-30")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.splitlines() == [
        "Days  Last update  Owner                                  Review every  Initiative",
        " 364  never        MOFA Latin America Bureau              quarterly     "
        "international-dialogue-forums  International Dialogue Forums",
        " 180  never        MOFA Election Assistance Desk          quarterly     "
        "election-oversight-missions  Election Oversight Missions",
        # its indicator was last measured on 2025-01-31 (the bundled example)
        " 150  2025-01-31   MOFA Humanitarian Assistance Division  monthly       "
        "humanitarian-aid-programs  Humanitarian Aid Programs",
        "3 stale initiatives",
    ]


def test_a_recent_update_is_not_stale_until_its_cadence_has_passed(run: RunCli) -> None:
    run("progress", "election", "20", "--date", "2025-01-20", "--today", "2025-01-20")

    def ids(today: str) -> list[str]:
        out = run("stale", "--json", "--today", today).stdout
        return [item["id"] for item in json.loads(out)]

    assert "election-oversight-missions" not in ids("2025-04-20")  # quarterly: due 20 April
    assert "election-oversight-missions" in ids("2025-04-21")


def test_quiet_exit_code_for_cron(run: RunCli) -> None:
    for edit in (["edit", "hum", "--status", "done"], ["edit", "intern", "--status", "done"]):
        run(*edit, "--today", "2024-07-01")
    quiet = run("stale", "--quiet", "--exit-code", "--today", "2024-07-15")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (ExitCode.OK, "", "")
    assert run("stale", "--today", "2024-07-15").stdout == "Nothing stale.\n"
    found = run("stale", "--quiet", "--exit-code", "--today", "2025-06-30")
    assert found.exit_code == ExitCode.FOUND
    assert "election-oversight-missions" in found.stdout


def test_days_and_owner_narrow_the_list(run: RunCli) -> None:
    result = run("stale", "--owner", "election", "--days", "30", "--json", "--today", "2025-02-01")
    assert result.exit_code == ExitCode.OK, result.stderr
    (item,) = json.loads(result.stdout)
    assert item == {
        "id": "election-oversight-missions",
        "title": "Election Oversight Missions",
        "owner": "MOFA Election Assistance Desk",
        "status": "planned",
        "last_update": None,
        "since": "2025-01-01",
        "days": 31,
        "review_every": "quarterly",
        "review_due": "2025-01-31",
    }
    assert run("stale", "--days", "0").exit_code == ExitCode.USAGE


def test_review_every_is_edited_and_checked(run: RunCli) -> None:
    assert run("edit", "election", "--review-every", "30 days").exit_code == ExitCode.OK
    shown = json.loads(run("show", "election", "--json").stdout)
    assert shown["review_every"] == "30 days"
    bad = run("edit", "election", "--review-every", "soon")
    assert bad.exit_code == ExitCode.USAGE
    assert bad.stderr.startswith("vzwatch: error: review_every 'soon' is not a cadence: use")


def test_today_is_as_of_updates_recorded_later_do_not_count(run: RunCli) -> None:
    """`--today` means "as of" (README, "As of a day"): an update dated after the day
    had not happened yet, so as of 2025-02-10 the missions were never updated."""
    assert run("progress", "election", "40", "--date", "2025-02-20").exit_code == ExitCode.OK

    def election(day: str) -> dict[str, object] | None:
        found = json.loads(run("stale", "--days", "30", "--json", "--today", day).stdout)
        return next((item for item in found if item["id"] == "election-oversight-missions"), None)

    before = election("2025-02-10")
    assert before is not None
    assert (before["last_update"], before["days"]) == (None, 40)  # since its start, 1 January
    after = election("2025-04-15")
    assert after is not None
    assert (after["last_update"], after["days"]) == ("2025-02-20", 54)
    assert election("2025-03-01") is None  # 9 days after the update


@pytest.mark.parametrize("days", ["abc", "0", "-3"])
def test_days_that_are_not_a_count_say_so_in_words(run: RunCli, days: str) -> None:
    """`--days abc` said "'abc' is not a valid int range", `--days 0` "not in the range x>=1"."""
    result = run("stale", "--days", days)
    assert result.exit_code == ExitCode.USAGE
    assert f"'{days}' is not a number of days (1 or more)" in result.stderr
    assert "range" not in result.stderr


def test_a_measurement_is_an_update(run: RunCli) -> None:
    """Issue 16: the last update is the latest progress entry, measurement or change."""

    def aid(today: str) -> dict[str, object] | None:
        found = json.loads(run("stale", "--json", "--today", today).stdout)
        return next((item for item in found if item["id"] == "humanitarian-aid-programs"), None)

    assert aid("2025-02-28") is None  # measured 31 January, monthly: due 28 February
    assert aid("2025-03-01") is not None
    measured = run("measure", "people-assisted", "60000", "--date", "2025-03-20")
    assert measured.exit_code == ExitCode.OK, measured.stderr
    assert aid("2025-04-20") is None  # due 20 April
    late = aid("2025-04-21")
    assert late is not None
    assert (late["last_update"], late["review_due"]) == ("2025-03-20", "2025-04-20")


def write_quiet_store(path: Path, count: int) -> None:
    """Initiatives of every status and timeline form, with and without an owner or a
    cadence of their own, updated by progress, by a field change, by a measurement of
    an indicator, or never."""
    blocks = [
        '[portfolio]\ntitle = "Test"\nowner = "Desk"\nreview_every = "monthly"\n',
        render_block("pillars", {"id": "aid", "name": "Aid"}),
    ]
    statuses = ("planned", "active", "done", "paused", "cancelled", "active")
    timelines = ("Q1 2025", "Q4 2024", "Q3 – Q4 2024", "Q2 2025 – ongoing", "ongoing", "2024")
    cadences = ("30 days", "quarterly", "2 weeks", "yearly")
    for n in range(count):
        ident = f"item-{n:03d}"
        record: dict[str, object] = {
            "id": ident,
            "title": f"Item {n}",
            "timeline": timelines[n % len(timelines)],
            "pillar": "aid",
            "status": statuses[n % len(statuses)],
        }
        if n % 3 == 0:
            record["owner"] = f"Office {n % 2}"
        if n % 4 == 1:
            record["review_every"] = cadences[n % len(cadences)]
        blocks.append(render_block("initiatives", record))
        day = f"2025-0{1 + n % 3}-{10 + n % 19:02d}"
        if n % 5 in (0, 1):
            percent = 100 if n % 10 == 0 else n % 90
            entry = {"initiative": ident, "date": day, "percent": percent}
            blocks.append(render_block("progress", entry))
        if n % 5 == 2:
            change = {"initiative": ident, "date": day, "field": "status", "from": "planned"}
            blocks.append(render_block("history", {**change, "to": record["status"]}))
        if n % 5 == 3:
            indicator = {"id": f"{ident}-result", "initiative": ident, "name": "R", "target": 10}
            blocks.append(render_block("indicators", indicator))
            measured = {"indicator": f"{ident}-result", "date": day, "value": n % 12}
            blocks.append(render_block("measurements", measured))
    path.write_text("\n".join(blocks), encoding="utf-8")


@pytest.mark.parametrize(
    "day", ["2024-12-31", "2025-01-01", "2025-02-10", "2025-03-31", "2025-04-01", "2025-12-31"]
)
def test_stale_from_cached_rows_is_stale_from_the_file(
    run: RunCli, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, day: str
) -> None:
    """`stale` reads the cache's rows without building records (but for the ones with
    indicators): the same rows, days and owners as a fresh parse, as of any day."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    write_quiet_store(store, 60)
    assert run("list", "--json").exit_code == ExitCode.OK  # fill the cache
    no_cache: dict[str, str | None] = {cache.NO_CACHE_ENV: "1"}
    for args in (
        ("stale", "--json"),
        ("stale",),
        ("stale", "--days", "20", "--json"),
        ("stale", "--owner", "office 1", "--json"),
    ):
        cached = run(*args, "--today", day)
        fresh = run(*args, "--today", day, env=no_cache)
        assert (cached.exit_code, cached.stdout) == (fresh.exit_code, fresh.stdout), args
    assert json.loads(run("stale", "--json", "--today", "2025-12-31").stdout)


def test_stale_builds_only_the_initiatives_with_indicators(
    run: RunCli, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    write_quiet_store(store, 60)
    assert run("list", "--json").exit_code == ExitCode.OK  # fill the cache
    built: list[str] = []
    decode = schema.initiative_from_row

    def counted(row: schema.Row) -> schema.Initiative:
        built.append(row[schema.ID_COLUMN])
        return decode(row)

    monkeypatch.setattr(schema, "initiative_from_row", counted)
    assert run("stale", "--json", "--today", "2025-06-30").exit_code == ExitCode.OK
    with_indicators = [f"item-{n:03d}" for n in range(60) if n % 5 == 3]
    unfinished = [i for i in with_indicators if int(i[-3:]) % 6 not in (2, 4)]
    assert built == unfinished

"""Indicators and measurements: the rules (share, progress, health at quarter boundaries)
and the commands that record them (`indicator`, `measure`), as a user sees them."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import BUNDLED, RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.health import Health
from vzwatch.domain.indicators import by_quarter, expected_share, indicator_status, sums_by_unit
from vzwatch.domain.portfolio import Indicator, Initiative, Measurement, ProgressEntry
from vzwatch.domain.quarters import Quarter, parse_timeline
from vzwatch.domain.report import schedule_health
from vzwatch.operations import writing
from vzwatch.operations.reading import load_portfolio
from vzwatch.storage.merge import merge_stores
from vzwatch.storage.store import append_text
from vzwatch.storage.tomledit import render_block

AID = "humanitarian-aid-programs"
# The bundled store without its example indicator.
_BUNDLED_TEXT = BUNDLED.read_text(encoding="utf-8")
PLAIN = _BUNDLED_TEXT[: _BUNDLED_TEXT.index("\n# What the initiatives aim at")]
TODAY = ("--today", "2025-06-30")
Q4_2025 = Quarter(2025, 4)


def _initiative(
    timeline: str = "Q1 2025 – Q4 2025",
    indicators: tuple[Indicator, ...] = (),
    log: tuple[ProgressEntry, ...] = (),
) -> Initiative:
    return Initiative(
        id="x",
        title="X",
        timeline=parse_timeline(timeline),
        timeline_text=timeline,
        indicators=indicators,
        progress_log=log,
    )


def _indicator(
    *values: tuple[date, float],
    baseline: float = 0,
    target: float = 100,
    by: Quarter | None = Q4_2025,
    ident: str = "people",
) -> Indicator:
    measured = tuple(Measurement(ident, on, value) for on, value in values)
    return Indicator(ident, "x", "People", target, "people", baseline, by, "", measured)


# --- the share of the way ------------------------------------------------------------------


def test_the_value_is_the_latest_measurement_and_the_baseline_without_any() -> None:
    assert _indicator(baseline=10).value == 10
    later_first = _indicator((date(2025, 5, 1), 40), (date(2025, 2, 1), 20))
    # Loading sorts by date; same-day entries keep file order (the later recorded wins).
    assert later_first.measurements[-1].value == 20  # as built here, unsorted: the last one


def test_the_share_is_the_way_from_baseline_to_target_capped_and_rounded_down() -> None:
    assert _indicator((date(2025, 1, 1), 50), baseline=0, target=200).share == 25
    assert _indicator((date(2025, 1, 1), 2), target=3).share == 66  # 66.7 rounds down
    assert _indicator((date(2025, 1, 1), 500), target=200).share == 100  # capped
    assert _indicator((date(2025, 1, 1), -5), target=200).share == 0  # never below 0


def test_a_target_below_the_baseline_counts_going_down_as_progress() -> None:
    complaints = _indicator((date(2025, 1, 1), 30), baseline=40, target=20)
    assert complaints.share == 50
    assert _indicator((date(2025, 1, 1), 45), baseline=40, target=20).share == 0


@given(
    st.floats(-1e9, 1e9, allow_nan=False),
    st.floats(-1e9, 1e9, allow_nan=False),
    st.floats(-1e9, 1e9, allow_nan=False),
)
def test_the_share_is_always_a_whole_percent_from_0_to_100(
    baseline: float, target: float, value: float
) -> None:
    share = _indicator((date(2025, 1, 1), value), baseline=baseline, target=target).share
    assert isinstance(share, int)
    assert 0 <= share <= 100


# --- progress: indicators and manual entries ------------------------------------------------


def test_indicators_give_the_progress_when_no_manual_entry_is_later() -> None:
    both = (_indicator((date(2025, 3, 1), 50)), _indicator((date(2025, 3, 1), 25), ident="b"))
    item = _initiative(indicators=both)
    assert item.progress == 37  # mean of 50 and 25, rounded down
    assert item.progress_from_indicators


def test_a_manual_entry_recorded_later_wins_and_on_the_same_day_too() -> None:
    people = (_indicator((date(2025, 3, 1), 50)),)
    later = _initiative(indicators=people, log=(ProgressEntry("x", date(2025, 3, 2), 10),))
    same_day = _initiative(indicators=people, log=(ProgressEntry("x", date(2025, 3, 1), 10),))
    earlier = _initiative(indicators=people, log=(ProgressEntry("x", date(2025, 2, 28), 10),))
    assert (later.progress, same_day.progress, earlier.progress) == (10, 10, 50)


def test_indicators_without_measurements_leave_the_manual_rule() -> None:
    item = _initiative(indicators=(_indicator(),), log=(ProgressEntry("x", date(2025, 1, 1), 30),))
    assert item.progress == 30
    assert _initiative(indicators=(_indicator(),)).progress == 0


# --- the straight line, at quarter boundaries -----------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2024, 12, 31), 0),  # the day before the start quarter
        (date(2025, 1, 1), 0),  # the first day of the start quarter
        (date(2025, 7, 2), 50),  # 182 of 365 days
        (date(2025, 12, 31), 100),  # the last day of the by quarter: 364/365, rounded
        (date(2026, 1, 1), 100),  # the day after it
    ],
)
def test_the_expected_share_runs_from_the_start_quarter_to_the_by_quarter(
    today: date, expected: int
) -> None:
    indicator = _indicator()
    assert expected_share(indicator, _initiative(indicators=(indicator,)), today) == expected


def test_by_defaults_to_the_initiatives_end_quarter() -> None:
    text = PLAIN + (
        '\n[[indicators]]\nid = "observers"\ninitiative = "election-oversight-missions"\n'
        'name = "Observers accredited"\ntarget = 40\n'
    )
    portfolio = load_portfolio(text, Path("s.toml"))
    election = portfolio.find("election")
    (observers,) = election.indicators
    assert (observers.by, by_quarter(observers, election)) == (None, Quarter(2025, 1))


@pytest.mark.parametrize(
    ("today", "value", "health", "label"),
    [
        (date(2024, 12, 31), 0, Health.NOT_STARTED, "not started"),
        (date(2025, 7, 2), 50, Health.ON_TRACK, "on track"),
        (date(2025, 7, 2), 39, Health.BEHIND, "behind by 11 points"),
        (date(2025, 7, 2), 40, Health.ON_TRACK, "on track"),  # 10 points below: the tolerance
        (date(2025, 7, 2), 61, Health.AHEAD, "ahead by 11 points"),
        (date(2025, 12, 31), 95, Health.ON_TRACK, "on track"),  # its by quarter's last day
        (date(2026, 1, 1), 95, Health.OVERDUE, "overdue"),  # the day after
        (date(2026, 1, 1), 100, Health.DONE, "done"),
    ],
)
def test_indicator_health_against_its_line(
    today: date, value: float, health: Health, label: str
) -> None:
    indicator = _indicator((date(2024, 12, 1), value))
    status = indicator_status(indicator, _initiative(indicators=(indicator,)), today)
    assert (status.health, status.health_label) == (health, label)


def test_an_ongoing_initiative_draws_the_line_from_its_first_measurement() -> None:
    indicator = _indicator((date(2025, 4, 1), 10), (date(2025, 5, 1), 30), by=Quarter(2025, 2))
    item = _initiative("Ongoing", (indicator,))
    assert expected_share(indicator, item, date(2025, 4, 1)) == 0
    assert expected_share(indicator, item, date(2025, 7, 1)) == 100
    assert indicator_status(indicator, item, date(2025, 5, 1)).health == Health.ON_TRACK
    assert expected_share(indicator._replace(by=None), item, date(2025, 5, 1)) is None


def test_initiative_health_holds_its_indicators_against_their_lines() -> None:
    behind = _indicator((date(2025, 7, 1), 20))  # 20% where 50% is expected on 2025-07-02
    item = _initiative(indicators=(behind,))
    assert schedule_health(item, date(2025, 7, 2)) == Health.BEHIND
    # An ongoing initiative has no timeline to hold progress against, but its indicators do.
    # From 2025-04-01 to 2025-12-31, 61 of 275 days: 22% expected.
    ongoing = _initiative("Ongoing", (_indicator((date(2025, 4, 1), 0), (date(2025, 6, 1), 25)),))
    assert schedule_health(ongoing, date(2025, 6, 1)) == Health.ON_TRACK


def test_indicators_of_the_same_unit_add_up_and_no_unit_adds_to_nothing() -> None:
    pledged = _indicator((date(2025, 1, 1), 5), target=20)._replace(unit="JPY")
    more = _indicator((date(2025, 1, 1), 1), target=10, ident="b")._replace(unit="JPY")
    plain = _indicator((date(2025, 1, 1), 1), target=3, ident="c")._replace(unit="")
    (total,) = sums_by_unit([pledged, more, plain])
    assert (total.unit, total.count, total.value, total.target) == ("JPY", 2, 6, 30)


# --- the commands -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _without_the_bundled_indicator(store: Path) -> None:
    """The tests below start from the bundled store without its example indicator."""
    store.write_text(PLAIN, encoding="utf-8")


def _add(run: RunCli, *extra: str) -> str:
    result = run(
        "indicator",
        "add",
        "hum",
        "People assisted",
        "--target",
        "200,000",
        "--unit",
        "people",
        "--by",
        "Q4 2025",
        *extra,
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    return result.stdout


def test_indicator_add_prints_the_id_and_appends_one_table(run: RunCli, store: Path) -> None:
    before = store.read_text(encoding="utf-8")
    assert _add(run) == "people-assisted\n"
    after = store.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before) :] == (
        "\n[[indicators]]\n"
        'id = "people-assisted"\n'
        f'initiative = "{AID}"\n'
        'name = "People assisted"\n'
        'unit = "people"\n'
        "baseline = 0\n"
        "target = 200000\n"
        'by = "Q4-2025"\n'
    )
    assert _add(run) == "people-assisted-2\n"  # a free id, as for initiatives
    assert _add(run, "--id", "refugees") == "refugees\n"


def test_an_ongoing_initiative_needs_a_by_quarter(run: RunCli, store: Path) -> None:
    before = store.read_bytes()
    result = run("indicator", "add", "hum", "People", "--target", "10")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == (
        "vzwatch: error: humanitarian-aid-programs is ongoing: give the indicator a --by "
        "quarter (Q4-2025…)\n"
    )
    assert store.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--target", "0"), "target 0 equals the baseline: there is no way to go"),
        (("--target", "5", "--baseline", "10", "--direction", "up"), "direction is up but"),
        (("--target", "lots"), "--target 'lots' is not a number"),
        (("--target", "5", "--by", "Q5 2025"), "--by: 'Q5 2025' is not a quarter"),
        (("--target", "5", "--direction", "sideways"), "is not up or down"),
    ],
)
def test_bad_indicators_are_refused_and_change_nothing(
    run: RunCli, store: Path, args: tuple[str, ...], message: str
) -> None:
    before = store.read_bytes()
    result = run("indicator", "add", "election", "Observers", *args)
    assert result.exit_code == ExitCode.USAGE
    assert message in result.stderr
    assert store.read_bytes() == before


def test_measure_appends_a_dated_entry_and_moves_progress(run: RunCli, store: Path) -> None:
    _add(run)
    before = store.read_text(encoding="utf-8")
    result = run(
        "measure",
        "people-assisted",
        "50000",
        "--date",
        "2025-03-31",
        "-m",
        "First convoys",
        *TODAY,
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == (
        "people-assisted: 50,000 people on 2025-03-31 (was 0 people, now 50,000 people: 25% "
        "of the way to 200,000 people; humanitarian-aid-programs at 25%)\n"
    )
    after = store.read_text(encoding="utf-8")
    assert after[len(before) :] == (
        "\n[[measurements]]\n"
        'indicator = "people-assisted"\n'
        "date = 2025-03-31\n"
        "value = 50000\n"
        'note = "First convoys"\n'
    )
    assert tomllib.loads(after)["measurements"][0]["date"] == date(2025, 3, 31)


def test_measure_follows_the_date_rules_of_every_log(run: RunCli, store: Path) -> None:
    _add(run)
    before = store.read_bytes()
    future = run("measure", "people-assisted", "5", "--date", "2025-07-01", *TODAY)
    assert future.exit_code == ExitCode.USAGE
    assert future.stderr == (
        "vzwatch: error: --date 2025-07-01 is in the future (today is 2025-06-30): "
        "an entry records what has happened\n"
    )
    unknown = run("measure", "nobody", "5", *TODAY)
    assert unknown.exit_code == ExitCode.NOT_FOUND
    assert "no indicator 'nobody' (known: people-assisted)" in unknown.stderr
    assert store.read_bytes() == before
    dated = run("measure", "people-assisted", "5", *TODAY)  # --today dates the entry
    assert dated.exit_code == ExitCode.OK, dated.stderr
    assert tomllib.loads(store.read_text("utf-8"))["measurements"][0]["date"] == date(2025, 6, 30)


def _shown(run: RunCli, *args: str, env: dict[str, str | None] | None = None) -> dict[str, Any]:
    result = run("show", "hum", "--json", *args, env=env)
    assert result.exit_code == ExitCode.OK, result.stderr
    shown: dict[str, Any] = json.loads(result.stdout)
    return shown


def test_show_json_lists_indicators_with_value_share_and_health(run: RunCli) -> None:
    _add(run)
    run("measure", "people-assisted", "50000", "--date", "2025-03-31", *TODAY)
    run("measure", "people-assisted", "80000", "--date", "2025-06-30", *TODAY)
    shown = _shown(run, "--today", "2025-06-30")
    assert shown["progress"] == 40
    assert shown["indicators"] == [
        {
            "id": "people-assisted",
            "name": "People assisted",
            "unit": "people",
            "baseline": 0,
            "target": 200000,
            "by": "Q4-2025",
            "direction": "",
            "measurements": [
                {"date": "2025-03-31", "value": 50000, "note": ""},
                {"date": "2025-06-30", "value": 80000, "note": ""},
            ],
            "value": 80000,
            "share": 40,
            "expected": 33,  # ongoing: the line starts at the first measurement
            "health": "on track",
        }
    ]
    # As of a day, later measurements do not exist yet.
    earlier = _shown(run, "--today", "2025-04-30")
    assert (earlier["progress"], earlier["indicators"][0]["value"]) == (25, 50000)


def test_show_lists_indicators_for_people(run: RunCli) -> None:
    _add(run)
    run("measure", "people-assisted", "80000", "--date", "2025-06-30", *TODAY)
    result = run("show", "hum", "--today", "2025-06-30")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "Progress      ████████░░░░░░░░░░░░  40%  (from its indicators)" in result.stdout
    rows = [line.rstrip() for line in result.stdout.splitlines()]
    # One measurement, on the day the line starts (the initiative has no start): 0% expected.
    assert "People assisted   80,000 / 200,000 people   40%   Q4-2025   ahead by 40 points" in rows


def test_indicator_edit_and_remove(run: RunCli, store: Path) -> None:
    _add(run)
    run("measure", "people-assisted", "5", *TODAY)
    edited = run("indicator", "edit", "people-assisted", "--target", "150000", "--unit", "")
    assert edited.exit_code == ExitCode.OK, edited.stderr
    assert edited.stdout == "Updated people-assisted: unit, target\n"
    (table,) = tomllib.loads(store.read_text("utf-8"))["indicators"]
    assert (table["target"], "unit" in table) == (150000, False)
    same = run("indicator", "edit", "people-assisted", "--target", "150000")
    assert same.stdout == "No change to people-assisted.\n"
    refused = run("indicator", "remove", "people-assisted")  # no terminal to ask
    assert refused.exit_code == ExitCode.USAGE
    removed = run("indicator", "remove", "people-assisted", "--yes")
    assert removed.stdout == "Removed people-assisted with 1 measurement\n"
    document = tomllib.loads(store.read_text("utf-8"))
    assert "indicators" not in document
    assert "measurements" not in document


def test_removing_an_initiative_takes_its_indicators_and_says_how_many(
    run: RunCli, store: Path
) -> None:
    _add(run)
    _add(run)
    for value in ("5", "6"):
        run("measure", "people-assisted", value, *TODAY)
    result = run("remove", "hum", "--yes")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == (
        "Removed humanitarian-aid-programs with 0 progress entries and 0 status-history entries"
        " (and 2 indicators, 2 measurements)\n"
    )
    document = tomllib.loads(store.read_text("utf-8"))
    assert "indicators" not in document
    assert "measurements" not in document
    assert run("validate").exit_code == ExitCode.OK


def test_remove_json_counts_indicators_and_measurements(run: RunCli) -> None:
    _add(run)
    run("measure", "people-assisted", "5", *TODAY)
    result = run("remove", "hum", "--yes", "--json")
    assert json.loads(result.stdout) == {
        "removed": AID,
        "progress_entries": 0,
        "history_entries": 0,
        "indicators": 1,
        "measurements": 1,
        "milestones": 0,
    }


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[[measurements]]\nindicator = "ghost"\ndate = 2025-01-01\nvalue = 1\n',
            "[[measurements]] names indicator 'ghost', which does not exist",
        ),
        (
            '[[indicators]]\nid = "a"\ninitiative = "nowhere"\nname = "A"\ntarget = 1\n',
            "[[indicators]] names initiative 'nowhere', which does not exist",
        ),
        (
            '[[indicators]]\nid = "a"\ninitiative = "election-oversight-missions"\nname = "A"\n'
            "target = 0\n",
            "indicator 'a': target 0 equals the baseline: there is no way to go",
        ),
        (
            '[[indicators]]\nid = "a"\ninitiative = "election-oversight-missions"\nname = "A"\n'
            'target = "ten"\n',
            "indicator 'a': target must be a number such as 200000 or 2.5",
        ),
        (
            '[[indicators]]\nid = "a"\ninitiative = "election-oversight-missions"\nname = "A"\n'
            'target = 1\nbaseline = 5\ndirection = "up"\n',
            "indicator 'a': direction is up but the target 1 is below the baseline 5",
        ),
        (
            '[[indicators]]\nid = "a"\ninitiative = "election-oversight-missions"\nname = "A"\n'
            'target = 1\nby = "soon"\n',
            "indicator 'a': by: 'soon' is not a quarter",
        ),
    ],
)
def test_validate_checks_references_units_and_targets(
    run: RunCli, store: Path, table: str, message: str
) -> None:
    store.write_text(append_text(store.read_text("utf-8"), table), encoding="utf-8")
    result = run("validate")
    assert result.exit_code == 1
    assert message in result.stdout


def test_two_indicators_may_not_share_an_id(run: RunCli, store: Path) -> None:
    _add(run, "--id", "people")
    result = run("indicator", "add", "election", "Observers", "--target", "5", "--id", "people")
    assert result.exit_code == ExitCode.USAGE
    assert "indicator id 'people' is already used" in result.stderr


# --- measure without a parse ------------------------------------------------------------------


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One element for each parse of the store's text by a write."""
    parses: list[int] = []
    original = writing.parse_toml  # type: ignore[attr-defined]

    def counting(text: str, path: Path) -> dict[str, Any]:
        parses.append(1)
        return original(text, path)

    monkeypatch.setattr(writing, "parse_toml", counting)
    return parses


def test_measure_appends_without_parsing_the_store_when_the_cache_vouches(
    run: RunCli, store: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(run)
    run("list")  # fills the cache
    parses = _count_parses(monkeypatch)
    result = run("measure", "people-assisted", "70000", "--date", "2025-05-01", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert parses == []
    # The cache kept up: what it says is what a fresh parse says.
    cached = _shown(run, "--today", "2025-06-30")
    fresh = _shown(run, "--today", "2025-06-30", env={"VZWATCH_NO_CACHE": "1"})
    assert cached == fresh
    assert cached["indicators"][0]["value"] == 70000


@pytest.mark.parametrize(
    "ident",
    [
        f"{AID}-people",  # as `indicator add` names it: its initiative's id first
        "election-oversight-missions-people",  # begins with another initiative's id
        "people",  # written by hand
    ],
)
def test_measure_finds_the_indicator_of_any_id_without_parsing(
    run: RunCli, store: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch, ident: str
) -> None:
    """`measure` asks first for the initiatives whose ids begin the indicator's, then
    scans every cached row: the right initiative in every case, and no parse."""
    _add(run, "--id", ident)
    run("list")  # fills the cache
    parses = _count_parses(monkeypatch)
    result = run("measure", ident, "70000", "--date", "2025-05-01", *TODAY)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert parses == []
    cached = _shown(run, *TODAY)
    assert cached == _shown(run, *TODAY, env={"VZWATCH_NO_CACHE": "1"})
    assert [(i["id"], i["value"]) for i in cached["indicators"]] == [(ident, 70000)]


# --- merge and import ---------------------------------------------------------------------------


def _indicator_table(**fields: Any) -> str:
    values = {
        "id": "people",
        "initiative": AID,
        "name": "People assisted",
        "target": 200000,
        "by": "Q4-2025",
        **fields,
    }
    return render_block("indicators", values)


def _measurement(on: date, value: int) -> str:
    return render_block("measurements", {"indicator": "people", "date": on, "value": value})


def test_the_merge_driver_merges_indicators_by_id_and_measurements_as_a_union() -> None:
    base = append_text(PLAIN, _indicator_table())
    ours = append_text(
        base.replace('name = "People assisted"', 'name = "People reached"'),
        _measurement(date(2025, 3, 1), 10),
    )
    theirs = append_text(
        base.replace("target = 200000", "target = 250000"), _measurement(date(2025, 4, 1), 20)
    )
    result = merge_stores(base, ours, theirs)
    assert result.clean
    portfolio = load_portfolio(result.text, Path("merged.toml"))
    (people,) = portfolio.find(AID).indicators
    assert (people.name, people.target) == ("People reached", 250000)
    assert [(m.on, m.value) for m in people.measurements] == [
        (date(2025, 3, 1), 10),
        (date(2025, 4, 1), 20),
    ]


def test_both_sides_changing_one_field_of_an_indicator_is_a_conflict() -> None:
    base = append_text(PLAIN, _indicator_table())
    ours = base.replace("target = 200000", "target = 1")
    theirs = base.replace("target = 200000", "target = 2")
    result = merge_stores(base, ours, theirs)
    assert not result.clean
    (conflict,) = result.conflicts
    assert (conflict.record, conflict.message) == (
        "indicator 'people'",
        "target changed on both sides (ours: 1, theirs: 2)",
    )


def test_import_of_vzwatch_json_round_trips_indicators(
    run: RunCli, store: Path, tmp_path: Path
) -> None:
    _add(run)
    run("measure", "people-assisted", "50000", "--date", "2025-03-31", "-m", "First", *TODAY)
    exported = run("export", "--format", "json", *TODAY)
    assert exported.exit_code == ExitCode.OK, exported.stderr
    (tmp_path / "all.json").write_text(exported.stdout, encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text(PLAIN, encoding="utf-8")
    env: dict[str, str | None] = {"VZWATCH_FILE": str(other)}
    imported = run("import", str(tmp_path / "all.json"), env=env)
    assert imported.exit_code == ExitCode.OK, imported.stderr
    original = _shown(run, "--today", "2025-06-30")
    copied = _shown(run, "--today", "2025-06-30", env=env)
    assert copied["indicators"] == original["indicators"]
    again = run("import", str(tmp_path / "all.json"), env=env)
    assert "0 added, 0 updated, 3 unchanged" in again.stdout
    assert len(tomllib.loads(other.read_text("utf-8"))["measurements"]) == 1


# --- reads after a change and writes in place, with indicators ---------------------------------


def _through_cache(path: Path) -> Any:
    from vzwatch.domain.errors import StoreError
    from vzwatch.operations import reading
    from vzwatch.storage.store import StoreLocation

    try:
        return reading.open_portfolio(StoreLocation(path, "option", "test"))
    except StoreError as error:
        return str(error)


def _parsed_whole(path: Path) -> Any:
    from vzwatch.domain.errors import StoreError

    try:
        return load_portfolio(path.read_text(encoding="utf-8"), path)
    except StoreError as error:
        return str(error)


def _hand_save(path: Path, text: str) -> None:
    import os

    path.write_text(text, encoding="utf-8")
    st = path.stat()  # a distinct stamp even within one clock tick
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))


def _whole_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from vzwatch.domain import portfolio

    whole: list[int] = []
    original = portfolio.portfolio_from_document

    def counting(document: Any, text: str, path: Path) -> Any:
        whole.append(1)
        return original(document, text, path)

    monkeypatch.setattr(portfolio, "portfolio_from_document", counting)
    return whole


@pytest.fixture
def warm_store(tmp_path: Path, cache_home: Path) -> Path:
    """The bundled store (its indicator included), its cache filled."""
    path = tmp_path / "warm.toml"
    _hand_save(path, _BUNDLED_TEXT)
    assert _through_cache(path) == _parsed_whole(path)
    return path


def test_a_hand_edit_of_an_initiative_with_indicators_keeps_them_without_a_whole_parse(
    warm_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parses = _whole_parses(monkeypatch)
    text = warm_store.read_text(encoding="utf-8")
    _hand_save(warm_store, text.replace('title = "Humanitarian Aid Programs"', 'title = "Aid"'))
    seen = _through_cache(warm_store)
    assert parses == []
    assert seen == _parsed_whole(warm_store)
    assert [i.id for i in seen.find(AID).indicators] == ["people-assisted"]


def test_a_hand_edit_of_the_end_quarter_moves_the_default_by(
    warm_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = warm_store.read_text(encoding="utf-8").replace('by = "Q4-2025"\n', "")
    _hand_save(warm_store, text.replace('timeline = "Ongoing"', 'timeline = "Q1 2025 – Q2 2026"'))
    assert _through_cache(warm_store) == _parsed_whole(warm_store)
    parses = _whole_parses(monkeypatch)
    text = warm_store.read_text(encoding="utf-8")
    _hand_save(warm_store, text.replace('"Q1 2025 – Q2 2026"', '"Q1 2025 – Q4 2026"'))
    seen = _through_cache(warm_store)
    assert parses == []  # the initiative's run alone
    item = seen.find(AID)
    assert by_quarter(item.indicators[0], item) == Quarter(2026, 4)


def test_removing_an_initiative_with_indicators_by_hand_reads_as_the_whole_parse_does(
    warm_store: Path,
) -> None:
    text = warm_store.read_text(encoding="utf-8")
    start = text.index('[[initiatives]]\nid = "humanitarian-aid-programs"')
    end = text.index("\n\n", start) + 2
    _hand_save(warm_store, text[:start] + text[end:])
    seen = _through_cache(warm_store)
    assert isinstance(seen, str)
    assert seen == _parsed_whole(warm_store)
    assert "names initiative 'humanitarian-aid-programs', which does not exist" in seen


def test_a_hand_edit_of_a_measurement_reads_as_the_whole_parse_does(warm_store: Path) -> None:
    text = warm_store.read_text(encoding="utf-8")
    _hand_save(warm_store, text.replace("value = 40000", "value = 90000"))
    seen = _through_cache(warm_store)
    assert seen == _parsed_whole(warm_store)
    assert seen.find(AID).progress == 45


def test_edit_in_place_of_an_initiative_with_indicators_keeps_them(
    run: RunCli, warm_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env: dict[str, str | None] = {"VZWATCH_FILE": str(warm_store)}
    parses = _whole_parses(monkeypatch)
    result = run("edit", "hum", "--add-tag", "aid", "--today", "2025-03-31", env=env)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert parses == []  # written in place, checked by the runs it touched
    cached = _shown(run, "--today", "2025-03-31", env=env)
    fresh = _shown(run, "--today", "2025-03-31", env={**env, "VZWATCH_NO_CACHE": "1"})
    assert cached == fresh
    assert [i["id"] for i in cached["indicators"]] == ["people-assisted"]
    assert cached["progress"] == 20


def test_a_read_after_a_hand_edit_that_follows_measure_sees_the_measurement(
    run: RunCli, warm_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env: dict[str, str | None] = {"VZWATCH_FILE": str(warm_store)}
    measured = run("measure", "people-assisted", "80000", "--today", "2025-03-31", env=env)
    assert measured.exit_code == ExitCode.OK, measured.stderr
    parses = _whole_parses(monkeypatch)
    text = warm_store.read_text(encoding="utf-8")
    _hand_save(warm_store, text.replace('title = "Election Oversight Missions"', 'title = "EOM"'))
    seen = _through_cache(warm_store)
    assert parses == []
    assert seen == _parsed_whole(warm_store)
    assert seen.find(AID).indicators[0].value == 80000


def test_edit_status_in_place_when_the_store_ends_with_a_measurement(
    run: RunCli, warm_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The history entry goes after the last [[measurements]] table: that run gains a
    blank line and is still the same rest run, so the write stays in place."""
    env: dict[str, str | None] = {"VZWATCH_FILE": str(warm_store)}
    parses = _whole_parses(monkeypatch)
    result = run("edit", "election", "--status", "active", "--today", "2025-03-31", env=env)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert parses == []
    assert warm_store.read_text(encoding="utf-8").endswith(
        'value = 40000\nnote = "Example figure"\n\n[[history]]\n'
        'initiative = "election-oversight-missions"\ndate = 2025-03-31\nfield = "status"\n'
        'from = "planned"\nto = "active"\n'
    )
    cached = run("list", "--json", env=env)
    fresh = run("list", "--json", env={**env, "VZWATCH_NO_CACHE": "1"})
    assert cached.stdout == fresh.stdout
    # and a read after a hand edit that follows it
    text = warm_store.read_text(encoding="utf-8")
    _hand_save(warm_store, text.replace('title = "Election Oversight Missions"', 'title = "EOM"'))
    assert _through_cache(warm_store) == _parsed_whole(warm_store)

"""Ids from titles in any script, and finding an initiative by what a person types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import RunCli
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.names import slugify


@pytest.mark.parametrize(
    ("title", "ident"),
    [
        ("Election Oversight Missions", "election-oversight-missions"),
        ("Ñandú Straße Œuvre Łódź", "nandu-strasse-oeuvre-lodz"),
        ("Misión de Observación Electoral", "mision-de-observacion-electoral"),
        ("Миссия наблюдения", "missiya-nablyudeniya"),
        ("Ελληνική αποστολή", "elliniki-apostoli"),
        ("بعثة المراقبة", "b-thh-lmrqbh"),
        ("選挙監視団の派遣", "xuan-ju-jian-shi-tuan-no-pai-qian"),
        ("选举观察团", "xuan-ju-guan-cha-tuan"),
        ("ベネズエラ支援", "benezuera-zhi-yuan"),
        ("!!!", "initiative"),
    ],
)
def test_ids_from_titles_are_readable_ascii_in_any_script(title: str, ident: str) -> None:
    assert slugify(title) == ident


def test_long_titles_are_cut_at_a_word_boundary() -> None:
    slug = slugify("Humanitarian " * 10)
    assert len(slug) <= 60
    assert slug.endswith("humanitarian")


@pytest.mark.parametrize(
    "title", ["選挙監視団の派遣", "Миссия наблюдения", "Ελληνική αποστολή", "بعثة المراقبة"]
)
def test_adding_titles_of_one_script_gives_distinct_readable_ids(run: RunCli, title: str) -> None:
    first = run("add", title, "--timeline", "Q1 2025")
    second = run("add", title + " 2", "--timeline", "Q1 2025")
    third = run("add", title, "--timeline", "Q2 2025")
    ids = [first.stdout.strip(), second.stdout.strip(), third.stdout.strip()]
    assert ids[0] == slugify(title)
    assert len(set(ids)) == 3
    assert all(ident.isascii() and not ident.startswith("initiative") for ident in ids)


def test_existing_ids_never_change(run: RunCli, store: Path) -> None:
    store.write_text(
        store.read_text(encoding="utf-8")
        + '\n[[initiatives]]\nid = "initiative"\ntitle = "Миссия"\ntimeline = "Q1 2025"\n',
        encoding="utf-8",
    )
    assert run("add", "Другая миссия", "--timeline", "Q1 2025").stdout == "drugaya-missiya\n"
    shown = json.loads(run("show", "initiative", "--json").stdout)
    assert shown["title"] == "Миссия"


@pytest.fixture
def spanish(run: RunCli) -> RunCli:
    assert run("add", "Misión de Observación Electoral", "--timeline", "Q1 2025").exit_code == 0
    assert run("add", "Misión Humanitaria", "--timeline", "Q2 2025").exit_code == 0
    return run


@pytest.mark.parametrize(
    ("typed", "ident"),
    [
        ("mision-de", "mision-de-observacion-electoral"),  # an id prefix, as before
        ("misión de", "mision-de-observacion-electoral"),  # accents and case ignored
        ("MISIÓN H", "mision-humanitaria"),
        ("Misión de Observación Electoral", "mision-de-observacion-electoral"),  # a title
        ("misión humanitaria", "mision-humanitaria"),
        ("Election Oversight", "election-oversight-missions"),  # a title prefix
        ("  international  dialogue ", "international-dialogue-forums"),
    ],
)
def test_show_finds_by_id_prefix_accents_case_and_title(
    spanish: RunCli, typed: str, ident: str
) -> None:
    result = spanish("show", typed, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == ident


def test_an_ambiguous_name_lists_the_candidates(spanish: RunCli) -> None:
    result = spanish("show", "misión")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert result.stderr == (
        "vzwatch: error: ambiguous: 'misión' matches "
        "mision-de-observacion-electoral (Misión de Observación Electoral), "
        "mision-humanitaria (Misión Humanitaria)\n"
    )


@pytest.mark.parametrize(
    "command", [["progress", "{}", "20"], ["edit", "{}", "--status", "active"]]
)
def test_writes_find_by_title_too(spanish: RunCli, command: list[str]) -> None:
    args = [arg.replace("{}", "Misión Humanitaria") for arg in command]
    result = (
        spanish(*args, "--today", "2025-05-01")
        if command[0] == "edit"
        else spanish(*args, "--date", "2025-01-02")
    )
    assert result.exit_code == 0, result.stderr
    assert "mision-humanitaria" in result.stdout

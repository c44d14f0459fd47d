"""`vzwatch help TOPIC` prints the README's sections, where "see README" used to be."""

from __future__ import annotations

from tests.helpers import REPO, RunCli
from vzwatch.cli.guide import sections
from vzwatch.domain.errors import ExitCode


def test_help_lists_the_topics(run: RunCli) -> None:
    result = run("help")
    assert result.exit_code == 0
    for topic in ("exit-codes", "json-output", "shell-completion", "short-flags", "list"):
        assert f"  {topic} " in result.stdout


def test_help_topic_prints_that_readme_section(run: RunCli) -> None:
    result = run("help", "exit-codes")
    assert result.exit_code == 0
    assert result.stdout.startswith("## Exit codes\n")
    assert "| 130 | interrupted |" in result.stdout
    assert "## From cron" not in result.stdout


def test_headings_inside_code_blocks_are_no_topics() -> None:
    found = sections((REPO / "README.md").read_text(encoding="utf-8"))
    assert "progress-report-q1-2025" not in found
    assert found["list"][1].startswith("### `vzwatch list`")


def test_an_unknown_topic_is_a_usage_error_listing_them(run: RunCli) -> None:
    result = run("help", "nope")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith("vzwatch: error: no help topic 'nope' (known: quick-start, ")


def test_no_help_text_sends_people_to_a_file_they_may_not_have(run: RunCli) -> None:
    assert "README.md" not in run("--help").stdout
    assert "README" not in run("list", "--help").stdout
    assert "vzwatch help" in run("--help").stdout

"""Shell completion of values: statuses, pillars, partners, tags and initiative ids.

Typer's completion (``--install-completion``, ``--show-completion``, its bash,
zsh and fish classes) completes commands and options; ``attach`` adds these
value completers to the parameters, by name, when the whole app is built -
which is how every completion request starts (the shell runs ``vzwatch`` with no
arguments). Typer's own ``autocompletion=`` would inspect each callback every
time any command is built (~0.2 ms an option, on every run). The completers read
the store the command would use (``--file`` if it was typed, else the usual
search), importing the store machinery only then. A store that cannot be read
completes nothing rather than printing an error into the shell's line.
"""

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from vzwatch.domain.text import visible

if TYPE_CHECKING:
    from vzwatch.domain.portfolio import Portfolio

Completion = list[tuple[str, str]]


def _portfolios(ctx: typer.Context) -> "list[Portfolio]":
    """The stores the command would read (every --file typed so far, else the usual
    search); none when they cannot be read."""
    from vzwatch.cli.app import locate_all
    from vzwatch.operations import reading

    context: typer.Context | None = ctx
    typed: object = None
    while context is not None and not typed:  # --file belongs to the command
        typed = context.params.get("file")
        context = context.parent  # type: ignore[assignment]
    if isinstance(typed, str | Path):
        typed = [typed]
    files = [Path(str(name)) for name in typed] if isinstance(typed, list | tuple) else None
    try:
        return [reading.open_portfolio(location) for location in locate_all(files or None)]
    except Exception:  # noqa: BLE001 - a shell's completion must never show an error
        return []


def _matching(
    values: Iterable[tuple[str, str]], incomplete: str, *, in_order: bool = False
) -> Completion:
    """The values that start with what was typed (any case), once each, A-Z."""
    typed = incomplete.casefold()
    seen: dict[str, str] = {}
    for value, description in values:
        if value.casefold().startswith(typed) and value not in seen:
            seen[value] = description
    found = list(seen.items())
    return found if in_order else sorted(found, key=lambda item: item[0].casefold())


def statuses(incomplete: str) -> Completion:
    from vzwatch.domain.schema import STATUSES

    return _matching(((status, "") for status in STATUSES), incomplete, in_order=True)


def pillars(ctx: typer.Context, incomplete: str) -> Completion:
    found = ((p.id, p.name) for portfolio in _portfolios(ctx) for p in portfolio.pillars)
    return _matching(found, incomplete)


def partners(ctx: typer.Context, incomplete: str) -> Completion:
    names = [
        name
        for portfolio in _portfolios(ctx)
        for name in (*portfolio.partners, *(p for i in portfolio.initiatives for p in i.partners))
    ]
    return _matching(((name, "") for name in names), incomplete)


def tags(ctx: typer.Context, incomplete: str) -> Completion:
    found = (
        (tag, "") for portfolio in _portfolios(ctx) for i in portfolio.initiatives for tag in i.tags
    )
    return _matching(found, incomplete)


def owners(ctx: typer.Context, incomplete: str) -> Completion:
    found = (
        (owner, "")
        for portfolio in _portfolios(ctx)
        for owner in (portfolio.owner, *(i.owner for i in portfolio.initiatives))
        if owner
    )
    return _matching(found, incomplete)


def initiative_ids(ctx: typer.Context, incomplete: str) -> Completion:
    """Ids that start with what was typed, each with its title."""
    found = ((i.id, i.title) for portfolio in _portfolios(ctx) for i in portfolio.initiatives)
    return _matching(found, incomplete)


def indicator_ids(ctx: typer.Context, incomplete: str) -> Completion:
    """Indicator ids, each with its name."""
    found = (
        (indicator.id, indicator.name)
        for portfolio in _portfolios(ctx)
        for initiative in portfolio.initiatives
        for indicator in initiative.indicators
    )
    return _matching(found, incomplete)


def milestone_ids(ctx: typer.Context, incomplete: str) -> Completion:
    """Milestone ids, each with its title."""
    found = (
        (milestone.id, milestone.title)
        for portfolio in _portfolios(ctx)
        for milestone in portfolio.milestones
    )
    return _matching(found, incomplete)


def _after_action(ids: Callable[[typer.Context, str], Completion]) -> Callable[..., Completion]:
    """`indicator`/`milestone ACTION ID`: an initiative's id after ``add``, else ``ids``."""

    def complete(ctx: typer.Context, incomplete: str) -> Completion:
        adding = str(ctx.params.get("action") or "") == "add"
        return (initiative_ids if adding else ids)(ctx, incomplete)

    return complete


# Parameter name -> what completes its value. The names are the commands'
# function parameters (tests/test_completion.py drives each through bash).
COMPLETERS: dict[str, Callable[..., Completion]] = {
    "initiative_id": initiative_ids,
    "indicator_id": indicator_ids,
    "initiative_or_indicator": _after_action(indicator_ids),
    "initiative_or_milestone": _after_action(milestone_ids),
    "status": lambda ctx, incomplete: statuses(incomplete),
    "pillar": pillars,
    "partner": partners,
    "add_partner": partners,
    "remove_partner": partners,
    "tag": tags,
    "add_tag": tags,
    "remove_tag": tags,
    "owner": owners,
}


# Characters a bash word may hold unquoted (as `printf %q` leaves them).
_BASH_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+.,/:@%^")


def bash_word(value: str, typed: str) -> str:
    """``value`` as bash must insert it to read it back as one word.

    Bash puts a completion into the line as it is: ``Lima Group`` would become
    two words, ``O'Brien`` an open quote, ``$x`` a variable. After an opening
    quote the user typed (``"Lima``, ``'Lima``) readline inserts the value
    inside that quote, so only what the quote does not protect is escaped;
    otherwise each special character gets a backslash, as bash does for file
    names (``Lima\\ Group``).
    """
    if typed.startswith("'"):
        return "'" + value.replace("'", "'\\''")
    if typed.startswith('"'):
        return '"' + "".join("\\" + c if c in '"$`\\' else c for c in value)
    return "".join(c if c in _BASH_PLAIN or not c.isascii() else "\\" + c for c in value)


def zsh_word(text: str) -> str:
    """``text`` as one word of the ``_arguments '*: :((value:description …))'`` line that
    zsh evaluates: escaped for the colon between value and description, then inside
    double quotes, then inside the single quotes around the whole spec.

    Typer doubles quotes (``''``, ``""``), which zsh reads as an empty string:
    ``O'Brien`` completed as ``OBrien``.
    """
    colons = text.replace("\\", "\\\\").replace(":", "\\:")
    quoted = "".join("\\" + c if c in '"$`\\' else c for c in colons)
    return '"' + quoted.replace("'", "'\\''") + '"'


def _shell_classes() -> None:
    """Put vzwatch's bash, zsh and fish completion in place of Typer's: values come back
    quoted as each shell reads them, and titles (descriptions) stay text, never Rich
    markup (Typer renders them as markup: ``[red]x`` would show as ``x``)."""
    from typer._click.shell_completion import CompletionItem, add_completion_class
    from typer._completion_classes import BashComplete, FishComplete, ZshComplete

    class QuotingBashComplete(BashComplete):
        def get_completion_args(self) -> tuple[list[str], str]:
            args, incomplete = super().get_completion_args()
            # the script joins COMP_WORDS with IFS, a newline: the word as typed, quotes and all
            words = os.environ.get("COMP_WORDS", "").split("\n")
            cword = int(os.environ.get("COMP_CWORD", "0"))
            self.typed = words[cword] if len(words) > 1 and cword < len(words) else incomplete
            return args, incomplete

        def format_completion(self, item: CompletionItem) -> str:
            if item.type != "plain":
                return str(item.value)
            return bash_word(str(item.value), getattr(self, "typed", ""))

    class QuotingZshComplete(ZshComplete):
        def format_completion(self, item: CompletionItem) -> str:
            value = zsh_word(str(item.value))
            return f"{value}:{zsh_word(visible(item.help))}" if item.help else value

    class PlainFishComplete(FishComplete):  # fish quotes what it inserts itself
        def format_completion(self, item: CompletionItem) -> str:
            if item.help:
                return f"{item.value}\t{' '.join(visible(item.help).split())}"
            return str(item.value)

    add_completion_class(QuotingBashComplete, BashComplete.name)
    add_completion_class(QuotingZshComplete, ZshComplete.name)
    add_completion_class(PlainFishComplete, FishComplete.name)


def attach(group: Any) -> None:
    """Give every parameter of every command in ``group`` its value completer."""
    from typer._click.shell_completion import CompletionItem

    _shell_classes()

    def completer(complete: Callable[..., Completion]) -> Callable[..., list[CompletionItem]]:
        def shell_complete(ctx: typer.Context, param: Any, incomplete: str) -> list[Any]:
            return [
                CompletionItem(value, help=help or None)
                for value, help in complete(ctx, incomplete)
            ]

        return shell_complete

    for command in group.commands.values():
        for param in command.params:
            complete = COMPLETERS.get(param.name or "")
            if complete is not None:
                param._custom_shell_complete = completer(complete)

"""The filter options of `list`, shared by `timeline` and `export`.

Defined once as ``Annotated`` aliases so every command spells them alike (Typer
reads options from each command's signature), then handed on together as one
``Criteria``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, NamedTuple

import typer

from vzwatch.cli.app import QuarterHelp

if TYPE_CHECKING:
    from vzwatch.domain.portfolio import Portfolio
    from vzwatch.domain.queries import Filters

StatusFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--status",
        "-s",
        metavar="STATUS",
        help="Only this status (repeatable): planned, active, done, paused, cancelled.",
    ),
]
PillarFilter = Annotated[
    str | None, typer.Option("--pillar", "-p", metavar="PILLAR", help="Pillar id or name.")
]
TagFilter = Annotated[
    list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="Has this tag.")
]
PartnerFilter = Annotated[
    str | None, typer.Option("--partner", metavar="PARTNER", help="Partner name contains.")
]
OwnerFilter = Annotated[
    str | None,
    typer.Option(
        "--owner", metavar="OWNER", help="Owner contains (the portfolio's owner by default)."
    ),
]
ActiveInFilter = Annotated[
    str | None, typer.Option("--active-in", metavar="QUARTER", help="Active in " + QuarterHelp)
]


class Criteria(NamedTuple):
    """The filter options as typed, in the order of `list --help`."""

    status: list[str] | None
    pillar: str | None
    tag: list[str] | None
    partner: str | None
    owner: str | None
    active_in: str | None


def make_filters(portfolio: Portfolio, today: date, criteria: Criteria) -> Filters:
    """The parsed filters, exactly as `list` reads them."""
    from vzwatch.domain import userinput
    from vzwatch.domain.queries import Filters

    active_in, pillar = criteria.active_in, criteria.pillar
    quarter = userinput.quarter(active_in, today, portfolio.fiscal) if active_in else None
    if pillar is not None:
        userinput.pillar(portfolio, pillar)  # a usage error naming the known pillars
    return Filters(
        statuses=[userinput.status(s) for s in criteria.status or ()],
        pillar=pillar,
        tags=criteria.tag or (),
        partner=criteria.partner,
        active_in=quarter,
        owner=criteria.owner,
        default_owner=portfolio.owner,
    )

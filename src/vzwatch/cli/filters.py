"""The filter options of `list`, shared by `timeline` and `export`.

Defined once as ``Annotated`` aliases so every command spells them alike.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

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


def make_filters(
    portfolio: Portfolio,
    today: date,
    *,
    status: list[str] | None,
    pillar: str | None,
    tag: list[str] | None,
    partner: str | None,
    active_in: str | None,
    owner: str | None = None,
) -> Filters:
    """The parsed filters, exactly as `list` reads them."""
    from vzwatch.domain import userinput
    from vzwatch.domain.queries import Filters

    quarter = userinput.quarter(active_in, today, portfolio.fiscal) if active_in else None
    if pillar is not None:
        userinput.pillar(portfolio, pillar)  # a usage error naming the known pillars
    return Filters(
        statuses=[userinput.status(s) for s in status or ()],
        pillar=pillar,
        tags=tag or (),
        partner=partner,
        active_in=quarter,
        owner=owner,
        default_owner=portfolio.owner,
    )

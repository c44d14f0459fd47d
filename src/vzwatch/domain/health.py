"""Health: how an initiative or an indicator stands against where it should be by now.

Its own small module because the commands that show one indicator's health
(`measure`, `indicator add`) need these two names and none of the report's
machinery (vzwatch.domain.report holds the rules for initiatives,
vzwatch.domain.indicators those for indicators).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TOLERANCE", "Health"]

TOLERANCE = 10
"""Points either side of the expected progress that still count as on track."""


class Health(StrEnum):
    """How an initiative stands against its schedule; each member is the string JSON shows."""

    DONE = "done"
    CANCELLED = "cancelled"
    NOT_STARTED = "not started"
    OVERDUE = "overdue"
    ONGOING = "ongoing"
    BEHIND = "behind"
    AHEAD = "ahead"
    ON_TRACK = "on track"

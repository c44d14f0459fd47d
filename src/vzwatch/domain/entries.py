"""One entry of an initiative's log, named by a short id or by its date (`amend`, `retract`).

An entry id is ``p`` (progress) or ``h`` (status history) and four hex digits
of a digest of what the entry says (its date, percent and note, or field,
from and to): it is the same on every run until the entry itself changes,
whatever is recorded around it. ``show`` prints it.

Pure: records in, records out.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from vzwatch.domain.errors import NotFoundError, UsageError
from vzwatch.domain.schema import HistoryEntry, Initiative, ProgressEntry
from vzwatch.domain.text import visible

LogEntry = ProgressEntry | HistoryEntry
_ENTRY_ID = re.compile(r"[ph][0-9a-f]{4}", re.ASCII)


def entry_id(entry: LogEntry) -> str:
    """``p3fa2``: the kind's letter and four hex digits of the entry's content."""
    kind = "p" if isinstance(entry, ProgressEntry) else "h"
    # What the entry says (percent and note; field, from and to), not the sources it cites.
    own = entry[2:4] if isinstance(entry, ProgressEntry) else entry[2:5]
    content = "\x1f".join([kind, entry.initiative, entry.on.isoformat(), *map(str, own)])
    import hashlib  # ~3 ms: only what names or shows entries needs it

    return kind + hashlib.blake2s(content.encode("utf-8"), digest_size=2).hexdigest()


def describe(entry: LogEntry) -> str:
    """``progress 40% on 2025-02-20`` or ``status active → paused on 2025-03-20``."""
    if isinstance(entry, ProgressEntry):
        return f"progress {entry.percent}% on {entry.on.isoformat()}"
    return f"{entry.field} {entry.old or '—'} → {entry.new} on {entry.on.isoformat()}"


class Found(NamedTuple):
    """The entry an ENTRY argument names."""

    entry: LogEntry

    @property
    def kind(self) -> str:
        return "progress" if isinstance(self.entry, ProgressEntry) else "history"


def find_entry(initiative: Initiative, wanted: str) -> Found:
    """The one progress or history entry of ``initiative`` that ``wanted`` names: its
    entry id (``p3fa2``, as ``show`` prints it) or its date (when only one entry has it)."""
    from vzwatch.domain import userinput

    key = wanted.strip().lower()
    entries: list[LogEntry] = [*initiative.progress_log, *initiative.history]
    if _ENTRY_ID.fullmatch(key):
        matches = [entry for entry in entries if entry_id(entry) == key]
        what = f"entry {key}"
    else:
        try:
            day = userinput.date(wanted, "ENTRY")
        except UsageError:
            raise UsageError(
                f"ENTRY '{visible(wanted)}' is neither an entry id (p3fa2, h1b2c: see "
                f"`vzwatch show {initiative.id}`) nor a date (2025-02-14)"
            ) from None
        matches = [entry for entry in entries if entry.on == day]
        what = f"entry dated {day.isoformat()}"
    if not matches:
        raise NotFoundError(
            f"'{initiative.id}' has no {what} (its entries: `vzwatch show {initiative.id}`)"
        )
    distinct = {entry_id(entry) for entry in matches}
    if len(distinct) > 1:
        listed = ", ".join(f"{entry_id(entry)} ({describe(entry)})" for entry in matches)
        raise NotFoundError(
            f"'{initiative.id}' has more than one {what}: {listed}; give its entry id"
        )
    return Found(matches[0])

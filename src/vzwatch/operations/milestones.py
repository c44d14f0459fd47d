"""The milestone writes (add, done, edit, remove), without any terminal.

A milestone is a ``[[milestones]]`` table: a step an initiative is to reach in a
quarter, with the day it was reached once it is. Each write is one
read-check-edit-check-write transaction under the store's lock, as every
other write (``storage.store.write_store``): a new milestone is appended at
the end of the store, an edit changes the keys of its own table in place (its
comments and unknown keys stay), a removal takes its table and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from vzwatch.domain import schema, userinput
from vzwatch.domain.errors import NotFoundError, UsageError
from vzwatch.domain.portfolio import Milestone, Portfolio, find_id, milestone_record, new_id
from vzwatch.domain.quarters import Quarter
from vzwatch.domain.text import visible
from vzwatch.operations.writing import (
    Plan,
    _appended,
    _find_vouched,
    _Loader,
    _removal,
    edit_record,
    editable,
    edited_run,
    records_naming,
    store_index,
    write_in_place,
)
from vzwatch.storage import runs
from vzwatch.storage.store import StoreLocation, append_text, write_store
from vzwatch.storage.tomledit import DELETE, apply_edits, render_block

_TABLE = "milestones"


def find_milestone(portfolio: Portfolio, id_or_prefix: str) -> Milestone:
    """The milestone an id, an unambiguous prefix of it or its title names."""
    by_id = {milestone.id: milestone for milestone in portfolio.milestones}
    if not by_id:
        raise NotFoundError(
            "the store has no milestones (add one with `vzwatch milestone add INITIATIVE TITLE`)"
        )
    titles = {milestone.id: milestone.title for milestone in portfolio.milestones}
    try:
        return by_id[find_id(by_id, id_or_prefix, titles)]
    except NotFoundError as error:
        if str(error).startswith("ambiguous"):
            raise
        raise NotFoundError(
            f"no milestone '{visible(id_or_prefix.strip())}' (see `vzwatch show INITIATIVE`)"
        ) from None


def add_milestone(
    location: StoreLocation,
    initiative_id: str,
    title: str,
    quarter: Callable[[Portfolio], Quarter],
    *,
    ident: str | None = None,
    done: date | None = None,
) -> Milestone:
    """Append a ``[[milestones]]`` table to the store and return the milestone as stored.

    ``quarter`` reads the quarter in the store's fiscal calendar. Its id is
    ``ident`` or a slug of the title that no other milestone uses.
    """
    title = userinput.text(title, "title")
    if not title:
        raise UsageError("title must not be empty")
    wanted = userinput.ident(ident) if ident is not None else None

    def block(portfolio: Portfolio, initiative_id: str) -> tuple[str, str]:
        taken = {milestone.id for milestone in portfolio.milestones}
        if wanted is not None and wanted in taken:
            raise UsageError(
                f"milestone id '{wanted}' is already used; choose another or leave --id out"
            )
        chosen = wanted or new_id(title, taken)
        milestone = Milestone(chosen, initiative_id, title, quarter(portfolio), done)
        return render_block(_TABLE, milestone_record(milestone)), chosen

    def plan(vouched: runs.Vouched) -> Plan[Milestone] | None:
        initiative = _find_vouched(vouched, initiative_id)
        if initiative is None:
            return None
        chunk, chosen = block(vouched.fields, initiative.id)

        def describe(checked: runs.Checked) -> Milestone:
            return find_milestone(checked.fields or vouched.fields, chosen)

        return _appended(vouched.data, [], [chunk]), describe

    fast = write_in_place(location, plan)
    if fast is not None:
        return fast
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, str]:
        portfolio = loader(old)
        initiative = portfolio.find(initiative_id)
        chunk, chosen = block(portfolio, initiative.id)
        return append_text(old, chunk), chosen

    new_text, created = write_store(location, edit, loader)
    return find_milestone(loader.remember(new_text), created)


@dataclass(frozen=True, slots=True)
class MilestoneEdit:
    """What `milestone edit` / `milestone done` change; None leaves a field as it is."""

    title: str | None = None
    quarter: Callable[[Portfolio], Quarter] | None = None
    done: date | None = None
    reopen: bool = False

    def is_empty(self) -> bool:
        return self.title is None and self.quarter is None and self.done is None and not self.reopen


@dataclass(frozen=True, slots=True)
class MilestoneChanged:
    """A milestone before and after a write (``after`` None: it was removed)."""

    before: Milestone
    after: Milestone | None


def edit_milestone(
    location: StoreLocation, id_or_prefix: str, change: MilestoneEdit
) -> MilestoneChanged:
    """Change a milestone's title, quarter or done date, in its own table."""
    if change.is_empty():
        raise UsageError("nothing to change: give --title, --quarter, --date or --reopen")
    if change.done is not None and change.reopen:
        raise UsageError("--date and --reopen contradict each other: give one")
    title = None if change.title is None else userinput.text(change.title, "title")
    if title == "":
        raise UsageError("title must not be empty")

    def keys_of(portfolio: Portfolio) -> dict[str, Any]:
        keys: dict[str, Any] = {}
        if title is not None:
            keys["title"] = title
        if change.quarter is not None:
            keys["quarter"] = str(change.quarter(portfolio))
        if change.done is not None:
            keys["done"] = change.done
        if change.reopen:
            keys["done"] = DELETE
        return keys

    def plan(vouched: runs.Vouched) -> Plan[MilestoneChanged] | None:
        before = find_milestone(vouched.fields, id_or_prefix)
        keys = keys_of(vouched.fields)
        number = _milestone_run(vouched, before.id)
        if number is None:
            return None
        edit = edited_run(vouched, number, _TABLE, before.id, keys, location.path)
        if edit is None:
            return None

        def describe(checked: runs.Checked) -> MilestoneChanged:
            after = find_milestone(checked.fields or vouched.fields, before.id)
            return MilestoneChanged(before, after)

        return [edit], describe

    fast = write_in_place(location, plan)
    if fast is not None:
        return fast
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, MilestoneChanged]:
        portfolio = loader(old)
        before = find_milestone(portfolio, id_or_prefix)
        keys = keys_of(portfolio)
        block = _milestone_block(old, before, location)
        return edit_record(old, block, keys, location.path), MilestoneChanged(before, None)

    new_text, result = write_store(location, edit, loader)
    after = find_milestone(loader.remember(new_text), result.before.id)
    return MilestoneChanged(result.before, after)


def remove_milestone(location: StoreLocation, id_or_prefix: str) -> Milestone:
    """Remove one milestone's table (comments around it stay) and return what it was."""

    def plan(vouched: runs.Vouched) -> Plan[Milestone] | None:
        milestone = find_milestone(vouched.fields, id_or_prefix)
        number = _milestone_run(vouched, milestone.id)
        if number is None:
            return None
        return [_removal(vouched, number)], lambda _: milestone

    fast = write_in_place(location, plan)
    if fast is not None:
        return fast
    loader = _Loader(location)

    def edit(old: str) -> tuple[str, Milestone]:
        milestone = find_milestone(loader(old), id_or_prefix)
        index = store_index(old, location.path)
        (record,) = _milestone_records(index, milestone, location)
        spans = [index.deletion_span(piece) for piece in record.pieces]
        return apply_edits(old, [(start, end, "") for start, end in spans]), milestone

    new_text, removed = write_store(location, edit, loader)
    loader.remember(new_text)
    return removed


def _milestone_run(vouched: runs.Vouched, ident: str) -> int | None:
    """The run of milestone ``ident``'s table, where its id line is written as vzwatch
    writes it (None: the full path finds it)."""

    def test(payload: Any) -> bool:
        return payload[0] == "m" and schema.milestone_from_row(payload[1:]).id == ident

    found = vouched.runs_where(f'id = "{ident}"', test)
    return found[0] if len(found) == 1 else None


def _milestone_records(index: Any, milestone: Milestone, location: StoreLocation) -> list[Any]:
    from vzwatch.domain.errors import StoreError

    found = records_naming(index, _TABLE, "id", milestone.id, location.path)
    if len(found) != 1:
        # The id is written in a form the text editor cannot match; refuse, never guess.
        raise StoreError(
            f"{location.path}: cannot find the [[milestones]] table of '{milestone.id}' to edit"
        )
    return found


def _milestone_block(old: str, milestone: Milestone, location: StoreLocation) -> Any:
    index = store_index(old, location.path)
    (record,) = _milestone_records(index, milestone, location)
    return editable(index, record, location.path)

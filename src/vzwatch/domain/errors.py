"""Errors that carry their exit code.

Every failure a user can cause is a ``VzwatchError``: one line of message and
the process exit code. The CLI edge prints the message to stderr and exits;
nothing below the CLI prints or exits.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes (README, "Exit codes")."""

    OK = 0
    FOUND = 1  # `due --exit-code` listed something; `validate` found problems
    USAGE = 2  # bad option or value: quarter, timeline, status, date, percent
    NOT_FOUND = 3  # no initiative matches the id (or the prefix is ambiguous)
    STORE = 4  # store unreadable, invalid, locked, or a write refused as unsafe
    CONFLICT = 5  # merge-driver left a same-field conflict for a person
    INTERNAL = 70  # a bug in vzwatch (EX_SOFTWARE); VZWATCH_DEBUG=1 shows the traceback
    INTERRUPTED = 130


class VzwatchError(Exception):
    """Base class: a one-line message and the exit code it maps to."""

    exit_code: ExitCode = ExitCode.STORE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(VzwatchError):
    """A bad option or value given on the command line."""

    exit_code = ExitCode.USAGE


class NotFoundError(VzwatchError):
    """No initiative matches, or an id prefix matches several."""

    exit_code = ExitCode.NOT_FOUND


class StoreError(VzwatchError):
    """The store cannot be read, does not validate, or cannot be written safely."""

    exit_code = ExitCode.STORE


class StoreLockedError(StoreError):
    """Another vzwatch process holds the store's write lock."""


class InvalidQuarter(ValueError):  # noqa: N818 - reads as a value error, like ValueError
    """A quarter or timeline string could not be parsed.

    Pure code raises this; callers decide whether it is a usage error (from
    argv) or a store error (from the file), because the exit code differs.
    """

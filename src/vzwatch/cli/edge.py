"""The edge of every run: an error becomes one line on stderr and its exit code.

Imports neither Typer nor Rich, so the merge driver's Typer-free start
(``vzwatch.cli.driver``) and the Typer app (``vzwatch.cli.app``) share it.
"""

from __future__ import annotations

import os
import sys

from vzwatch.domain.errors import ExitCode, VzwatchError
from vzwatch.domain.text import ASCII_ERRORS, is_utf8_stream, visible

PROG = "vzwatch"


def error_line(message: str) -> None:
    sys.stderr.write(f"{PROG}: error: {visible(message)}\n")
    sys.stderr.flush()


def prepare_streams() -> None:
    """Let data with en dashes print on ASCII-only terminals and cron mailers."""
    for stream in (sys.stdout, sys.stderr):
        if not is_utf8_stream(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=ASCII_ERRORS)


def exit_code(error: BaseException) -> ExitCode:
    """Say what went wrong in one line and give the exit code it maps to.

    A bug (anything that is not a VzwatchError, an interrupt or an OSError) is
    one line too, exit 70; with VZWATCH_DEBUG set it is raised again instead.
    """
    if isinstance(error, VzwatchError):
        error_line(error.message)
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        error_line("aborted")
        return ExitCode.INTERRUPTED
    if isinstance(error, OSError):  # e.g. EIO, or stdout closed: user-caused, no traceback
        error_line(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "))
        return ExitCode.STORE
    if os.environ.get("VZWATCH_DEBUG"):
        raise error
    error_line(
        f"internal error: {type(error).__name__}: {error} "
        "(a bug in vzwatch; rerun with VZWATCH_DEBUG=1 for the traceback)"
    )
    return ExitCode.INTERNAL

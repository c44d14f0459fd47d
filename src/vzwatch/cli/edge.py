"""The edge of every run: an error becomes one line on stderr and its exit code.

Imports neither Typer nor Rich, so the merge driver's Typer-free start
(``vzwatch.cli.driver``) and the Typer app (``vzwatch.cli.app``) share it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from vzwatch.domain.errors import ExitCode, VzwatchError
from vzwatch.domain.text import ASCII_ERRORS, is_utf8_stream, visible

PROG = "vzwatch"


def error_line(message: str) -> None:
    sys.stderr.write(f"{PROG}: error: {visible(message)}\n")
    sys.stderr.flush()


def prepare_streams() -> None:
    """Let data with en dashes print on ASCII-only terminals and cron mailers.

    An ASCII or C locale (``LC_ALL=C``, ``LANG=C``, or none at all, as cron
    runs jobs) gets ASCII output even though Python itself then writes UTF-8
    (PEP 538 and 540 coerce the C locale): the terminal or mailer reading it
    was told ASCII. Only the process's own streams are switched, never a
    stream a caller (a test runner) put in their place.
    """
    ascii_locale = locale_wants_ascii(os.environ)
    owned: tuple[object, object] = (sys.__stdout__, sys.__stderr__)
    for stream in (sys.stdout, sys.stderr):
        if not hasattr(stream, "reconfigure"):
            continue
        if ascii_locale and stream in owned and is_utf8_stream(stream):
            stream.reconfigure(encoding="ascii", errors=ASCII_ERRORS)
        elif not is_utf8_stream(stream):
            stream.reconfigure(errors=ASCII_ERRORS)


_C_LOCALES = ("C", "POSIX")
_ASCII_CHARSETS = ("ascii", "us-ascii", "ansi_x3.4-1968", "646")


def _is_ascii_locale(name: str) -> bool:
    charset = name.partition(".")[2].partition("@")[0].lower()
    return name in _C_LOCALES or charset in _ASCII_CHARSETS


def locale_wants_ascii(environ: Mapping[str, str]) -> bool:
    """Whether the locale the user set (LC_ALL, else LC_CTYPE, else LANG) is ASCII.

    Python sets LC_CTYPE=C.UTF-8 itself when it finds the C locale (PEP 538);
    that value, with LANG unset or C, still means the user's C locale.
    """
    if environ.get("LC_ALL"):
        return _is_ascii_locale(environ["LC_ALL"])
    lang = environ.get("LANG", "")
    ctype = environ.get("LC_CTYPE", "")
    coerced = ctype in ("C.UTF-8", "C.utf8") and lang in ("", *_C_LOCALES)
    if ctype and not coerced:
        return _is_ascii_locale(ctype)
    return _is_ascii_locale(lang or "C")


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

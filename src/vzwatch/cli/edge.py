"""The edge of every run: an error becomes one line on stderr and its exit code.

Imports neither Typer nor Rich, so the merge driver's Typer-free start
(``vzwatch.cli.driver``) and the Typer app (``vzwatch.cli.app``) share it.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from vzwatch.domain.errors import ExitCode, VzwatchError
from vzwatch.domain.text import ASCII_ERRORS, is_utf8_stream, visible

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

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
    _outlive_readers()


class _ReaderAware(io.FileIO):
    """A process stream (fd 1 or 2) whose reader may leave: ``| head``, a pager quit.

    Once the reader has gone, the rest of the output goes to /dev/null, so the
    command ends as it would have and its exit code says what it found (`due
    --exit-code | head -1` is still 1), with nothing on stderr. Without this,
    where the pipe closes decides: mid-write, Python silently drops the rest of
    one large write (exit 0), while a later write raises BrokenPipeError, which
    Click turns into exit 1, the code for "found" (issue 13). Writes are also
    finished when a signal cuts one short, which Python does not do.
    """

    def write(self, data: ReadableBuffer, /) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            try:
                written = super().write(view[done:])
            except BrokenPipeError:
                _to_devnull(self.fileno())
                continue
            if written is None:  # a non-blocking stream that is full: as FileIO says
                return done
            done += written
        return done


def _to_devnull(fd: int) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    if devnull == fd:  # fd was closed: /dev/null took its number
        return
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _outlive_readers() -> None:
    """Put the process's own stdout and stderr on a ``_ReaderAware`` file.

    Only the streams the process started with (never a test runner's
    stand-ins), once; encoding, error handler and buffering stay as they were.
    A process started with one closed (``vzwatch list >&-``; Python then has
    None there) writes to /dev/null as if its reader had left at once.
    """
    for name, number in (("stdout", 1), ("stderr", 2)):
        stream = getattr(sys, name)
        if stream is None and getattr(sys, f"__{name}__") is None:
            _to_devnull(number)
            setattr(sys, name, _guarded(number, "utf-8", "backslashreplace", False, False))
            continue
        if stream is not getattr(sys, f"__{name}__") or not isinstance(stream, io.TextIOWrapper):
            continue
        try:
            fd = stream.fileno()
            stream.flush()
        except (OSError, ValueError):  # closed, or not a file at all
            continue
        guarded = _guarded(
            fd, stream.encoding, stream.errors, stream.line_buffering, stream.write_through
        )
        setattr(sys, name, guarded)


def _guarded(
    fd: int, encoding: str, errors: str | None, line_buffering: bool, write_through: bool
) -> io.TextIOWrapper:
    return io.TextIOWrapper(
        io.BufferedWriter(_ReaderAware(fd, "wb", closefd=False)),
        encoding=encoding,
        errors=errors,
        line_buffering=line_buffering,
        write_through=write_through,
    )


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

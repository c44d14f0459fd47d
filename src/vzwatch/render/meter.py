"""A meter on stderr for long operations in a terminal (Rich's progress bar).

Not ``render.tables.progress_bar``, which draws an initiative's progress.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn


@contextmanager
def meter(label: str, total: int) -> Iterator[Callable[[], None]]:
    """Yield a function that advances the bar by one; the bar disappears when done."""
    console = Console(file=sys.stderr, markup=False, emoji=False, highlight=False)
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)

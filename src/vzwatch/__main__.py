"""Run vzwatch as ``python -m vzwatch``."""

from vzwatch.cli import entry

entry()

"""Run vzwatch as ``python -m vzwatch``."""

from vzwatch.cli import main

raise SystemExit(main())

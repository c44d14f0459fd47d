"""vzwatch: track policy initiatives on quarter-based timelines."""

__version__ = "0.1.0"

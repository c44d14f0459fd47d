"""The records and rules of a portfolio: pure, no I/O, no clock (``today`` is a parameter)."""

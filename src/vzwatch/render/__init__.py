"""Everything that prints with Rich. Imported lazily, only by human-facing output."""

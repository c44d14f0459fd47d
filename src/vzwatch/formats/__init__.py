"""Text forms of records: the JSON contract, CSV/Markdown/JSON Lines, iCalendar, SVG, sources."""

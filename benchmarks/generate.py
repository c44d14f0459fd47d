"""Generate realistic vzwatch stores (and the same data as Taskwarrior tasks).

Deterministic: the same count always gives the same bytes. Each initiative has
a title, an objective, a pillar, partners, tags, a status, a source and a
progress log of 0-4 dated entries, so a 10k store is about 6.5 MB. ``results_text``
adds an indicator (with a measurement) and a milestone per initiative.
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

HEADER = """# Generated benchmark store.

[portfolio]
title = "Benchmark portfolio"
source = "vzwatch benchmarks"
fiscal_year_start_month = 4
fiscal_year_named_by = "start"

[[pillars]]
id = "enhanced-collaboration"
name = "Enhanced Collaboration"
description = "Work alongside the United Nations, the OAS and the Lima Group."

[[pillars]]
id = "humanitarian-support"
name = "Humanitarian Support"
description = "Coordinate aid for refugees and internally displaced populations."

[[pillars]]
id = "election-monitoring"
name = "Election Monitoring"
description = "Deploy expert teams to support credible electoral processes."

[[pillars]]
id = "dialogue-facilitation"
name = "Dialogue Facilitation"
description = "Host neutral forums between opposition forces and the government."
"""

PILLARS = [
    "enhanced-collaboration",
    "humanitarian-support",
    "election-monitoring",
    "dialogue-facilitation",
]
PARTNERS = [
    "United Nations",
    "Organization of American States",
    "Lima Group",
    "Venezuelan civil society",
    "European Union",
    "Inter-American Development Bank",
]
TAGS = ["dialogue", "mediation", "elections", "humanitarian", "refugees", "health", "summit"]
STATUSES = ["planned", "planned", "active", "active", "done", "paused", "cancelled"]
WORDS = [
    *("regional", "international", "electoral", "humanitarian", "civic", "dialogue"),
    *("oversight", "aid", "programme", "mission", "forum", "summit", "initiative"),
    *("support", "monitoring", "training", "outreach", "coordination", "relief"),
    *("assessment", "partnership"),
]
NOTES = ["Teams deployed", "Funding approved", "First round held", "Report published", "On hold"]


def _timeline(rng: random.Random) -> tuple[str, date | None]:
    """A timeline as people write it, and the last day of its end quarter (None if ongoing)."""
    year = rng.randint(2022, 2027)
    quarter = rng.randint(1, 4)
    kind = rng.random()
    if kind < 0.08:
        return "Ongoing", None
    if kind < 0.5:
        text = f"Q{quarter} {year}"
        end_year, end_quarter = year, quarter
    elif kind < 0.8:
        end_quarter = rng.randint(quarter, 4)
        text = f"Q{quarter} – Q{end_quarter} {year}"
        end_year = year
    elif kind < 0.9:
        text = f"H{1 + (quarter > 2)} {year}"
        end_year, end_quarter = year, 2 if quarter <= 2 else 4
    else:
        end_year, end_quarter = year + 1, rng.randint(1, 4)
        text = f"Q{quarter} {year} – Q{end_quarter} {end_year}"
    month = end_quarter * 3
    last_day = 31 if month in (3, 12) else 30
    return text, date(end_year, month, last_day)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _strings(values: list[str]) -> str:
    return "[" + ", ".join(_quote(v) for v in values) + "]"


def initiatives(count: int, seed: int = 7) -> list[dict[str, object]]:
    """``count`` initiatives as plain dicts (with their progress log and due date)."""
    rng = random.Random(seed)
    items: list[dict[str, object]] = []
    for number in range(count):
        words = rng.sample(WORDS, 3)
        title = " ".join(w.capitalize() for w in words) + f" {number}"
        timeline, due = _timeline(rng)
        log = []
        day = date(2024, 1, 1).toordinal()
        percent = 0
        for _ in range(rng.randint(0, 4)):
            day += rng.randint(20, 120)
            percent = min(100, percent + rng.randint(5, 40))
            log.append((date.fromordinal(day), percent, rng.choice(NOTES)))
        items.append(
            {
                "id": "-".join(words) + f"-{number}",
                "title": title,
                "objective": f"{rng.choice(WORDS).capitalize()} {' '.join(rng.sample(WORDS, 6))}",
                "timeline": timeline,
                "due": due,
                "pillar": rng.choice(PILLARS),
                "partners": rng.sample(PARTNERS, rng.randint(1, 4)),
                "tags": rng.sample(TAGS, rng.randint(1, 3)),
                "status": rng.choice(STATUSES),
                "log": log,
            }
        )
        if items[-1]["status"] == "done" and log:  # done ends at 100% (`validate` checks it)
            log[-1] = (log[-1][0], 100, log[-1][2])
    return items


def store_text(items: list[dict[str, object]]) -> str:
    parts = [HEADER]
    progress = []
    for item in items:
        parts.append(
            "\n[[initiatives]]\n"
            f"id = {_quote(str(item['id']))}\n"
            f"title = {_quote(str(item['title']))}\n"
            f"objective = {_quote(str(item['objective']))}\n"
            f"timeline = {_quote(str(item['timeline']))}\n"
            f"pillar = {_quote(str(item['pillar']))}\n"
            f"partners = {_strings(item['partners'])}\n"  # type: ignore[arg-type]
            f"tags = {_strings(item['tags'])}\n"  # type: ignore[arg-type]
            f"status = {_quote(str(item['status']))}\n"
            'source = "Japan Wire, citing Kyodo News"\n'
        )
        for on, percent, note in item["log"]:  # type: ignore[attr-defined]
            progress.append(
                "\n[[progress]]\n"
                f"initiative = {_quote(str(item['id']))}\n"
                f"date = {on.isoformat()}\n"
                f"percent = {percent}\n"
                f"note = {_quote(note)}\n"
            )
    return "".join(parts + progress)


def write_store(path: Path, count: int) -> None:
    path.write_text(store_text(initiatives(count)), encoding="utf-8")


def results_text(items: list[dict[str, object]], seed: int = 11) -> str:
    """What each initiative aims at, for a store of ``items``: one ``[[indicators]]`` (with
    one ``[[measurements]]``) and one ``[[milestones]]`` per initiative, appended after
    the progress entries (as `indicator add`, `measure` and `milestone add` append them)."""
    rng = random.Random(seed)
    indicators, measurements, milestones = [], [], []
    for item in items:
        ident = str(item["id"])
        due = item["due"]
        quarter = f"Q{(due.month - 1) // 3 + 1}-{due.year}" if isinstance(due, date) else "Q4-2027"
        unit = rng.choice(["people", "JPY", "forums", "observers"])
        target = rng.choice([3, 40, 120, 200_000, 2_000_000_000])
        indicators.append(
            "\n[[indicators]]\n"
            f"id = {_quote(ident + '-result')}\n"
            f"initiative = {_quote(ident)}\n"
            f"name = {_quote(rng.choice(WORDS).capitalize() + ' reached')}\n"
            f"unit = {_quote(unit)}\n"
            "baseline = 0\n"
            f"target = {target}\n"
            f"by = {_quote(quarter)}\n"
        )
        measurements.append(
            "\n[[measurements]]\n"
            f"indicator = {_quote(ident + '-result')}\n"
            f"date = {date.fromordinal(date(2024, 1, 1).toordinal() + rng.randint(0, 400))}\n"
            f"value = {rng.randint(0, target)}\n"
        )
        milestones.append(
            "\n[[milestones]]\n"
            f"id = {_quote(ident + '-step')}\n"
            f"initiative = {_quote(ident)}\n"
            f"title = {_quote(rng.choice(WORDS).capitalize() + ' step')}\n"
            f"quarter = {_quote(quarter)}\n"
        )
    return "".join(indicators + measurements + milestones)


def write_results_store(path: Path, count: int) -> None:
    """A store of ``count`` initiatives with an indicator, a measurement and a milestone each."""
    items = initiatives(count)
    path.write_text(store_text(items) + results_text(items), encoding="utf-8")


def taskwarrior_tasks(count: int) -> list[dict[str, object]]:
    """The same initiatives as Taskwarrior tasks (pending, with due date, project, tags)."""
    tasks: list[dict[str, object]] = []
    for item in initiatives(count):
        task: dict[str, object] = {
            "description": item["title"],
            "status": "pending",
            "entry": "20240101T000000Z",
            "project": item["pillar"],
            "tags": item["tags"],
        }
        if item["due"] is not None:
            task["due"] = item["due"].strftime("%Y%m%dT000000Z")  # type: ignore[attr-defined]
        tasks.append(task)
    return tasks

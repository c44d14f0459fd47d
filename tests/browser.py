"""Headless Chromium, pdftotext and the Mermaid bundle, for tests of what a reader sees.

CI installs them (`.ci/run`); there a missing tool fails the test. On a
developer's machine without them the test is skipped, saying what to install.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
MERMAID_JS = REPO / "tests" / "js" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
TIMEOUT = 120


def missing(what: str, install: str) -> None:
    """Skip (or, in CI, fail) a test whose tool is not installed."""
    message = f"{what} is not installed ({install})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must install it (.ci/run)")
    pytest.skip(message)


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(name, f"apt-get install {package}")
    assert path is not None
    return path


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        tool("chromium", "chromium"),
        "--headless",
        "--no-sandbox",  # tests and CI run as root
        "--disable-gpu",
        "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def screenshot(page: Path, png: Path, *, width: int = 1200, height: int = 1600) -> Path:
    _chromium(
        page.parent / ".chromium-profile",
        f"--window-size={width},{height}",
        f"--screenshot={png}",
        page.as_uri(),
    )
    assert png.stat().st_size > 0
    return png


def print_pdf(page: Path, pdf: Path) -> Path:
    _chromium(
        page.parent / ".chromium-profile",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        page.as_uri(),
    )
    assert pdf.stat().st_size > 0
    return pdf


def dump_dom(page: Path, *extra: str) -> str:
    return _chromium(page.parent / ".chromium-profile", *extra, "--dump-dom", page.as_uri()).stdout


def pdf_text(pdf: Path, *, page: int | None = None) -> str:
    pages = [] if page is None else ["-f", str(page), "-l", str(page)]
    command = [tool("pdftotext", "poppler-utils"), *pages, str(pdf), "-"]
    return subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=TIMEOUT
    ).stdout


def pdf_info(pdf: Path) -> dict[str, str]:
    output = subprocess.run(
        [tool("pdfinfo", "poppler-utils"), str(pdf)],
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT,
    ).stdout
    return {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in output.splitlines())
    }


def mermaid_render(diagrams: list[str], folder: Path) -> list[dict[str, Any]]:
    """Parse and render each diagram with the real Mermaid (its npm bundle) in Chromium.

    Returns per diagram ``{"ok": True, "svg": ...}`` or ``{"ok": False, "error": ...}``.
    """
    if not MERMAID_JS.exists():
        missing("the mermaid npm package", "npm ci --prefix tests/js")
    payload = json.dumps(diagrams).replace("</", "<\\/")
    page = folder / "mermaid.html"
    page.write_text(
        f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><script src="{MERMAID_JS.as_uri()}"></script></head>
<body><script>
mermaid.initialize({{startOnLoad: false}});
const diagrams = {payload};
(async () => {{
  const results = [];
  for (const [index, text] of diagrams.entries()) {{
    try {{
      await mermaid.parse(text);
      const {{svg}} = await mermaid.render("diagram" + index, text);
      results.push({{ok: true, svg}});
    }} catch (error) {{
      results.push({{ok: false, error: String((error && error.message) || error)}});
    }}
  }}
  const out = document.createElement("pre");
  out.id = "results";
  out.textContent = JSON.stringify(results);
  document.body.replaceChildren(out);
}})();
</script></body></html>
""",
        encoding="utf-8",
    )
    dom = dump_dom(page, "--allow-file-access-from-files", "--virtual-time-budget=30000")
    found = re.search(r'<pre id="results">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    results: list[dict[str, Any]] = json.loads(html.unescape(found.group(1)))
    assert len(results) == len(diagrams)
    return results


def task_texts(svg: str) -> list[str]:
    """The bar labels of a rendered gantt chart, as shown."""
    return [
        html.unescape(t).strip() for t in re.findall(r'class="taskText[^"]*"[^>]*>([^<]*)<', svg)
    ]


def section_texts(svg: str) -> list[str]:
    """The section titles of a rendered gantt chart (each a <text> of <tspan> lines)."""
    found = re.findall(r'class="sectionTitle[^"]*"[^>]*>(.*?)</text>', svg, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", " ", t)).strip() for t in found]

"""The force briefing as headless Chromium prints it (slow: a real browser and poppler):
A4 from the page's own print CSS, four pages at most without --full, and no heading left
at the foot of a page without its table or chart."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

pytestmark = pytest.mark.slow
Cli = Callable[..., Result]


def print_pdf(html: Path, tmp_path: Path) -> Path:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None or shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("chromium and poppler-utils (pdfinfo, pdftotext) are needed")
    pdf = html.with_suffix(".pdf")
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return pdf


def info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return dict(
        (k.strip(), v.strip())
        for k, _, v in (line.partition(":") for line in out.stdout.splitlines())
    )


def page_text(pdf: Path, n: int) -> str:
    args = ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def headings(html: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", "", h).split())
        for h in re.findall(r"<h[23]>(.*?)</h[23]>", html)
    ]


def test_the_briefing_prints_on_at_most_four_a4_pages(
    cli: Cli, demo_db: Path, tmp_path: Path
) -> None:
    html = tmp_path / "kent.html"
    assert cli("report", "force", "kent", "--out", html, "--db", demo_db).exit_code == 0
    pdf = print_pdf(html, tmp_path)
    meta = info(pdf)
    pages = int(meta["Pages"])
    assert 1 <= pages <= 4, pages
    width, height = (float(x) for x in re.findall(r"[\d.]+", meta["Page size"])[:2])
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4 in points, not US Letter
    titles = headings(html.read_text(encoding="utf-8"))
    assert titles[0].startswith("Where Kent Police differs")
    for n in range(1, pages + 1):
        lines = [" ".join(line.split()) for line in page_text(pdf, n).splitlines() if line.strip()]
        # a heading's last line at the foot of a page would be parted from its table
        assert not any(t.endswith(lines[-1]) for t in titles), (n, lines[-3:])
    everything = " ".join(page_text(pdf, n) for n in range(1, pages + 1))
    for section in ("Coverage against the sample targets", "Open recommendations", "Action plan"):
        assert section in everything

    full = tmp_path / "kent-full.html"
    cli("report", "force", "kent", "--full", "--out", full, "--db", demo_db)
    assert int(info(print_pdf(full, tmp_path))["Pages"]) > pages  # the appendix, on its own

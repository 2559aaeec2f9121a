"""How a workbook prints: convert it with LibreOffice (headless) to PDF and count the pages
of each sheet from the footer every sheet carries ("<sheet> · page N"). Used by the
slow test and bench/export.py; needs `soffice` and poppler's `pdftotext`."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

FOOTER = re.compile(r"([^\n]+?) · page \d+")


def available() -> bool:
    return bool(shutil.which("soffice") and shutil.which("pdftotext"))


def to_pdf(xlsx: Path, outdir: Path, timeout: float = 600) -> Path:
    """The workbook as PDF (LibreOffice headless, its own throwaway profile)."""
    with tempfile.TemporaryDirectory(prefix="fieldkit-lo-") as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(xlsx),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    pdf = outdir / (xlsx.stem + ".pdf")
    if not pdf.exists():
        raise RuntimeError(f"LibreOffice wrote no PDF for {xlsx}")
    return pdf


def page_texts(pdf: Path) -> list[str]:
    """The text of every page (form feeds separate pages in pdftotext's output)."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pages_per_sheet(pdf: Path) -> Counter[str]:
    """sheet title -> printed pages, read from each page's footer."""
    counts: Counter[str] = Counter()
    for text in page_texts(pdf):
        found = FOOTER.findall(text)
        if found:
            counts[found[-1].strip().split("  ")[-1].strip()] += 1
    return counts

"""The data collection's figures in every output (issue 26): the workbook's Figure 6 sheet,
Datasette's canned queries and dashboard, and the force briefing show what `report summary`
does, provisional marks included."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from click.testing import Result
from openpyxl import load_workbook

from fieldkit.datasette.serve import make_datasette

FORM = "force_data_return"
FIGURES = {"kent": (2600, 4000), "essex": (1700, 4000), "dorset": ("unknown", 3000)}
OTHERS = [
    "dr_calls",
    "dr_da_calls",
    "dr_da_repeat_victims",
    "dr_da_charges",
    "dr_da_cautions",
    "dr_da_evidential_supports",
    "dr_da_evidential_not_supports",
    "dr_da_offences_2013",
    "dr_da_arrests_2013",
    "dr_training_staff",
    "dr_training_trained",
    "dr_dvpo_applied",
    "dr_dvpo_granted",
    "dr_dvpo_breached",
    "dr_marac_cases",
    "dr_victims_female",
    "dr_victims_male",
    "dr_risk_high",
    "dr_risk_medium",
    "dr_risk_standard",
]


@pytest.fixture
def returns_db(tmp_path: Path, cli: Callable[..., Result]) -> Path:
    """Three forces' returns by CSV; Kent's agreed, the others not."""
    db, csv = tmp_path / "team.db", tmp_path / "returns.csv"
    head = ["force", "observed_at", "status", "dr_period", "dr_da_arrests", "dr_da_offences"]
    head += [*OTHERS, "dr_cc_training", "dr_perpetrator_scheme"]
    lines = [",".join(head)]
    for force, (arrests, offences) in FIGURES.items():
        lines.append(
            f"{force},2015-05-01,final,2015,{arrests},{offences},"
            + ",".join("unknown" if i.endswith("_2013") else "100" for i in OTHERS)
            + ",yes,no"
        )
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli("import", csv, "--checklist", FORM, "--db", db).exit_code == 0
    assert cli("returns", "agree", "kent", "--db", db).exit_code == 0
    return db


def figure6(cli: Callable[..., Result], db: Path) -> dict[str, Any]:
    return json.loads(cli("report", "summary", "figure6", "--db", db, "--json").output)


def test_the_workbook_has_figure6_as_the_report_has_it(
    returns_db: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    out = tmp_path / "team.xlsx"
    assert cli("export", "xlsx", "--db", returns_db, "--out", out).exit_code == 0
    ws = load_workbook(out)["Figure 6"]
    rows = [r for r in ws.iter_rows(values_only=True) if r[0]]
    head = next(n for n, r in enumerate(rows) if r[0] == "Force")
    body = {r[0]: r[1:] for r in rows[head + 1 :]}
    assert body["Kent Police"] == (0.65, "no data", None)
    assert body["Essex Police"] == (0.425, "no data", "provisional")
    assert body["Dorset Police"] == ("no data", "no data", None)
    assert body["National (pooled)"][0] == pytest.approx(4300 / 8000)
    report = figure6(cli, returns_db)
    assert [r["force_name"] for r in report["rows"]] == list(body)[:3]


async def test_datasette_serves_the_same_rates(
    returns_db: Path, plugins: None, cli: Callable[..., Result]
) -> None:
    ds = make_datasette([returns_db])
    res = await ds.client.get("/team/summary_rates.json?_shape=array&_size=max&summary=figure6")
    assert res.status_code == 200, res.text[:300]
    served = {
        (r["force"], r["figure"]): r["label"] for r in res.json() if r["figure"].endswith("2015")
    }
    report = figure6(cli, returns_db)
    for row in [*report["rows"], report["national"]]:
        assert served[(row["force_name"], report["columns"][0]["label"])] == row["rate_2015__label"]
    page = await ds.client.get("/-/dashboards/findings")  # to the default: all forces
    assert page.status_code == 302
    assert (await ds.client.get(page.headers["location"])).status_code == 200
    board = (await ds.client.get("/-/metadata.json")).json()["plugins"]["datasette-dashboards"]
    query = re.sub(r"\[\[.*?\]\]", "", board["findings"]["charts"]["rates-0"]["query"])
    res = await ds.client.get("/team.json?" + urlencode({"sql": query, "_shape": "array"}))
    charted = {(r["force"], r["figure"]): r["value"] for r in res.json()}
    for row in report["rows"]:
        for col in report["columns"]:
            want = row[col["id"]]
            assert charted.get((row["force_name"], col["label"])) == want


def test_the_force_briefing_has_its_return_against_national(
    returns_db: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    out = tmp_path / "essex.html"
    assert cli("report", "force", "essex", "--db", returns_db, "--out", out).exit_code == 0
    html = out.read_text(encoding="utf-8")
    part = html[html.index("data return against national") :]
    assert "43% (provisional)" in part and "54% (provisional)" in part
    assert "from a return the force has not yet agreed" in part

"""`fieldkit returns check`: what HMIC queried with forces (003:L9793-9799).

(a) Internal inconsistencies: a return for which one of its form's cross-question rules
(`returns.rules` in the checklist file) is false. A rule naming a figure the force gave as
unknown cannot be false, so it is not listed.

(b) Figures far from other forces': for each rate column of the summaries the form names
(`returns.outliers`), a force whose unrounded rate is more than 3 median absolute deviations
(MAD) from the median of every force with a figure. The median and the MAD are robust: one
wild figure moves neither, as it would a mean and standard deviation. When the MAD is 0 (half
the forces or more give the same rate) nothing is listed for that column.
"""

from __future__ import annotations

import statistics
from typing import Any

from fieldkit import forces, sql
from fieldkit.checklists import expr
from fieldkit.report.summary_kinds import rates
from fieldkit.returns.template import collection_of
from fieldkit.store import Store, views

MADS = 3


def _answers(store: Store, checklist_id: str) -> dict[str, tuple[str, dict[Any, Any]]]:
    """record id -> (force, answers) for the counted records of a checklist."""
    views.ensure(store.conn)
    out: dict[str, tuple[str, dict[Any, Any]]] = {}
    for rid, force, item, rkey, value in store.conn.execute(
        sql.queries("returns")["counted_answers"], (checklist_id,)
    ):
        out.setdefault(rid, (force, {}))[1][(item, rkey)] = value
    return out


def inconsistencies(store: Store, checklist_id: str) -> list[dict[str, Any]]:
    checklist = store.checklist(checklist_id)
    collection_of(checklist)
    assert checklist.returns is not None
    found = []
    for rid, (force, answers) in _answers(store, checklist_id).items():
        read = expr.value_of(answers)
        for rule in checklist.returns.rules:
            if expr.fails(rule.check, read):
                values = {ref: answers.get((ref, "")) for ref in rule.check.refs}
                found.append(
                    {
                        "check": "inconsistent",
                        "force_code": force,
                        "force_name": forces.NAMES.get(force, force),
                        "record_id": rid,
                        "rule": rule.id,
                        "message": rule.message,
                        "questions": list(rule.check.refs),
                        "values": values,
                        "shown": ", ".join(f"{k} = {v}" for k, v in values.items()),
                    }
                )
    return found


def outliers(store: Store, checklist_id: str) -> list[dict[str, Any]]:
    checklist = store.checklist(checklist_id)
    collection_of(checklist)
    assert checklist.returns is not None
    found = []
    for sid in checklist.returns.outliers:
        table = checklist.summary(sid)
        figures = rates(store.conn, checklist_id, table)
        for col in table.columns:
            if col.per is None:
                continue
            got = [
                (r, r[f"{col.id}__ratio"])
                for r in figures["rows"]
                if r.get(f"{col.id}__ratio") is not None
            ]
            if len(got) < 3:
                continue
            median = statistics.median(v for _, v in got)
            mad = statistics.median(abs(v - median) for _, v in got)
            if mad == 0:
                continue
            for r, v in got:
                distance = abs(v - median) / mad
                if distance > MADS:
                    found.append(
                        {
                            "check": "outlier",
                            "force_code": r["force_code"],
                            "force_name": r["force_name"],
                            "summary": sid,
                            "column": col.id,
                            "label": col.label,
                            "questions": list(col.numerator),
                            "value": r[col.id],
                            "ratio": round(v, 4),
                            "median": round(median, 4),
                            "mad": round(mad, 4),
                            "mads": round(distance, 1),
                            "shown": f"{r[f'{col.id}__label']} (median {median:.0f},"
                            f" {distance:.1f} MADs away)",
                        }
                    )
    return found


def check(store: Store, checklist_id: str) -> list[dict[str, Any]]:
    """Every inconsistency, then every outlier, each naming force, question and value."""
    return inconsistencies(store, checklist_id) + outliers(store, checklist_id)

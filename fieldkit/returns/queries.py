"""The query log and the sign-off of a data collection, as logged changes through the Store
like every other answer: a query is a record of the query checklist the collection names
(`returns.queries`), answering one sets its answer and status, and agreeing a force's return
sets the return's sign-off item to yes. So they merge, verify and show "as of" a date like
any other record; nothing is kept outside the change log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fieldkit import sql
from fieldkit.checklists import Checklist, QueryLog
from fieldkit.errors import BadInput
from fieldkit.store import Change, Store, natural_key, resolve_force

OPEN, ANSWERED = "open", "answered"


def collections(store: Store) -> list[Checklist]:
    """The data collections the database knows (checklists with a `returns:` block)."""
    return [c for c in store.installed_checklists() if c.returns is not None]


def collection(store: Store, form: str | None = None, question: str | None = None) -> Checklist:
    """The collection called `form`, or the one asking `question`, or the only one."""
    found = collections(store)
    if form:
        found = [c for c in found if c.id == form]
        if not found:
            raise BadInput(f"{form!r} is not a data return form")
    if question:
        found = [c for c in found if question in {i.id for i in c.items}]
        if not found:
            raise BadInput(f"{question!r} is not a question of a data return form")
    if len(found) != 1:
        names = ", ".join(c.id for c in found) or "none"
        raise BadInput(f"say which data return form (--form): {names}")
    return found[0]


def _log(c: Checklist) -> QueryLog:
    if c.returns is None or c.returns.queries is None:
        raise BadInput(f"{c.id} keeps no query log (returns.queries in its checklist file)")
    return c.returns.queries


def query_log(store: Store, c: Checklist, force: str | None = None) -> list[dict[str, Any]]:
    """Every query raised about the collection's returns (one force's with `force`)."""
    log = _log(c)
    args = {**log.items, "checklist": log.checklist}
    cur = store.conn.execute(sql.queries("returns")["query_log"], args)
    names = [d[0] for d in cur.description]
    got = [dict(zip(names, r, strict=True)) for r in cur]
    return [q for q in got if q["form"] == c.id and (force is None or q["force_code"] == force)]


def _period(c: Checklist, period: str | None) -> str:
    assert c.returns is not None
    got = period or c.returns.period
    if not got:
        raise BadInput(f"{c.id}: say which period (--period)")
    return got


def raise_query(
    store: Store, force: str, question: str, text: str, *, period: str | None = None
) -> str:
    """Raise a query with a force about one question of its return; returns its reference."""
    c = collection(store, question=question)
    code = resolve_force(force)
    if not text.strip():
        raise BadInput("say what the query asks (--text)")
    log = _log(c)
    qc = store.checklist(log.checklist)
    ref = f"Q{len(query_log(store, c, code)) + 1}"
    parts = {
        "ref": ref,
        "form": c.id,
        "period": _period(c, period),
        "question": question,
        "text": text.strip(),
        "status": OPEN,
    }
    answers = {(log.items[role], ""): value for role, value in parts.items()}
    _, changes = store.record_changes(
        qc,
        code,
        observed_at=datetime.now(UTC).isoformat(timespec="minutes")[:16],
        status="final",
        answers=answers,
    )
    with store.writing() as w:
        w.install(qc)
        w.append(changes)
    return ref


def answer_query(store: Store, force: str, ref: str, text: str, *, form: str | None = None) -> None:
    """Record the force's answer to a query; the query is then answered."""
    c = collection(store, form)
    code = resolve_force(force)
    log = _log(c)
    found = [q for q in query_log(store, c, code) if str(q["ref"]).lower() == ref.lower()]
    if not found:
        raise BadInput(f"no query {ref!r} for {code}")
    if not text.strip():
        raise BadInput("say what the force answered (--text)")
    rid = found[0]["record_id"]
    store.write(
        [
            Change(rid, "answer", log.items["answer"], text.strip()),
            Change(rid, "answer", log.items["status"], ANSWERED),
        ]
    )


def agree(store: Store, force: str, *, form: str | None = None, period: str | None = None) -> str:
    """Record that the force has agreed its return's figures; refused while a query about it
    is open or when the force has sent no return. Returns the return's record id."""
    c = collection(store, form)
    assert c.returns is not None
    code = resolve_force(force)
    when = _period(c, period)
    open_ = [q for q in query_log(store, c, code) if q["status"] == OPEN and q["period"] == when]
    if open_:
        refs = ", ".join(q["ref"] for q in open_)
        raise BadInput(f"{code}: {len(open_)} query(s) still open ({refs}); answer them first")
    got = store.conn.execute(
        sql.queries("returns")["return_records"], (c.id, natural_key(code, [when]))
    ).fetchall()
    if not got:
        raise BadInput(f"{code} has sent no {c.title.lower()} for {when}")
    rid = got[0][0]
    changes = [Change(rid, "answer", c.returns.agreed_item, "yes")]
    if got[0][1] != "final":
        changes.append(Change(rid, "record", "status", "final"))
    store.write(changes)
    return str(rid)

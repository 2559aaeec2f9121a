"""Synthetic fieldwork that looks like a real inspection (2015 rates), deterministic per seed.

Several inspectors, each on their own device, across the 43 forces and the four
instruments; the database looks as a team database does after merging their laptops.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from fieldkit import forces
from fieldkit.checklists import NA, UNKNOWN, AnswerKey, Checklist, Item, apply_rules
from fieldkit.checklists.kinds import YESNO_KINDS
from fieldkit.store import COUNTER_BITS, LogRow, Store, keys

INSPECTORS = (
    ("J. Okafor", "hmic_staff"),
    ("R. Hughes", "hmic_staff"),
    ("S. Lewis", "force_peer_specialist"),
    ("M. Begum", "voluntary_sector_expert"),
    ("T. Walsh", "hmic_staff"),
    ("A. Novak", "force_peer_specialist"),
)
INSPECTION = "DA 2015 (demo)"
LARGE_FORCES = (
    "metropolitan",
    "greater_manchester",
    "west_midlands",
    "west_yorkshire",
    "thames_valley",
    "merseyside",
)
FIELDWORK_START = datetime(2015, 6, 1, 8, 0, tzinfo=UTC)
FIELDWORK_DAYS = 92

# Table 2 (DOMAIN 4.1): share not applicable, and share completed of applicable.
TABLE2 = {
    "cf_t2_victim_statement_initial": (28 / 480, 328 / 452),
    "cf_t2_injury_photos": (None, 214 / 384),
    "cf_t2_house_to_house": (119 / 480, 144 / 361),
    "cf_t2_officer_statement": (40 / 480, 280 / 440),
    "cf_t2_bwv_used": (151 / 480, 71 / 329),
    "cf_t2_999_listened_exhibited": (85 / 480, 305 / 395),
    "cf_t2_safety_measures": (24 / 480, 346 / 456),
}
YES_RATES = {
    "cf_victim_injured": 384 / 480,
    "cl_identified_as_da": 0.9,
    "cl_classification_correct": 0.85,
    "cl_phone_dash": 0.15,
    "cl_rationing_concern": 0.12,
    "mo_screening_out": 0.05,
    "mo_downgrading_for_capacity": 0.08,
    "fd_observed_vulnerable_interaction": 0.3,
    "cf_breach_reported": 0.2,
    "cf_dvpn_considered": 0.3,
    "fd_open_at_visit": 0.85,
    "fd_da_leaflets_present": 0.85,
}
Q4_WEIGHTS = (0.05, 0.13, 0.45, 0.37)
NOTES = (
    "Handler kept control of a distressed call and stayed on the line until officers arrived.",
    "Log shows previous DA incidents at the address that were not mentioned to attending officers.",
    "Risk questions were asked but the answers were not recorded on the log.",
    "Good use of the call script; THRIVE rationale written up in full.",
    "Leaflets only available on request from behind the counter.",
    "Leaflets out of date: helpline number on display no longer in service.",
    "Counter staff described the process confidently and knew local services.",
    "Meeting ran all day; several cases heard in under five minutes.",
    "Health representative absent for the third meeting in a row.",
    "Actions allocated to named agencies with deadlines; tracker reviewed at the start.",
    "Statement taken on BWV at the scene; injuries photographed and exhibited.",
    "No evidence of house-to-house enquiries despite neighbours being potential witnesses.",
    "Safety plan recorded but generic; not reviewed after bail was granted.",
    "Supervisor review recorded the same shift with clear direction on lines of enquiry.",
    "Victim's withdrawal statement taken without IDVA involvement.",
)
# Inspectors sometimes slip: these make `fieldkit pii` worth running.
SLIPS = (
    "Victim asked to be called on 07700 900461 rather than the landline.",
    "Address given as 14 Larch Road, LS6 2AB in the officer's notes.",
    "Spoke to Sarah Jenkins (victim) at the counter afterwards.",
)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class _Writer:
    """Stamps changes as the inspector's own device would have."""

    def __init__(self, seed: int):
        self.seq: dict[str, int] = {}
        self.rows: list[LogRow] = []
        self.seed = seed

    def device(self, inspector_index: int) -> str:
        return f"demo{self.seed % 10000:04d}i{inspector_index}"

    def key(self, inspector_index: int) -> keys.Signer:
        """The demo inspector's device key: derived from the seed (the same demo, the same
        keys), as made-up as the inspector."""
        return keys.from_seed(f"fieldkit demo {self.seed} {inspector_index}".encode())

    def record(
        self,
        inspector_index: int,
        when: datetime,
        record_id: str,
        fields: dict[str, Any],
        answers: dict[AnswerKey, Any],
        notes: dict[AnswerKey, str],
    ) -> None:
        device = self.device(inspector_index)
        author = INSPECTORS[inspector_index][0]
        base = int(when.timestamp() * 1000)
        cells: list[tuple[str, str, str, Any]] = [("record", k, "", v) for k, v in fields.items()]
        cells += [("answer", i, k, v) for (i, k), v in answers.items() if v is not None]
        cells += [("note", i, k, v) for (i, k), v in notes.items()]
        if device not in self.seq:  # its first change: its key (fieldkit.store.keys)
            public = self.key(inspector_index).public_hex
            cells.insert(0, ("setting", keys.KEY_FIELD, device, public))
        for n, (kind, field, rkey, value) in enumerate(cells):
            seq = self.seq.get(device, 0) + 1
            self.seq[device] = seq
            hlc = ((base + n * 1500) << COUNTER_BITS) | (seq & 0xFF)
            self.rows.append(
                LogRow(  # (by position: a keyword call costs the demo 0.1 s a scale)
                    None,  # id: given its content-derived one by append_stamped
                    device,
                    seq,
                    hlc,
                    keys.KEY_RECORD if field == keys.KEY_FIELD and kind == "setting" else record_id,
                    kind,
                    field,
                    rkey,
                    value,
                    author,
                    None,  # parent
                )
            )


def _value(item: Item, rng: random.Random, when: datetime, ctx: dict[str, Any]) -> Any:
    k = item.kind
    if item.na and item.na_when is None and rng.random() < ctx.get("p_na", 0.08):
        return NA
    if k in YESNO_KINDS:
        return "yes" if rng.random() < YES_RATES.get(item.id, 0.72) else "no"
    if k == "q4":
        return rng.choices((1, 2, 3, 4), Q4_WEIGHTS)[0]
    if k == "count":
        if item.id == "cl_call_duration":
            return rng.randint(60, 900)
        if item.id == "fd_leaflet_languages_count":
            return rng.choice((0, 0, 1, 2, 3, 5))
        return rng.randint(0, 6)
    if k == "minutes":
        return rng.randint(2, 90)
    if k == "date":
        return (when.date() - timedelta(days=rng.randint(0, 60))).isoformat()
    if k == "time":
        return when.time().isoformat(timespec="minutes")
    if k == "datetime":
        return when.replace(tzinfo=None).isoformat(timespec="minutes")
    if k == "choice":
        return rng.choice(item.choices).code
    if k == "multi":
        picks = rng.sample(item.choices, k=min(len(item.choices), rng.choice((1, 1, 2))))
        if len(picks) > 1:  # an exclusive choice ("None") is never chosen with another
            picks = [c for c in picks if not c.exclusive]
        order = [c.code for c in item.choices]
        return json.dumps(sorted((c.code for c in picks), key=order.index))
    if k == "text":
        return ctx.get("text", {}).get(item.id) or _note(rng, ctx.get("p_note", 0.3))
    return None


def _note(rng: random.Random, p: float) -> str | None:
    if rng.random() >= p:
        return None
    if rng.random() < 0.02:
        return rng.choice(SLIPS)
    return rng.choice(NOTES)


def _answer_all(
    checklist: Checklist,
    rng: random.Random,
    when: datetime,
    ctx: dict[str, Any],
    fixed: dict[AnswerKey, Any] | None = None,
    open_instances: int = 0,
) -> dict[AnswerKey, Any]:
    answers: dict[AnswerKey, Any] = dict(fixed or {})
    for section in checklist.sections:
        if section.repeat is None:
            keys = [""]
        elif section.repeat.fixed:
            keys = [c.code for c in section.repeat.instances]
        else:
            keys = [str(n) for n in range(1, open_instances + 1)]
        override = ctx.get("override", {})
        for rkey in keys:
            ctx["rkey"] = rkey
            for item in section.items:
                if not item.answerable or (item.id, rkey) in answers:
                    continue
                answers[(item.id, rkey)] = override.get(item.id, _value)(item, rng, when, ctx)
    for key, value in apply_rules(checklist, answers).items():
        answers[key] = value
    return {k: v for k, v in answers.items() if v is not None}


def _draft(
    checklist: Checklist, answers: dict[AnswerKey, Any], rng: random.Random
) -> dict[AnswerKey, Any]:
    """A draft: the first part of the answers, with what the relevance rules make of them
    (an NA whose rule no longer holds goes), as the store would keep them."""
    keep = rng.uniform(0.3, 0.8)
    items = list(answers.items())
    kept = dict(items[: max(1, int(len(items) * keep))])
    kept.update(apply_rules(checklist, kept))
    return {k: v for k, v in kept.items() if v is not None}


def _when(rng: random.Random) -> datetime:
    return FIELDWORK_START + timedelta(
        days=rng.randrange(FIELDWORK_DAYS), hours=rng.randint(0, 11), minutes=rng.randrange(60)
    )


def _short(code: str) -> str:
    return (
        forces.NAMES[code]
        .replace(" Constabulary", "")
        .replace(" Police Service", "")
        .replace(" Police", "")
    )


def _fields(
    checklist: Checklist,
    force: str,
    inspector: int,
    when: datetime,
    status: str,
    subject: str | None,
) -> dict[str, Any]:
    return {
        "checklist_id": checklist.id,
        "checklist_version": checklist.version,
        "inspection": INSPECTION,
        "force_code": force,
        "inspector": INSPECTORS[inspector][0],
        "observer_role": INSPECTORS[inspector][1],
        "observed_at": when.replace(tzinfo=None).isoformat(timespec="minutes"),
        "subject_ref": subject,
        "status": status,
        "deleted": 0,
    }


def _status(rng: random.Random) -> str:
    return "final" if rng.random() < 0.92 else "draft"


def _calls(store: Store, rng: random.Random, w: _Writer, scale: int) -> Iterator[None]:
    c = store.checklist("call_listening")
    context_items = [i for s in c.sections if s.scope == "visit" for i in s.items]
    for fi, (force, _, _) in enumerate(forces.FORCES):
        inspector = fi % len(INSPECTORS)
        visit = _when(rng)
        context = {
            (i.id, ""): _value(i, rng, visit, {"p_note": 0.6})
            for i in context_items
            if i.answerable
        }
        for n in range(10 * scale):
            when = visit + timedelta(minutes=25 * n)
            ref = f"INC-{force[:3].upper()}-{rng.randrange(10**6):06d}-{n}"
            answers = _answer_all(c, rng, when, {"text": {"cl_call_ref": ref}}, fixed=context)
            status = _status(rng)
            if status == "draft":
                answers = _draft(c, answers, rng)
            rid = _uuid(rng)
            w.record(
                inspector, when, rid, _fields(c, force, inspector, when, status, ref), answers, {}
            )
            yield


def _case_files(store: Store, rng: random.Random, w: _Writer, scale: int) -> Iterator[None]:
    c = store.checklist("case_file_review")
    for fi, (force, _, _) in enumerate(forces.FORCES):
        inspector = (fi + 2) % len(INSPECTORS)
        per = (15 if force in LARGE_FORCES else 10) * scale
        for category in ("rape", "serious_violence", "abh", "burglary"):
            for n in range(per):
                when = _when(rng)
                ref = f"CR/15/{force[:3].upper()}{rng.randrange(10**6):06d}{n}"
                p_da = 0.36 if category != "burglary" else 0.05
                fixed: dict[AnswerKey, Any] = {
                    ("cf_crime_ref", ""): ref,
                    ("cf_offence_category", ""): category,
                    ("cf_da_flag", ""): "yes" if rng.random() < p_da else "no",
                }
                for item_id, (p_na, p_yes) in TABLE2.items():
                    if p_na is not None and rng.random() < p_na:
                        fixed[(item_id, "")] = NA
                    else:
                        fixed[(item_id, "")] = "yes" if rng.random() < p_yes else "no"
                answers = _answer_all(c, rng, when, {"p_note": 0.4}, fixed=fixed)
                status = _status(rng)
                if status == "draft":
                    answers = _draft(c, answers, rng)
                rid = _uuid(rng)
                w.record(
                    inspector,
                    when,
                    rid,
                    _fields(c, force, inspector, when, status, ref),
                    answers,
                    {},
                )
                yield


def _front_desks(store: Store, rng: random.Random, w: _Writer, scale: int) -> Iterator[None]:
    c = store.checklist("front_desk")
    for fi, (force, _, _) in enumerate(forces.FORCES):
        inspector = (fi + 4) % len(INSPECTORS)
        for n in range(rng.randint(2, 4) * scale):
            when = _when(rng)
            station = f"{_short(force)} {('Central', 'North', 'South', 'East', 'West')[n % 5]}"
            station += "" if n < 5 else f" {n // 5 + 1}"
            text = {
                "fd_station_name": station,
                "fd_advertised_hours": rng.choice(
                    ("Mon-Fri 08:00-20:00", "24 hours", "Mon-Sat 09:00-17:00", "Not displayed")
                ),
            }
            fixed = {
                ("fd_visit_datetime", ""): when.replace(tzinfo=None).isoformat(timespec="minutes")
            }
            answers = _answer_all(c, rng, when, {"text": text, "p_note": 0.5}, fixed=fixed)
            status = _status(rng)
            rid = _uuid(rng)
            w.record(
                inspector,
                when,
                rid,
                _fields(c, force, inspector, when, status, station),
                answers if status == "final" else _draft(c, answers, rng),
                {},
            )
            yield


ATTENDANCE = {
    "police": 0.98,
    "idva": 0.95,
    "childrens_services": 0.9,
    "probation": 0.85,
    "housing": 0.8,
    "health": 0.55,
}


def _attendance(item: Item, rng: random.Random, when: datetime, ctx: dict[str, Any]) -> Any:
    p = ATTENDANCE.get(ctx["rkey"], 0.5)
    if rng.random() < p:
        return "attended"
    return rng.choice(
        ("apologies_info_sent", "apologies_no_info", "absent_without_apology", "not_expected")
    )


def _maracs(store: Store, rng: random.Random, w: _Writer, scale: int) -> Iterator[None]:
    c = store.checklist("marac_observation")
    codes = [f[0] for f in forces.FORCES]
    chosen = sorted(rng.sample(codes, 34))
    meetings = [chosen[i % 34] for i in range(52)]
    status_item = c.item("mo_att_status")
    valid = {ch.code for ch in status_item.choices}
    for m, force in enumerate(meetings * scale):
        inspector = m % len(INSPECTORS)
        when = _when(rng)
        area = f"{_short(force)} {('Central', 'North', 'South', 'East', 'West', 'City')[m % 6]}"
        text = {
            "mo_marac_area": area,
            "mo_chair_role": rng.choice(
                ("Detective Inspector", "Detective Chief Inspector", "Service manager")
            ),
        }
        fixed = {
            ("mo_meeting_date", ""): when.date().isoformat(),
            ("mo_start_time", ""): "09:30",
            ("mo_end_time", ""): rng.choice(("12:30", "13:00", "15:30", "16:45")),
        }
        override = {"mo_att_status": _attendance} if "attended" in valid else {}
        answers = _answer_all(
            c,
            rng,
            when,
            {"text": text, "override": override, "p_note": 0.5},
            fixed=fixed,
            open_instances=rng.randint(2, 5),
        )
        for iid, rkey in list(answers):
            if iid == "mo_case_ref":
                answers[(iid, rkey)] = f"M{rng.randrange(10**4):04d}"
        for rkey in sorted({k for i, k in answers if i.startswith("mo_case_")}):
            # every case row has its (required) case reference; no draw, so the rest of
            # the demo stays as it was
            answers.setdefault(("mo_case_ref", rkey), f"M{m:03d}-{rkey}")
        status = _status(rng)
        rid = _uuid(rng)
        w.record(
            inspector,
            when,
            rid,
            _fields(c, force, inspector, when, status, area),
            answers if status == "final" else _draft(c, answers, rng),
            {},
        )
        yield


# Figure 6 (003:L4433-4445): arrests per 100 DA offences. The named ends of each period's
# range; the other forces spread evenly between them (so no force is an outlier), a few
# unable to give arrests (Annex G: 36 forces gave 2015 arrests; 32 comparable with 2013).
FIGURE6_2015 = {"humberside": 43, "leicestershire": 43, "lincolnshire": 93}
FIGURE6_2013 = {"northamptonshire": 43, "south_wales": 96}
# Table 1 (003:L2932-3014): the share rating "a lot of improvement", per group, in the
# checklist's item order (the top five as printed, then the rest below them).
TABLE1 = {
    "frontline": (46, 32, 30, 29, 28, 21, 17, 24),
    "specialist": (16, 13, 13, 12, 12, 9, 8, 10),
}
SURVEY_RESPONSES = {"frontline": 460, "specialist": 452}
RETURN_INCONSISTENT = "dorset"  # more DVPOs granted than applied for
RETURN_OUTLIER = "cumbria"  # a breach rate far from every other force's
RETURN_NOT_AGREED = ("dorset", "cumbria", "kent")


def _spread(codes: list[str], low: int, high: int) -> dict[str, int]:
    step = (high - low) / max(len(codes) - 1, 1)
    return {code: round(low + n * step) for n, code in enumerate(codes)}


def _rates(rng: random.Random, fixed: dict[str, int], missing: int) -> dict[str, int | None]:
    codes = [f[0] for f in forces.FORCES if f[0] not in fixed]
    gone = set(rng.sample(codes, missing))
    rest = [c for c in codes if c not in gone]
    rng.shuffle(rest)
    low, high = min(fixed.values()), max(fixed.values())
    out: dict[str, int | None] = dict(_spread(rest, low + 2, high - 2))
    out.update(fixed)
    out.update(dict.fromkeys(gone))
    return out


def _returns(store: Store, rng: random.Random, w: _Writer) -> Iterator[None]:
    c = store.checklist("force_data_return")
    r2015 = _rates(rng, FIGURE6_2015, 7)
    r2013 = _rates(rng, FIGURE6_2013, 8)
    codes = [f[0] for f in forces.FORCES]
    breach = _spread(rng.sample(codes, len(codes)), 8, 26)
    risk_gone = set(rng.sample(codes, 11))
    risky = [c for c in codes if c not in risk_gone]
    high_pct = _spread(rng.sample(risky, len(risky)), 8, 30)
    standard_pct = _spread(rng.sample(risky, len(risky)), 44, 52)
    when = datetime(2015, 5, 15, 10, 0, tzinfo=UTC)
    for force in codes:
        big = 3 if force in LARGE_FORCES else 1
        offences = rng.randint(3000, 9000) * big
        old = int(offences * rng.uniform(0.7, 0.85))
        calls = rng.randint(150_000, 450_000) * big
        applied = rng.randint(20, 160) * big
        granted = int(applied * rng.uniform(0.85, 0.98))
        pct = 78 if force == RETURN_OUTLIER else breach[force]
        active = rng.randint(1500, 4000) * big
        high = round(active * high_pct.get(force, 0) / 100)
        standard = round(active * standard_pct.get(force, 0) / 100)
        medium = active - high - standard
        figures: dict[str, Any] = {
            "dr_period": "2015",
            "dr_calls": calls,
            "dr_da_calls": int(calls * rng.uniform(0.03, 0.07)),
            "dr_da_offences": offences,
            "dr_da_repeat_victims": int(offences * rng.uniform(0.1, 0.4)),
            "dr_da_arrests": UNKNOWN
            if r2015[force] is None
            else round(offences * r2015[force] / 100),
            "dr_da_charges": int(offences * rng.uniform(0.16, 0.4)),
            "dr_da_cautions": int(offences * rng.uniform(0.03, 0.15)),
            "dr_da_evidential_supports": int(offences * rng.uniform(0.01, 0.3)),
            "dr_da_evidential_not_supports": int(offences * rng.uniform(0.01, 0.3)),
            "dr_da_offences_2013": old,
            "dr_da_arrests_2013": UNKNOWN
            if r2013[force] is None
            else round(old * r2013[force] / 100),
            "dr_training_staff": rng.randint(400, 3000) * big,
            "dr_cc_training": "yes" if rng.random() < 0.79 else "no",
            "dr_dvpo_applied": applied,
            "dr_dvpo_granted": applied + 9 if force == RETURN_INCONSISTENT else granted,
            "dr_dvpo_breached": round(granted * pct / 100),
            "dr_marac_cases": high + rng.randint(200, 1500) * big,
            "dr_victims_female": int(offences * rng.uniform(0.7, 0.8)),
            "dr_victims_male": int(offences * rng.uniform(0.15, 0.25)),
            "dr_perpetrator_scheme": "yes" if rng.random() < 24 / 43 else "no",
            "dr_risk_high": UNKNOWN if force in risk_gone else high,
            "dr_risk_medium": UNKNOWN if force in risk_gone else medium,
            "dr_risk_standard": UNKNOWN if force in risk_gone else standard,
            "dr_agreed": "no" if force in RETURN_NOT_AGREED else "yes",
        }
        figures["dr_training_trained"] = int(figures["dr_training_staff"] * rng.uniform(0.4, 1))
        answers = {(k, ""): v for k, v in figures.items()}
        fields = _fields(c, force, 0, when, "final", f"{force} data return 2015")
        fields["inspector"] = fields["observer_role"] = None
        w.record(0, when, _uuid(rng), fields, answers, {})
        yield
    q = store.checklist("return_query")
    asked = {
        "rq_ref": "Q1",
        "rq_checklist": c.id,
        "rq_period": "2015",
        "rq_question": "dr_dvpo_granted",
        "rq_text": "More DVPOs granted than applied for: please check both figures.",
        "rq_status": "open",
    }
    fields = _fields(q, RETURN_INCONSISTENT, 0, when, "final", f"{RETURN_INCONSISTENT} query Q1")
    w.record(0, when, _uuid(rng), fields, {(k, ""): v for k, v in asked.items()}, {})
    yield


def _survey(store: Store, rng: random.Random, w: _Writer) -> Iterator[None]:
    c = store.checklist("practitioner_survey")
    total = max(SURVEY_RESPONSES.values())
    answers: list[dict[AnswerKey, Any]] = [
        {
            ("ps_response_ref", ""): f"R{n + 1:04d}",
            ("ps_role", ""): rng.choice(c.item("ps_role").choices).code,
        }
        for n in range(total)
    ]
    group = c.summary("table1").groups
    for g in group:
        who = rng.sample(range(total), SURVEY_RESPONSES[g.id])
        n = len(who)
        for item_id, pct in zip(g.items, TABLE1[g.id], strict=True):
            k = next(k for k in range(n + 1) if (200 * k + n) // (2 * n) == pct)
            chosen = set(rng.sample(who, k))
            for r in who:
                value = "a_lot" if r in chosen else rng.choice(("some", "some", "a_little", "none"))
                answers[r][(item_id, "")] = value
    codes = [f[0] for f in forces.FORCES]
    for n, a in enumerate(answers):
        when = datetime(2015, 4, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=37 * n)
        ref = a[("ps_response_ref", "")]
        fields = _fields(c, rng.choice(codes), 0, when, "final", f"survey response {ref}")
        fields["inspector"] = fields["observer_role"] = None
        w.record(0, when, _uuid(rng), fields, a, {})
        yield


def write_demo(store: Store, *, seed: int = 2015, scale: int = 1) -> dict[str, int]:
    """Write the demo fieldwork; the same seed and scale give the same records and answers.
    Returns the number of records per instrument. Safe to repeat (nothing is doubled)."""
    rng = random.Random(seed)
    w = _Writer(seed)
    summary: dict[str, int] = {}
    for name, gen in (
        ("calls", _calls),
        ("case files", _case_files),
        ("front desks", _front_desks),
        ("MARACs", _maracs),
    ):
        summary[name] = sum(1 for _ in gen(store, rng, w, scale))
    # the data collection and the survey draw from their own stream: the fieldwork above
    # is the same with or without them
    other = random.Random(seed * 31 + 26)
    summary["data returns"] = sum(1 for _ in _returns(store, other, w))
    summary["survey responses"] = sum(1 for _ in _survey(store, other, w))
    with store.writing() as writer:
        for checklist_id in (
            "call_listening",
            "case_file_review",
            "front_desk",
            "marac_observation",
            "force_data_return",
            "return_query",
            "practitioner_survey",
        ):
            writer.install(store.checklist(checklist_id))
        writer.append_stamped(w.rows)
        for index in sorted({int(d.rsplit("i", 1)[1]) for d in w.seq}):
            writer.sign_heads(w.key(index), [w.device(index)])
    return summary

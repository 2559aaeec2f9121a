"""Personal data in free text: spotting it (`scan`), listing it (`find_pii`) and writing a
copy of a database without any free text (`scrub`).

`scan` is called on every keystroke by the capture app, so it is plain regular expressions
and set look-ups over one string, and it never raises. It is a warning, not a guarantee:
it looks for what a person would see at a glance (a name, a phone number, an email
address, a postcode, a date of birth) and keeps quiet about inspection vocabulary, force
names and places.
"""

from __future__ import annotations

import bisect
import hmac
import os
import re
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fieldkit import forces, sql
from fieldkit.errors import BadInput
from fieldkit.store import Store, aggregates, connection
from fieldkit.store.chain import rekey
from fieldkit.store.log import Q as STATE
from fieldkit.store.log import begin_fold
from fieldkit.store.store import new_id

KINDS = ("name", "phone", "email", "postcode", "dob")


@dataclass(frozen=True)
class Finding:
    """Something in a piece of text that looks like personal data: text[start:end]."""

    kind: str  # name | phone | email | postcode | dob
    start: int
    end: int
    text: str


# ------------------------------------------------------------------------- emails
_EMAIL = re.compile(
    r"(?<![\w.%+'-])[A-Za-z0-9](?:[A-Za-z0-9._%+'-]{0,63}+)@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}+)\.)++[A-Za-z]{2,24}+(?![\w-])"
)

# ------------------------------------------------------------------------- phones
# A run that starts like a UK number (+44, 0044 or 0) and goes on with digits and single
# separators; the digits are checked afterwards.
_PHONE = re.compile(
    r"(?<![\w/+.-])(?:(?:\+|00)44[ .-]?(?:\(0\)[ .-]?)?|\(0|0)"
    r"(?:\)?[ .-]?\d){8,12}+"
    r"(?![\w/])"
)

# ---------------------------------------------------------------------- postcodes


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_AREAS = _set(
    """AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH
    DL DN DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT
    KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG
    RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD
    WF WN WR WS WV YO ZE"""
)
_POSTCODE = re.compile(
    r"(?<![\w/-])([A-Za-z]{1,2})(\d[A-Za-z\d]?)( ?)(\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})(?![\w/-])"
)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)$")
# Districts such as SW1A, EC4Y, W1D exist only in central London.
_LETTER_DISTRICTS = frozenset({"EC", "SW", "WC", "NW", "SE", "E", "N", "W"})

# ---------------------------------------------------------------------------- dob
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?!\d)"
    r"|\d{4}-\d{1,2}-\d{1,2}(?!\d)"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s{{1,3}}(?:of\s{{1,3}})?{_MONTHS}\.?,?\s{{1,3}}\d{{4}}(?!\d)"
    rf"|{_MONTHS}\.?\s{{1,3}}\d{{1,2}}(?:st|nd|rd|th)?,?\s{{1,3}}\d{{4}}(?!\d))"
)
_DOB_WORD = r"(?:d\.?\s?o\.?\s?b\b\.?|date\s{1,3}of\s{1,3}birth|birth\s?date)"
_DOB = re.compile(
    rf"(?<![\w.])(?:{_DOB_WORD}(?:\s{{0,3}}(?:is|was|[:=-]))?\s{{0,3}}(?:{_DATE}|(?:19|20)\d\d(?!\d))"
    rf"|born(?:\s{{1,3}}(?:on|in))?\s{{1,3}}{_DATE})",
    re.IGNORECASE,
)

# -------------------------------------------------------------------------- names
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+|-[^\W\d_]+)*+")
_TITLES = _set(
    """Mr Mrs Ms Miss Mx Dr Prof Sir Dame Lady Lord Rev Revd Cllr PC PCSO DC DS DI DCI DSI
    DSU DCS Sgt Insp Supt Det Detective Sergeant Constable Inspector Superintendent"""
)
# A capitalised word after one of these is a surname even when it is also a common word
# ("Mrs Young"), unless it is inspection vocabulary ("Detective Inspector").
_ACRONYMS = _set(
    """BWV DASH RIC IDVA IDVAS ISVA IDVA's MARAC MARACS MAPPA MASH THRIVE CPS NFA DVPN DVPO
    DVPNS DVPOS DVDS APP HMIC HMICFRS HMI NHS GP GPS CAD PNC PND CID DA DV VAWG PCC PCCS OPCC
    IOPC IPCC UK ASB CCTV SMS URN CRN ID MO NPCC ACPO SIO OIC IO DCI TV BSL ESOL PPU CSE CAIT
    PACE RASSO SDVC ADVA FGM HBV HBA IPV VRR NOK ISVAS AM PM BST GMT HR CEO NICHE STORM
    ATHENA CONNECT UNIFI PDF A&E IT VPS"""
)
_STOP = """
a an the this that these those there here then than and or but nor if when while after
before since until unless because although though as so such only just also very too
not no yes none nothing nobody all any some each every both either neither many much most
more less few several other another same own on in at to from for by with without of off
out over under into onto upon per via about above below between through during within
across against along around among towards toward i me my mine we us our you your he him
his she her hers they them their it its who whom whose which what where why how is was were
are be been being am has had have having did does do done can could would should may might
must will shall let lets get got make made see seen say said tell told ask asked give given
take taken use used note noted notes good poor clear unclear well better best worse worst
first second third fourth fifth last next previous further final new old early late
one two three four five six seven eight nine ten dear re fw fwd ok okay please thanks
thank overall generally however therefore meanwhile otherwise additionally although
again already always never often sometimes usually still yet even ever now today
tomorrow yesterday tonight morning afternoon evening night day days week weeks month months
year years time times hour hours minute minutes
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs
fri sat sun january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec
"""
_VOCAB = """
victim victims survivor survivors suspect suspects perpetrator perpetrators offender offenders
complainant witness witnesses neighbour neighbours caller callers partner ex child children
officer officers sergeant sergeants inspector inspectors detective constable constables
superintendent chief chiefs supervisor supervisors supervisory handler handlers dispatcher
call calls caller control room rooms front desk desks counter station stations custody
safety plan plans planning body worn video videos camera cameras footage risk risks
assessment assessments assessed domestic abuse abusive violence violent marac idva isva
dash thrive crown prosecution prosecutor service services court courts magistrates
magistrate bail protection order orders notice notices clare's sarah's law laws
social housing health probation refuge women's aid independent advisor adviser advocate
advocacy multi agency agencies hub team teams unit units department departments council
county borough district city town towns local authority authorities hospital hospitals
infirmary general royal clinic surgery ambulance accident emergency emergencies fire
rescue school schools college university academy nursery centre center centres
road rd street st lane ln avenue ave drive dr close way crescent place court gardens
terrace park square hill grove view walk row house flat flats estate estates building
north south east west central northern southern eastern western upper lower great
greater little new old saint st mid
english welsh scottish irish british polish urdu punjabi bengali arabic romanian
portuguese lithuanian somali gujarati chinese mandarin cantonese tamil turkish kurdish
french spanish italian russian farsi pashto hindi tigrinya bulgarian hungarian czech slovak
latvian albanian sign language languages
note action actions case cases file files log logs record records review reviews reviewed
statement statements evidence photo photos photograph photographs injury injuries incident
incidents crime crimes report reports referral referrals meeting meetings chair agenda
minutes leaflet leaflets poster posters helpline number numbers line lines national
home office policing practice professional authorised guidance policy policies procedure
procedures standard standards training trained lead leads manager managers management
coordinator co-ordinator administrator admin staff volunteer volunteers sergeant's
inspection inspections inspector's team's force forces constabulary police
check checks checked checklist question questions answer answers response responses
outcome outcomes first-response response
statement-taking house-to-house door-to-door
bwv dvpn dvpo dvds cps nfa mash mappa cctv
level levels tier tiers high medium standard low
key findings finding good practice area areas improvement improvements recommendation
recommendations summary conclusion conclusions introduction background context
operation group groups act acts scheme schemes commission commissioner data return returns
recording recorded bureau niche rms counting rule rules citizens advice support worker
workers visitor visitors designated conference conferences system systems desk officer's
called rang phoned spoke met saw visited asked told attended arrived left agreed explained
confirmed reported stated advised informed contacted refused declined noted observed
census update updates oversight disclosure disclosures harassment stalking complaints
monitoring annual peel safer lives board boards panel partnership partnerships programme
project network networks forum strategy strategic plan review inquiry inquest
part section sections annex appendix table figure page item items yes no na n/a
unknown
"""
_PLACES = """
london birmingham manchester liverpool leeds sheffield bristol newcastle nottingham leicester
coventry bradford cardiff swansea newport wrexham bangor aberystwyth carmarthen hull york
southampton portsmouth plymouth exeter brighton hove oxford cambridge reading slough luton
norwich ipswich peterborough northampton milton keynes derby stoke wolverhampton walsall
dudley sunderland middlesbrough gateshead durham darlington preston blackpool blackburn
bolton wigan stockport salford oldham rochdale warrington chester crewe lancaster carlisle
barrow huddersfield wakefield halifax doncaster rotherham barnsley grimsby scunthorpe lincoln
chelmsford colchester southend basildon maidstone canterbury dover guildford woking crawley
worthing eastbourne hastings bournemouth poole swindon gloucester cheltenham worcester
hereford shrewsbury telford taunton bath truro torquay winchester basingstoke aylesbury
watford stevenage bedford harlow croydon lambeth southwark hackney camden islington
westminster tower hamlets newham ealing brent haringey enfield barnet wales england
britain scotland ireland europe
"""


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’&-]*", text)}


@cache
def _vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """(stopwords, vocabulary): words that start a sentence, and inspection, force and
    place words that are capitalised without being anyone's name."""
    vocab = _words(_VOCAB) | _words(_PLACES)
    for code, name, aliases in forces.FORCES:
        for text in (code.replace("_", " "), name, *aliases):
            vocab |= _words(text.replace("-", " "))
            vocab |= _words(text)
    return frozenset(_words(_STOP)), frozenset(vocab)


_FIRST_NAMES = _set(
    """Aaron Abdul Abigail Adam Adrian Ahmed Aisha Alan Albert Alex Alexander Alexandra Ali
    Alice Alison Amanda Amber Amelia Amina Amir Amy Andrea Andrew Angela Ann Anna Anne Anthony
    Antonio Ashley Asif Barbara Barry Becky Ben Benjamin Beth Bethany Brian Bushra Callum
    Carl Carol Caroline Catherine Charlie Charlotte Chelsea Chloe Chris Christine Christopher
    Claire Colin Craig Dale Daniel Danielle Darren David Dawn Dean Debbie Deborah Dennis
    Derek Diane Donna Dylan Edward Elaine Eleanor Elizabeth Ellie Emily Emma Eric Fatima
    Fiona Frances Gareth Gary Gavin Gemma George Georgia Gillian Graham Hannah Harry Hassan
    Hayley Heather Helen Ian Imran Irene Isabella Isla Jack Jacob Jacqueline Jade James Jamie
    Jane Janet Jason Jayne Jean Jennifer Jenny Jessica Joan Joanne Joe John Jonathan Joseph
    Joshua Julie Karen Kate Katherine Kathleen Katie Kayleigh Keith Kelly Kerry Kevin Kieran
    Kim Kirsty Laura Lauren Lee Leanne Lesley Leslie Lewis Liam Linda Lisa Liz Louise Lucy
    Luke Lynne Malcolm Margaret Maria Marie Martin Mary Matthew Megan Melanie Michael Michelle
    Mohammed Muhammad Nadia Naomi Natalie Nathan Neil Nicola Nicholas Nigel Oliver Olivia
    Owen Pamela Patricia Paul Paula Pauline Peter Philip Rachel Rebecca Richard Robert Ryan
    Sadia Sally Samantha Sandra Sara Sarah Scott Sean Shaun Sharon Shirley Sian Simon Sophie
    Stacey Stephanie Stephen Steven Stuart Susan Suzanne Tanya Teresa Thomas Tina Tom Tony
    Tracey Tracy Vanessa Vicky Wayne William Yasmin Yvonne Zainab Zara Zoe"""
)


def _capitalised(w: str) -> bool:
    """Sarah, O'Brien, McDonald, Smith-Jones, Zoë (not SMITH, not smith)."""
    return w[0].isupper() and any(c.islower() for c in w)


def _allcaps(w: str) -> bool:
    return len(w) >= 2 and w.isupper()


def _base(w: str) -> str:
    lw = w.lower()
    for tail in ("'s", "’s", "'", "’"):
        if lw.endswith(tail):
            return lw[: -len(tail)]
    return lw


def _is_vocab(w: str, stop: frozenset[str], vocab: frozenset[str]) -> bool:
    lw = w.lower()
    if lw in stop or lw in vocab or _base(w) in stop or _base(w) in vocab:
        return True
    if "-" in w:
        return all(p in vocab or p in stop for p in lw.split("-"))
    return False


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'(“‘*-•":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n\r"


def _names(text: str) -> Iterator[tuple[int, int]]:
    stop, vocab = _vocabulary()
    toks = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    n = len(toks)

    def joined(i: int) -> bool:
        """Token i follows token i-1 within a name: a space, or '. ' after an initial/title."""
        gap = text[toks[i - 1][1] : toks[i][0]]
        if gap in (" ", "  ", "\t"):
            return True
        prev = toks[i - 1][2]
        return gap in (". ", ".") and (len(prev) == 1 or prev in _TITLES) and prev[0].isupper()

    def namey(w: str) -> bool:
        if w in _FIRST_NAMES:
            return True
        if w in _TITLES:
            return False  # a title starts a name of its own ("Called Mr Smith")
        if w.upper() in _ACRONYMS and not _capitalised(w):
            return False
        return (_capitalised(w) or _allcaps(w)) and not _is_vocab(w, stop, vocab)

    def initial(i: int) -> bool:
        w = toks[i][2]
        return len(w) == 1 and w.isupper() and i + 1 < n and joined(i + 1)

    i = 0
    while i < n:
        s, e, w = toks[i]
        # Title, optional initials, surname(s): "Mrs Patel", "Dr S. Ahmed", "DC JONES".
        if w in _TITLES and i + 1 < n and joined(i + 1):
            j = i + 1
            while j < n and initial(j) and (j == i + 1 or joined(j)):
                j += 1
            k = j
            while k < n and (k == i + 1 or joined(k)) and namey(toks[k][2]):
                k += 1
            if k > j:
                yield s, toks[k - 1][1]
                i = k
                continue
        # Initial and surname: "S. Jenkins".
        if (
            len(w) == 1
            and w.isupper()
            and not _sentence_start(text, s)  # "A. Visit" heads a list
            and i + 1 < n
            and text[e : toks[i + 1][0]] in (". ", ".")
            and _capitalised(toks[i + 1][2])
            and namey(toks[i + 1][2])
        ):
            k = i + 2
            while k < n and joined(k) and namey(toks[k][2]):
                k += 1
            yield s, toks[k - 1][1]
            i = k
            continue
        # A run of capitalised words that are not vocabulary: "Sarah Jenkins", "Sarah JENKINS".
        if namey(w) and (_capitalised(w) or w in _FIRST_NAMES):
            k = i + 1
            while k < n and joined(k) and namey(toks[k][2]):
                k += 1
            if k - i >= 2:
                yield s, toks[k - 1][1]
                i = k
                continue
            # A known first name and a capitalised word that happens to be vocabulary
            # ("Sarah Kent"), or a known first name alone mid-sentence.
            if w in _FIRST_NAMES:
                if (
                    k < n
                    and joined(k)
                    and _capitalised(toks[k][2])
                    and toks[k][2].lower() not in stop
                ):
                    yield s, toks[k][1]
                    i = k + 1
                    continue
                if not _sentence_start(text, s):
                    yield s, e
        i += 1


# ----------------------------------------------------------------------- scanning
_PRIORITY = {"email": 0, "phone": 1, "dob": 2, "postcode": 3, "name": 4}


def _phones(text: str) -> Iterator[tuple[int, int]]:
    for m in _PHONE.finditer(text):
        raw = m.group()
        digits = re.sub(r"\D", "", raw)
        if raw.startswith(("+", "00")) and digits.startswith(("44", "0044")):
            digits = "0" + digits.removeprefix("00").removeprefix("44").removeprefix("0")
        if len(digits) == 11 and digits[1] in "1237" or len(digits) == 10 and digits[1] == "1":
            yield m.start(), m.end()


def _postcodes(text: str) -> Iterator[tuple[int, int]]:
    for m in _POSTCODE.finditer(text):
        area, district, space, inward = m.groups()
        whole = m.group()
        # Lower case only when written out with its space, and not "b2 2nd"; no mixed case.
        if not whole.isupper() and (not (whole.islower() and space) or _ORDINAL.search(inward)):
            continue
        if area.upper() not in _AREAS:
            continue
        if district[-1].isalpha() and area.upper() not in _LETTER_DISTRICTS:
            continue
        yield m.start(), m.end()


def scan(text: str) -> list[Finding]:
    """Everything in `text` that looks like personal data, ordered by start, no overlaps.

    Fast enough for every keystroke; never raises (returns [] for anything it cannot read)."""
    if not isinstance(text, str) or not text:
        return []
    try:
        found: list[tuple[int, int, str]] = []
        found += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
        found += [(s, e, "phone") for s, e in _phones(text)]
        found += [(m.start(), m.end(), "dob") for m in _DOB.finditer(text)]
        found += [(s, e, "postcode") for s, e in _postcodes(text)]
        found += [(s, e, "name") for s, e in _names(text)]
    except Exception:  # a warning aid must never take the app down
        return []
    # Where two overlap, the more specific wins (an email address over the name in it).
    found.sort(key=lambda f: (_PRIORITY[f[2]], f[0]))
    kept: list[tuple[int, int, str]] = []  # non-overlapping, ordered by start
    starts: list[int] = []
    for s, e, kind in found:
        at = bisect.bisect_left(starts, s)
        if at > 0 and kept[at - 1][1] > s or at < len(kept) and kept[at][0] < e:
            continue
        kept.insert(at, (s, e, kind))
        starts.insert(at, s)
    return [Finding(kind, s, e, text[s:e]) for s, e, kind in kept]


# ------------------------------------------------------------------ the database
# The SQL (what counts as free text, what scrub rewrites) is in fieldkit/sql/privacy.sql.
PRIVACY = sql.queries("privacy")


@dataclass(frozen=True)
class PiiHit:
    """One finding in one stored value."""

    record_id: str
    checklist_id: str | None
    force_code: str | None
    item_id: str  # the item, 'subject_ref', a comment's date or a plan's objective
    rkey: str
    where: str  # 'answer' | 'note' | 'subject_ref' | 'register comment' | 'plan evidence' | ...
    source: str  # 'current' | 'earlier' (a value since replaced, still in the change log)
    kind: str
    text: str


def find_pii(conn: sqlite3.Connection) -> list[PiiHit]:
    """Everything in the free text of a database (current values, and earlier values the
    change log still holds) that `scan` flags."""
    hits: list[PiiHit] = []
    for source, rid, checklist, force, kind, field, rkey, value in conn.execute(
        PRIVACY["pii_candidates"]
    ):
        where = "subject_ref" if kind == "record" else kind
        for f in scan(value):
            hits.append(PiiHit(rid, checklist, force, field, rkey, where, source, f.kind, f.text))
    return hits


def read_key(path: Path | str) -> bytes:
    """A team's scrub key: the bytes of a file (surrounding whitespace dropped), at least
    16 of them. Copies scrubbed with one key pseudonymise a reference identically."""
    path = Path(path)
    try:
        key = path.read_bytes().strip()
    except OSError as e:
        raise BadInput(f"{path}: cannot read the key file ({e.strerror})") from None
    if len(key) < 16:
        raise BadInput(f"{path}: a scrub key needs at least 16 bytes (it has {len(key)})")
    return key


def scrub(src: Path | str, dst: Path | str, *, key: bytes | None = None) -> dict[str, int]:
    """Write a copy of `src` to the new file `dst` (owner-only) without notes, answers to
    text items or subject references: not in current values, not in conflicts, not in the
    change log, not in free pages. `src` is only read.

    Text items that identify a record (its natural key: crime reference, station name, ...)
    get an opaque pseudonym instead of NULL, the same for the same original, so duplicate
    records are still recognised and the copy's figures match the source's. A text item's
    literal 'na' / 'unknown' is kept. The copy is a fieldkit database of its own (new
    database and device ids, so writing to it never reuses the source's change ids) with
    meta 'scrubbed_from' naming the source. Its changes are the source's rewritten, so they
    are not the source's: each device's changes are renamed `<device>~<scrub>` and given the
    ids and chains their new content has, and a merge refuses to put a scrubbed copy beside
    the changes it was made from (fieldkit.sync.merging: blanked values would stand beside
    the real ones).

    With `key` (a team's key, read_key), pseudonyms and the `~<scrub>` names are HMACs
    with the key: copies scrubbed with one key pseudonymise a reference identically (a case
    file reviewed on two laptops is still found twice), and one database scrubbed twice
    gives the same log. Without it, a secret forgotten when the scrub ends.

    The register's comments and the plans' notes, evidence and owners (staff names) are
    blanked too; the recommendations, statuses, objectives and RAG ratings stay.

    Returns {'changes': values rewritten in the log, 'cells': current values rewritten,
    'register': register and plan values blanked}."""
    src, dst = Path(src), Path(dst)
    if dst.exists() or dst.is_symlink():
        raise BadInput(f"{dst}: already exists; scrub writes a new file")
    with Store.open(src, readonly=True) as source:
        source_id = source.database_id
        connection.create_file(dst)
        try:
            conn = sqlite3.connect(str(dst), isolation_level=None)
            try:
                source.conn.backup(conn)
                counts = _scrub_copy(conn, source_id, key)
            finally:
                conn.close()
        except BaseException:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{dst}{suffix}").unlink(missing_ok=True)
            raise
    os.chmod(dst, 0o600)
    return counts


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(PRIVACY[f"count_scrubbed_{table}"]).fetchone()[0])


def _scrub_copy(conn: sqlite3.Connection, source_id: str, key: bytes | None) -> dict[str, int]:
    """Blank the free text of a fresh copy in one transaction (the change log first, with
    its devices renamed and its ids re-derived, then current state rebuilt from it), then
    VACUUM it out of the free pages."""
    # Without a team key, forgotten when the scrub ends: pseudonyms stay opaque.
    secret = key if key is not None else secrets.token_bytes(32)
    lineage = hmac.new(secret, b"fieldkit scrub lineage", "sha256").hexdigest()[:10]

    def pseudonym(value: object) -> str | None:
        if value is None:
            return None
        digest = hmac.new(secret, str(value).encode("utf-8", "surrogatepass"), "sha256")
        return f"ref-{digest.hexdigest()[:20]}"

    conn.create_function("fieldkit_pseudonym", 1, pseudonym, deterministic=True)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA secure_delete = ON")
    counts = {
        "changes": _count(conn, "changes"),
        "cells": _count(conn, "cells"),
        "register": _count(conn, "register"),
    }
    with connection.transaction(conn):
        begin_fold(conn)
        connection.run_script(conn, PRIVACY["scrub"])
        connection.run_script(conn, PRIVACY["scrub_register"])
        conn.execute(PRIVACY["scrub_devices"], {"lineage": lineage})
        rekey(conn)
        connection.run_script(conn, PRIVACY["touch_everything"])
        for step in ("recompute_cells", "recompute_conflicts", "recompute_records"):
            connection.run_script(conn, STATE[step])
        aggregates.rebuild(conn)  # answers and records were rewritten
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [
                ("scrubbed_from", source_id),
                ("database_id", new_id()),
                ("device_id", new_id().replace("-", "")[-12:]),
                ("seq", "0"),
                ("head", ""),
            ],
        )
    conn.execute("VACUUM")
    conn.execute("PRAGMA journal_mode = WAL")
    return counts

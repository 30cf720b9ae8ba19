"""The practice's appointment menu, read from data/appointment_types.yml.

Staff edit the YAML file, not code, so this module checks it strictly, re-reads it when it
changes, picks types that fit an intake, and resolves which type a client chose.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import yaml

# Canonical ids from /work/shared/CONTRACT.md (the lead may move these to a shared module).
CONDITION_IDS: tuple[str, ...] = (
    "back_pain", "neck_pain", "shoulder_pain", "knee_pain", "hip_pain", "joint_pain",
    "muscle_pain", "foot_pain", "headache", "migraine", "tmj", "sciatica", "posture",
    "fibromyalgia", "carpal_tunnel", "sports_injury", "overuse_injury", "post_surgical",
    "swelling", "lymphedema", "scar_tissue", "arthritis", "autoimmune", "stress", "anxiety",
    "tension", "insomnia", "other",
)
GOAL_IDS: tuple[str, ...] = (
    "pain_relief", "mobility", "injury_recovery", "post_surgical_recovery", "reduce_swelling",
    "scar_tissue", "posture", "stress_relief", "relaxation", "sleep", "self_care", "gift",
)
# Client types an appointment can be for ("unclear" clients are offered nothing).
APPOINTMENT_CLIENT_TYPES: tuple[str, ...] = ("medical", "relaxation")

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "appointment_types.yml"

# A condition always outweighs a goal; the client's first-mentioned concern a bit more.
CONDITION_WEIGHT = 3.0
MAIN_CONCERN_BONUS = 1.0
GOAL_WEIGHT = 1.0


@dataclass(frozen=True)
class AppointmentType:
    """One bookable length of one treatment, as staff wrote it in the YAML file."""

    id: str
    name: str
    minutes: int
    price: float
    client_type: str
    techniques: tuple[str, ...]
    conditions: tuple[str, ...]
    goals: tuple[str, ...]
    description: str
    default: bool = False
    not_for: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def family(self) -> str:
        """The treatment without its length, so lengths of one treatment group together."""
        return self.id[: -len(f"_{self.minutes}")]


# ---------------------------------------------------------------------------- loading

_REQUIRED_KEYS = ("id", "name", "minutes", "price", "client_type", "techniques",
                  "conditions", "goals", "description")
_OPTIONAL_KEYS = ("default", "not_for", "aliases")
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*_(\d+)$")

_cache: dict[str, tuple[tuple[int, int], tuple[AppointmentType, ...]]] = {}


def load_catalogue(path: str | Path | None = None) -> list[AppointmentType]:
    """Read and check the catalogue; cached until the file's mtime or size changes,
    so a staff edit is picked up without a restart."""
    file = Path(path) if path is not None else DEFAULT_PATH
    stat = file.stat()
    key = str(file.resolve())
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(key)
    if cached is None or cached[0] != stamp:
        cached = (stamp, _parse_file(file))
        _cache[key] = cached
    return list(cached[1])


def _parse_file(file: Path) -> tuple[AppointmentType, ...]:
    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{file}: not valid YAML: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("appointment_types"), list):
        raise ValueError(f"{file}: expected a top-level 'appointment_types:' list")
    entries = document["appointment_types"]
    if not entries:
        raise ValueError(f"{file}: 'appointment_types' is empty")

    types: list[AppointmentType] = []
    seen_ids: set[str] = set()
    default_of_family: dict[str, str] = {}
    for index, raw in enumerate(entries, start=1):
        where = _where(file, index, raw)
        entry = _parse_entry(raw, where)
        if entry.id in seen_ids:
            raise ValueError(f"{where}: duplicate id '{entry.id}'")
        seen_ids.add(entry.id)
        if entry.default:
            other = default_of_family.setdefault(entry.family, entry.id)
            if other != entry.id:
                raise ValueError(f"{where}: '{other}' is already the default of '{entry.family}'")
        types.append(entry)
    return tuple(types)


def _where(file: Path, index: int, raw: object) -> str:
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    return f"{file}: entry {index}" + (f" ({entry_id})" if entry_id else "")


def _parse_entry(raw: object, where: str) -> AppointmentType:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping of fields")
    unknown = sorted(set(raw) - set(_REQUIRED_KEYS) - set(_OPTIONAL_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    missing = [key for key in _REQUIRED_KEYS if key not in raw]
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")

    minutes = raw["minutes"]
    if not _is_number(minutes) or minutes != int(minutes) or minutes <= 0:
        raise ValueError(f"{where}: minutes must be a positive whole number, got {minutes!r}")
    minutes = int(minutes)
    price = raw["price"]
    if not _is_number(price) or price <= 0:
        raise ValueError(f"{where}: price must be a positive number, got {price!r}")

    entry_id = _text(raw["id"], "id", where)
    match = _ID_PATTERN.match(entry_id)
    if not match:
        raise ValueError(f"{where}: id '{entry_id}' must be snake_case ending in _<minutes>")
    if int(match.group(1)) != minutes:
        raise ValueError(f"{where}: id '{entry_id}' does not end in _{minutes} (its minutes)")
    name = _text(raw["name"], "name", where)
    if f"{minutes} min" not in name:
        raise ValueError(f"{where}: name '{name}' must mention '{minutes} min'")
    client_type = raw["client_type"]
    if client_type not in APPOINTMENT_CLIENT_TYPES:
        allowed = ", ".join(APPOINTMENT_CLIENT_TYPES)
        raise ValueError(f"{where}: client_type must be one of {allowed}, got {client_type!r}")
    default = raw.get("default", False)
    if not isinstance(default, bool):
        raise ValueError(f"{where}: default must be true or false, got {default!r}")

    return AppointmentType(
        id=entry_id,
        name=name,
        minutes=minutes,
        price=float(price),
        client_type=client_type,
        techniques=_texts(raw["techniques"], "techniques", where, allow_empty=False),
        conditions=_ids(raw["conditions"], "conditions", CONDITION_IDS, "condition", where),
        goals=_ids(raw["goals"], "goals", GOAL_IDS, "goal", where),
        description=_text(raw["description"], "description", where),
        default=default,
        not_for=_ids(raw.get("not_for", []), "not_for", CONDITION_IDS, "condition", where),
        aliases=_texts(raw.get("aliases", []), "aliases", where, allow_empty=True),
    )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: object, key: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key} must be non-empty text")
    return value.strip()


def _texts(value: object, key: str, where: str, allow_empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise ValueError(f"{where}: {key} must be a{'' if allow_empty else ' non-empty'} list")
    return tuple(_text(item, key, where) for item in value)


def _ids(value: object, key: str, known: Sequence[str], kind: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: {key} must be a list of {kind} ids")
    for item in value:
        if item not in known:
            raise ValueError(f"{where}: unknown {kind} id '{item}' in {key}")
    return tuple(value)


# ----------------------------------------------------------------------- recommending

def recommend_appointment_types(
    client_type: str,
    conditions: Sequence[str],
    goals: Sequence[str],
    catalogue: Sequence[AppointmentType] | None = None,
    limit: int = 3,
) -> list[AppointmentType]:
    """Types of the client's kind that serve most of what they said (ties: default length,
    then the type's focus, then file order), different treatments before other lengths of
    one; the default lengths when nothing matches."""
    if client_type not in APPOINTMENT_CLIENT_TYPES or limit <= 0:
        return []
    types = load_catalogue() if catalogue is None else list(catalogue)
    wanted_conditions = _unique(conditions)
    wanted_goals = _unique(goals)
    excluded = set(wanted_conditions)
    eligible = [
        (position, t) for position, t in enumerate(types)
        if t.client_type == client_type and not excluded.intersection(t.not_for)
    ]
    scored = [
        (_score(t, wanted_conditions, wanted_goals), position, t) for position, t in eligible
    ]
    matched = [item for item in scored if item[0] > 0]
    if not matched:
        return _fallback([t for _, t in eligible])[:limit]
    matched.sort(key=lambda item: (
        -round(item[0], 6), not item[2].default,
        _focus(item[2], wanted_conditions, wanted_goals), item[1],
    ))
    ranked = [t for _, _, t in matched]
    return _families_first(ranked)[:limit]


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _score(t: AppointmentType, conditions: list[str], goals: list[str]) -> float:
    score = 0.0
    for rank, condition in enumerate(conditions):
        if condition in t.conditions:
            score += CONDITION_WEIGHT + MAIN_CONCERN_BONUS / (rank + 1)
    score += GOAL_WEIGHT * sum(1 for goal in goals if goal in t.goals)
    return score


def _focus(t: AppointmentType, conditions: list[str], goals: list[str]) -> tuple[int, int]:
    """How near the top of the type's own lists the client's concerns are: staff list what
    a treatment is mainly for first, so this settles ties between equally fitting types."""
    return (
        sum(t.conditions.index(c) for c in conditions if c in t.conditions),
        sum(t.goals.index(g) for g in goals if g in t.goals),
    )


def _families_first(ranked: list[AppointmentType]) -> list[AppointmentType]:
    """Best length of each treatment first, then the other lengths, both in rank order."""
    seen: set[str] = set()
    first, rest = [], []
    for t in ranked:
        (rest if t.family in seen else first).append(t)
        seen.add(t.family)
    return first + rest


def _fallback(types: list[AppointmentType]) -> list[AppointmentType]:
    """Default lengths in file order; the first length of each family if none is marked."""
    defaults = [t for t in types if t.default]
    return defaults or _families_first(types)[: len({t.family for t in types})]


# ---------------------------------------------------------------- resolving a choice

_ORDINAL_WORDS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
    "fourth": 4, "4th": 4, "fifth": 5, "5th": 5, "last": -1,
}
_ORDINAL_FOLLOWERS = frozenset({"one", "ones", "option", "choice", "type", "kind"})
_CARDINALS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_NUMBER = r"(\d+|one|two|three|four|five)"
_OPTION_PATTERN = re.compile(rf"(?:option|number|choice|#)\s*{_NUMBER}\b|\bno\s*(\d+)\b")
# Words that may surround a bare "2" or "two" without making it something else.
_FILLERS = frozenset(
    "the a please pls plz ok okay i ll id d take want go with like lets let s do um uh yes "
    "yeah yep sure thanks thank you will be sounds good great i m im".split()
)
# Words in names that say nothing about which treatment is meant.
_NAME_STOPWORDS = frozenset(
    "a an and the of for with min mins minute minutes massage therapy session work manual "
    "recovery treatment".split()
)
_DURATIONS: tuple[tuple[re.Pattern[str], int | None], ...] = (
    (re.compile(r"\b(?:(?:an?|one|1)\s+)?hours?\s+and\s+(?:a\s+)?half\b"), 90),
    (re.compile(r"\b(?:one|1)\s+and\s+a\s+half\s+(?:hours?|hrs?)\b"), 90),
    (re.compile(r"\b1\.5\s*(?:hours?|hrs?|h)\b"), 90),
    (re.compile(r"\bhalf\s+(?:an\s+)?hour\b"), 30),
    (re.compile(r"\b(?:two|2)\s*(?:hours?|hrs?)\b"), 120),
    (re.compile(r"\b(\d{2,3})\s*(?:minutes?|mins?|minuets?|mns?|m)\b"), None),
    (re.compile(r"\b(?:(?:an?|one|1)\s*)?(?:hour|hr|h)s?\b(?!\s*and)"), 60),
)
_BARE_MINUTES = re.compile(r"(?<![#\d.])\b(\d{2,3})\b")


def find_appointment_type(
    text: str,
    offered: Sequence[AppointmentType],
    catalogue: Sequence[AppointmentType] | None = None,
) -> AppointmentType | None:
    """The type a client picked in free text ("2", "the first one", "lymphatic 90",
    "the 90 minute one"), preferring what was offered; None when unclear."""
    types = load_catalogue() if catalogue is None else list(catalogue)
    offered = list(offered)
    known = _unique_types(offered + types)
    # "the sports one, not deep tissue": what the client does not want names nothing
    normalised = _NOT_THIS.sub(" ", _normalise(text))

    bare = _bare_number(normalised)
    if bare is not None:
        return _nth(offered, bare)
    compared = _by_comparison(normalised, offered)
    if compared is not None:
        return compared
    minutes, rest = _take_minutes(normalised, {t.minutes for t in known})
    family = _named_family(rest.split(), known, offered)
    if family == "":
        return None
    if family is not None:
        return _pick_length(family, minutes, offered, known)
    ordinal = _ordinal(rest)
    if ordinal is not None:
        picked = _nth(offered, ordinal)
        if picked is None or minutes is None:
            return picked
        return _pick_length(picked.family, minutes, offered, known)  # "the second, but 90"
    if minutes is not None:
        return _by_minutes_only(minutes, offered, known)
    return None


_NOT_THIS = re.compile(r"\b(?:not|no|instead of|rather than)\s+(?:the\s+)?(?:[a-z]+\s*){1,3}?"
                       r"(?=$|\s(?:but|and|please|pls|thanks)\b)")

_COMPARISONS = {
    r"\b(?:cheap|cheaper|cheapest|less expensive|least expensive|lower price|inexpensive)\b":
        lambda t: (t.price, t.minutes),
    r"\b(?:more expensive|most expensive|pricier|priciest)\b": lambda t: (-t.price, -t.minutes),
    r"\b(?:short|shorter|shortest|quick|quicker|quickest)\b": lambda t: (t.minutes, t.price),
    r"\b(?:longer|longest)\b": lambda t: (-t.minutes, t.price),
}


def _compared_best(text: str, offered: Sequence[AppointmentType]) -> list[AppointmentType]:
    """The options that come first by the comparison the text makes ("the cheaper one", "the
    longest"): one, several on a tie, none when the text compares nothing."""
    for pattern, key in _COMPARISONS.items():
        if offered and re.search(pattern, text):
            ranked = sorted(offered, key=key)
            return [t for t in ranked if key(t) == key(ranked[0])]
    return []


def _by_comparison(text: str, offered: Sequence[AppointmentType]) -> AppointmentType | None:
    """"the cheaper one", "the longest": among what was offered; None on a tie."""
    best = _compared_best(text, offered)
    return best[0] if len(best) == 1 else None


def tied_picks(text: str, offered: Sequence[AppointmentType]) -> list[AppointmentType]:
    """The options a comparison cannot tell apart ("the cheaper one" when two cost $110),
    so the client gets one question naming them; empty when there is no tie."""
    best = _compared_best(_normalise(text), offered)
    return best if len(best) > 1 else []


def offered_types(ids: Iterable[str] | None) -> list[AppointmentType]:
    """The appointment types a conversation listed (its `recommended_types`), in that order."""
    by_id = {t.id: t for t in load_catalogue()}
    return [by_id[i] for i in ids or [] if i in by_id]


def describe(t: AppointmentType) -> str:
    """One plain line for SMS or chat: 'Neuromuscular therapy (trigger point), 60 min, $110'."""
    price = f"${t.price:.0f}" if t.price == int(t.price) else f"${t.price:.2f}"
    return f"{t.name}, {price}"


def _unique_types(types: Iterable[AppointmentType]) -> list[AppointmentType]:
    return list({t.id: t for t in reversed(list(types))}.values())[::-1]


def _normalise(text: str) -> str:
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9#.\s]", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _bare_number(text: str) -> int | None:
    """'2', 'two please', 'ok 1': a lone number among filler words means a list position."""
    words = [w for w in text.replace("#", " ").split() if w not in _FILLERS]
    if len(words) != 1:
        return None
    word = words[0]
    if word == "one" and re.search(r"\b(?:the|that)\s+one\b", text):
        return None  # "the one" points at something said before, not at option 1
    if word.isdigit() and len(word) == 1:
        return int(word)
    return _CARDINALS.get(word)


def _ordinal(text: str) -> int | None:
    match = _OPTION_PATTERN.search(text)
    if match:
        value = match.group(1) or match.group(2)
        return int(value) if value.isdigit() else _CARDINALS[value]
    words = text.split()
    for index, word in enumerate(words):
        if word not in _ORDINAL_WORDS:
            continue
        before = words[index - 1] if index else ""
        after = words[index + 1] if index + 1 < len(words) else ""
        # "the second", "first one", "2nd please" - but not "my first time".
        if before == "the" or after in _ORDINAL_FOLLOWERS or after in _FILLERS or not after:
            return _ORDINAL_WORDS[word]
    return None


def _nth(offered: list[AppointmentType], position: int) -> AppointmentType | None:
    if position == -1 and offered:
        return offered[-1]
    if 1 <= position <= len(offered):
        return offered[position - 1]
    return None


def _take_minutes(text: str, known_minutes: set[int]) -> tuple[int | None, str]:
    """The length the client named, and the text without it."""
    for pattern, minutes in _DURATIONS:
        match = pattern.search(text)
        if match:
            value = minutes if minutes is not None else int(match.group(1))
            return value, (text[: match.start()] + " " + text[match.end():]).strip()
    for match in _BARE_MINUTES.finditer(text):
        if int(match.group(1)) in known_minutes:
            return int(match.group(1)), (text[: match.start()] + " " + text[match.end():]).strip()
    return None, text


def _family_phrases(types: list[AppointmentType]) -> dict[str, set[tuple[str, ...]]]:
    """Words and phrases that name each treatment: its id, its name and staff's aliases."""
    phrases: dict[str, set[tuple[str, ...]]] = {}
    for t in types:
        found = phrases.setdefault(t.family, set())
        id_words = tuple(t.family.split("_"))
        found.add(id_words)
        found.update((w,) for w in id_words if w not in _NAME_STOPWORDS)
        name_words = _normalise(re.sub(r"\d+\s*min\b", " ", t.name)).split()
        found.update((w,) for w in name_words if w not in _NAME_STOPWORDS and not w.isdigit())
        for alias in t.aliases:
            words = tuple(_normalise(alias).split())
            if words:
                found.add(words)
    return phrases


def _named_family(
    words: list[str], known: list[AppointmentType], offered: list[AppointmentType]
) -> str | None:
    """The treatment the words name best; '' when two are named equally and the offer
    does not settle it, None when none is named."""
    phrases = _family_phrases(known)
    families_of: dict[tuple[str, ...], int] = {}
    for found in phrases.values():
        for phrase in found:
            families_of[phrase] = families_of.get(phrase, 0) + 1
    scores: dict[str, float] = {}
    for family, found in phrases.items():
        score = sum(len(p) / families_of[p] for p in found if _phrase_in(p, words))
        if score > 0:
            scores[family] = score
    if not scores:
        return None
    best = max(scores.values())
    leaders = [f for f, s in scores.items() if s == best]
    if len(leaders) > 1:
        offered_families = {t.family for t in offered}
        leaders = [f for f in leaders if f in offered_families]
    return leaders[0] if len(leaders) == 1 else ""


def _phrase_in(phrase: tuple[str, ...], words: list[str]) -> bool:
    size = len(phrase)
    for start in range(len(words) - size + 1):
        window = words[start:start + size]
        if size == 1 and _word_matches(phrase[0], window[0]):
            return True
        if size > 1 and tuple(window) == phrase:
            return True
        if size > 1 and _close(" ".join(phrase), " ".join(window), cutoff=0.85, min_length=8):
            return True
    return False


def _word_matches(word: str, said: str) -> bool:
    """Exact, an inflection ('relax' ~ 'relaxing') or a typo ('nueromuscular')."""
    if said == word:
        return True
    if len(word) < 5 or len(said) < 5:
        return False
    return said.startswith(word) or _close(word, said)


def _close(expected: str, said: str, cutoff: float = 0.8, min_length: int = 5) -> bool:
    if len(expected) < min_length:
        return False
    return difflib.SequenceMatcher(None, expected, said).ratio() >= cutoff


def _pick_length(
    family: str, minutes: int | None, offered: list[AppointmentType], known: list[AppointmentType]
) -> AppointmentType | None:
    """Named length if the treatment has it; else the offered, then the default length."""
    members = [t for t in known if t.family == family]
    if minutes is not None:
        return next((t for t in members if t.minutes == minutes), None)
    offered_members = [t for t in offered if t.family == family]
    for pool in (offered_members, members):
        if pool:
            return next((t for t in pool if t.default), pool[0])
    return None


def _by_minutes_only(
    minutes: int, offered: list[AppointmentType], known: list[AppointmentType]
) -> AppointmentType | None:
    """'The 90 minute one': only when exactly one offered (or offered treatment's) type has it."""
    offered_families = {t.family for t in offered}
    pools = (
        [t for t in offered if t.minutes == minutes],
        [t for t in known if t.family in offered_families and t.minutes == minutes],
        [t for t in known if t.minutes == minutes],
    )
    for pool in pools:
        if len(pool) == 1:
            return pool[0]
        if len(pool) > 1:
            return None
    return None


def options_asked_about(text: str, offered: Sequence[AppointmentType]) -> list[AppointmentType]:
    """The listed options a question names ("the difference between 1 and 2", "is the
    myofascial one gentler?"); all of them when it names none."""
    normalised = _normalise(text)
    by_number = [offered[int(n) - 1] for n in re.findall(r"\b([1-9])\b", normalised)
                 if int(n) <= len(offered)]
    words = normalised.split()
    phrases = _family_phrases(list(offered))
    by_name = [t for t in offered if any(_phrase_in(p, words) for p in phrases.get(t.family, ()))]
    named = list(dict.fromkeys(by_number + by_name))
    return named or list(offered)


# ---------------------------------------------------------------------------- names in text

_TREATMENT_SUFFIX = r"(?:one|option|session|massage|therapy|release|treatment|appointment|work)"


def treatment_name_spans(text: str, bare_words: bool = False) -> list[tuple[int, int]]:
    """Where `text` names one of the practice's treatments ("the trigger point one",
    "Myofascial release, 90 min"): the words that pick a treatment describe no condition.
    `bare_words`: also a lone name word ("myofascial"), for an answer to "which one?"."""
    pattern = _treatment_pattern(tuple(load_catalogue()), bare_words)
    return [m.span() for m in pattern.finditer(text.lower())] if pattern else []


_PATTERNS: dict[tuple, re.Pattern | None] = {}


def _treatment_pattern(types: tuple[AppointmentType, ...], bare_words: bool) -> re.Pattern | None:
    key = (types, bare_words)
    if key not in _PATTERNS:
        names, words = set(), set()
        for t in types:
            family_name = re.sub(r",?\s*\d+\s*min\w*\s*$", "", t.name.lower()).strip()
            names.add(family_name)
            inner = re.findall(r"\(([^)]+)\)", family_name)
            plain = re.sub(r"\([^)]*\)", " ", family_name).replace("&", " ")
            words.update(w for w in plain.split() + inner if w not in _NAME_STOPWORDS)
            # aliases and techniques name the treatment with "one", "therapy"... after them
            words.update(re.sub(rf"\s+{_TREATMENT_SUFFIX}$", "", x.lower())
                         for x in t.techniques + t.aliases)

        def phrase(p: str) -> str:
            return r"\s*".join(re.escape(w) for w in re.split(r"\s+", p.replace("&", " & ").strip()))

        named = "|".join(phrase(n) for n in sorted(names, key=len, reverse=True) if n)
        worded = "|".join(phrase(w) for w in sorted(words, key=len, reverse=True) if len(w) > 2)
        branches = [rf"(?:{named})(?:\s*,?\s*\d+\s*min\w*)?"] if named else []
        if worded:
            branches.append(rf"(?:{worded})\s+{_TREATMENT_SUFFIX}" + ("?" if bare_words else ""))
            if bare_words:
                branches[-1] = rf"(?:{worded})(?:\s+{_TREATMENT_SUFFIX})?"
        _PATTERNS[key] = re.compile(r"(?<!\w)(?:" + "|".join(branches) + r")(?!\w)") \
            if branches else None
    return _PATTERNS[key]

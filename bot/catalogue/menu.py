"""The practice's appointment menu, read from data/appointment_types.yml.

Staff edit the YAML file, not code, so this module checks it strictly and re-reads it when it
changes; it also knows how the menu's treatments are named in a client's words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from bot.practice_data import KeepLastGood, line_of, read_yaml
from bot.text import clean
from bot.vocabulary import CONDITION_IDS, GOAL_IDS

# Client types an appointment can be for ("unclear" clients are offered nothing).
APPOINTMENT_CLIENT_TYPES: tuple[str, ...] = ("medical", "relaxation")

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "appointment_types.yml"

# Words in names that say nothing about which treatment is meant.
NAME_STOPWORDS = frozenset(
    "a an and the of for with min mins minute minutes massage therapy session work manual "
    "recovery treatment".split()
)


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
    #: safety flags (data/safety.yml ids) with which the bot does not offer this type
    not_with: tuple[str, ...] = ()
    #: safety flags this type is for: offered, first, only to a client who has one
    only_with: tuple[str, ...] = ()

    @property
    def family(self) -> str:
        """The treatment without its length, so lengths of one treatment group together."""
        return self.id[: -len(f"_{self.minutes}")]


# ---------------------------------------------------------------------------- loading

_REQUIRED_KEYS = ("id", "name", "minutes", "price", "client_type", "techniques",
                  "conditions", "goals", "description")
_OPTIONAL_KEYS = ("default", "not_for", "aliases", "not_with", "only_with")
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*_(\d+)$")

_menus: KeepLastGood[tuple[AppointmentType, ...]] = KeepLastGood("appointment types")


def load_catalogue(path: str | Path | None = None) -> list[AppointmentType]:
    """Read and check the catalogue; read again when the file changes, so a staff edit is
    picked up without a restart, and a broken edit leaves the last good menu in use
    (bot.practice_data)."""
    file = Path(path) if path is not None else DEFAULT_PATH
    return list(_menus.get([file], lambda files: _parse_file(files[0])))


def _parse_file(file: Path) -> tuple[AppointmentType, ...]:
    document = read_yaml(file)
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
    line = line_of(raw)
    return f"{file}" + (f", line {line}" if line else "") + f": entry {index}" + (
        f" ({entry_id})" if entry_id else "")


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
        not_with=_ids(raw.get("not_with", []), "not_with", _safety_flag_ids(), "safety flag", where),
        only_with=_ids(raw.get("only_with", []), "only_with", _safety_flag_ids(), "safety flag",
                       where),
    )


def _safety_flag_ids() -> tuple[str, ...]:
    """The red flags and cautions of data/safety.yml, the ids `not_with` and `only_with` name."""
    from bot.safety import load_safety_rules

    return tuple(flag.id for flag in load_safety_rules().flags)


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


# ------------------------------------------------------------- the menu in words

def offered_types(ids: Iterable[str] | None) -> list[AppointmentType]:
    """The appointment types a conversation listed (its `recommended_types`), in that order."""
    by_id = {t.id: t for t in load_catalogue()}
    return [by_id[i] for i in ids or [] if i in by_id]


def describe(t: AppointmentType) -> str:
    """One plain line for SMS or chat: 'Neuromuscular therapy (trigger point), 60 min, $110'."""
    price = f"${t.price:.0f}" if t.price == int(t.price) else f"${t.price:.2f}"
    return f"{t.name}, {price}"


def normalise_choice_text(text: str) -> str:
    """Plain letters (bot.text.clean), lowercase, words and numbers only."""
    text = clean(text).lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9#.\s]", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def family_phrases(types: list[AppointmentType]) -> dict[str, set[tuple[str, ...]]]:
    """Words and phrases that name each treatment: its id, its name and staff's aliases."""
    phrases: dict[str, set[tuple[str, ...]]] = {}
    for t in types:
        found = phrases.setdefault(t.family, set())
        id_words = tuple(t.family.split("_"))
        found.add(id_words)
        found.update((w,) for w in id_words if w not in NAME_STOPWORDS)
        name_words = normalise_choice_text(re.sub(r"\d+\s*min\b", " ", t.name)).split()
        found.update((w,) for w in name_words if w not in NAME_STOPWORDS and not w.isdigit())
        for alias in t.aliases:
            words = tuple(normalise_choice_text(alias).split())
            if words:
                found.add(words)
    return phrases


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
            words.update(w for w in plain.split() + inner if w not in NAME_STOPWORDS)
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

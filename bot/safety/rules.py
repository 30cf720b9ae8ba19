"""The practice's safety rules (data/safety.yml), checked and compiled once per file version."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping


from bot.practice_data import KeepLastGood, PracticeDataError, line_of, read_yaml
from bot.scope import BACKWARD, FORWARD, PSEUDO, TERMINATE, CueRule, CueSet
from bot.text import WordRepair

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "data" / "safety.yml"
#: A flag's outcome in the rules file -> the screening outcome it leads to.
FLAG_OUTCOMES = {"urgent": "urgent", "clearance_needed": "clearance_needed",
                 "reschedule": "clearance_needed", "therapist_review": "therapist_review"}
DEFAULT_SETTINGS = {"surgery_clearance_weeks": 6, "fever_free_hours": 24,
                    "negation_window_words": 6, "historical_after_window_words": 3,
                    "all_of_window_chars": 160}
_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`\u00b4]")
_TERM = re.compile(r"@(\w+)")
_GAP, _GAP_REGEX = " ~ ", r" (?:\S+ ){0,3}"
_NEVER = re.compile(r"(?!x)x")


@dataclass(frozen=True)
class Flag:
    """One red flag or caution from the rules file, its phrases compiled."""

    id: str
    outcome: str  #: as written: urgent | clearance_needed | reschedule | therapist_review
    message: str  #: key into SafetyRules.messages
    counts_when_historical: bool
    uses_surgery_window: bool
    phrases: tuple[tuple[re.Pattern, ...], ...]  #: each phrase's parts (several for all-of)
    #: emergency-adjacent phrases: one question, or the emergency answer with an acute cue
    check_phrases: tuple[tuple[re.Pattern, ...], ...] = ()
    #: words that, anywhere in what is screened, mean the phrases are something else
    #: ("dvt_signs" unless a knock explains the swollen, warm leg)
    unless: re.Pattern | None = None


@dataclass(frozen=True)
class Cues:
    """Compiled cues that decide whether a phrase match is about the client, now; the scope
    cues are cue sets of the scope engine (bot.scope), read by bot.safety.scope."""

    #: negation_cues, and what ends a negation's reach (negation_scope_breakers, first_person)
    negation: CueSet
    pseudo_negation: CueSet
    answer_negation: tuple[re.Pattern, ...]
    historical: CueSet
    still_current: CueSet
    hypothetical: CueSet
    other_person: CueSet
    first_person: CueSet
    someone_else_now: CueSet
    booking_for_someone_else: re.Pattern
    exclusions: tuple[re.Pattern, ...]
    episodic: re.Pattern = re.compile(r"(?!x)x")
    acute: re.Pattern = re.compile(r"(?!x)x")
    checked: re.Pattern = re.compile(r"(?!x)x")
    ongoing: re.Pattern = re.compile(r"(?!x)x")
    refers_back: re.Pattern = re.compile(r"(?!x)x")


@dataclass(frozen=True)
class SafetyRules:
    source: str
    settings: Mapping[str, float]
    messages: Mapping[str, str]
    flags: tuple[Flag, ...]
    cues: Cues
    spellings: Mapping[str, str]
    spelling_pattern: re.Pattern
    word_repair: WordRepair
    check_answers: Mapping[str, re.Pattern]
    word_cache: dict = field(default_factory=dict, compare=False, repr=False)
    #: text -> (evidence, checks) of the flags found in it (bot.safety.screen): one message is
    #: screened by the NLU guard, the emergency policy and the actions; the rules read it once
    screen_cache: dict = field(default_factory=dict, compare=False, repr=False)


_rule_sets: KeepLastGood[SafetyRules] = KeepLastGood("safety rules")


def load_safety_rules(path: str | Path | None = None) -> SafetyRules:
    """The rules in `path` (default data/safety.yml), read again only when the file changes;
    an edit that does not load is reported with file and line, and the last rules that
    loaded go on screening (bot.practice_data): the emergency screen never stops."""
    resolved = Path(path or DEFAULT_RULES_PATH).resolve()
    return _rule_sets.get([resolved], lambda files: _read_rules(files[0]))


def _read_rules(path: Path) -> SafetyRules:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise PracticeDataError(path, None, "expected a mapping at the top")
    return build_rules(data, source=str(path))


def build_rules(data: Mapping, source: str = "<rules>") -> SafetyRules:
    """Compile a parsed rules file; errors name the flag or list at fault."""
    terms = {name: _APOSTROPHES.sub("", str(v)) for name, v in (data.get("terms") or {}).items()}
    settings = {**DEFAULT_SETTINGS, **(data.get("settings") or {})}
    messages = _format_messages(data.get("messages") or {}, settings, source)
    flags = tuple(_build_flag(entry, terms, messages, source) for entry in data.get("flags") or [])
    ids = [flag.id for flag in flags]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{source}: a flag id appears twice")
    spellings = _spellings(data.get("spellings") or {})
    cues = _build_cues(data, terms, settings, source)
    return SafetyRules(source, settings, messages, flags, cues, spellings,
                       _spelling_pattern(spellings), WordRepair(_vocabulary(data)),
                       {kind: _word_pattern((data.get("check_answers") or {}).get(kind) or [],
                                            terms, f"{source}: check_answers.{kind}")
                        for kind in ("not_now_first", "now", "not_now")})


def _vocabulary(data: Mapping) -> set[str]:
    """Every word the rules file spells out: what a mistyped word may be mended to."""
    words: set[str] = set()

    def walk(value):
        if isinstance(value, str):
            words.update(re.findall(r"[a-z]{3,}", _APOSTROPHES.sub("", value.lower())))
        elif isinstance(value, Mapping):
            for key, item in value.items():
                walk(key if isinstance(key, str) else "")
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk({k: v for k, v in data.items() if k not in ("messages", "settings")})
    return words


def _format_messages(raw: Mapping, settings: Mapping, source: str) -> dict[str, str]:
    try:
        return {key: " ".join(str(text).split()).format_map(settings) for key, text in raw.items()}
    except (KeyError, ValueError) as error:
        raise ValueError(f"{source}: a message has an unknown placeholder ({error})") from None


_FLAG_KEYS = {"id", "outcome", "kind", "message", "phrases", "check_phrases",
              "counts_when_historical", "uses_surgery_window", "unless"}


def _build_flag(entry: Mapping, terms: Mapping, messages: Mapping, source: str) -> Flag:
    fid = entry.get("id")
    line = line_of(entry)
    where = f"{source}" + (f", line {line}" if line else "") + f": flag {fid}"
    unknown = sorted(set(entry) - _FLAG_KEYS)
    if unknown:  # a misspelt key would be ignored without a word: "exclusion", "phrase"
        raise ValueError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; a flag has "
                         f"{', '.join(sorted(_FLAG_KEYS))}")
    outcome = entry.get("outcome")
    if outcome not in FLAG_OUTCOMES:
        raise ValueError(f"{where}: outcome must be one of {sorted(FLAG_OUTCOMES)}")
    kind = "caution" if outcome == "therapist_review" else "red_flag"
    if entry.get("kind", kind) != kind:
        raise ValueError(f"{where}: kind must be {kind} for outcome {outcome}")
    message = entry.get("message", outcome)
    if message not in messages:
        raise ValueError(f"{where}: no message named {message}")
    phrases = tuple(_build_phrase(p, terms, where) for p in entry.get("phrases") or [])
    checks = tuple(_build_phrase(p, terms, where) for p in entry.get("check_phrases") or [])
    if not phrases:
        raise ValueError(f"{where}: needs at least one phrase")
    if checks and outcome != "urgent":
        raise ValueError(f"{where}: check_phrases are only for urgent flags")
    unless = _word_pattern(entry["unless"], terms, where) if entry.get("unless") else None
    return Flag(fid, outcome, message, bool(entry.get("counts_when_historical", False)),
                bool(entry.get("uses_surgery_window", False)), phrases, checks, unless)


def _build_phrase(phrase, terms: Mapping, where: str) -> tuple[re.Pattern, ...]:
    parts = phrase["all"] if isinstance(phrase, Mapping) else [phrase]
    return tuple(_word_pattern([part], terms, where, left_bounded=False) for part in parts)


def _build_cues(data: Mapping, terms: Mapping, settings: Mapping, source: str) -> Cues:
    people = data.get("historical_or_other_person_cues") or {}
    lists = {**data, **people}
    window = int(settings["negation_window_words"])

    def words(items, name):
        return _word_pattern(items or [], terms, f"{source}: {name}")

    def cues(*kinds):
        """One cue set of the lists named, each (name, category, direction, max_scope) and
        one rule (its patterns in the order listed)."""
        rules = [CueRule("|".join(f"(?:{_expand(p, terms, f'{source}: {name}')})"
                                  for p in lists.get(name) or []), *kind)
                 for name, *kind in kinds]
        try:
            return CueSet(rules)
        except re.error as error:
            names = ", ".join(name for name, *_ in kinds)
            raise ValueError(f"{source}: {names}: bad pattern ({error})") from None

    first_person = ("first_person", TERMINATE, TERMINATE)
    return Cues(
        negation=cues(("negation_cues", "NEGATED_EXISTENCE", FORWARD, window),
                      ("negation_scope_breakers", TERMINATE, TERMINATE), first_person),
        pseudo_negation=cues(("pseudo_negation_cues", PSEUDO, PSEUDO)),
        answer_negation=tuple(re.compile(_expand(p, terms, source))
                              for p in data.get("answer_negation") or []),
        historical=cues(("historical", "HISTORICAL", BACKWARD,
                         int(settings["historical_after_window_words"]))),
        still_current=cues(("still_current", "CURRENT")),
        hypothetical=cues(("hypothetical", "HYPOTHETICAL", FORWARD, window)),
        other_person=cues(("other_person", "FAMILY")),
        first_person=cues(first_person),
        someone_else_now=cues(("someone_else_now", "NOW")),
        booking_for_someone_else=words(people.get("booking_for_someone_else"),
                                       "booking_for_someone_else"),
        exclusions=tuple(_word_pattern([p], terms, f"{source}: exclusions", left_bounded=False)
                         for p in data.get("exclusions") or []),
        episodic=words((data.get("timing_cues") or {}).get("episodic"), "timing_cues.episodic"),
        acute=words((data.get("timing_cues") or {}).get("acute"), "timing_cues.acute"),
        checked=words((data.get("timing_cues") or {}).get("checked"), "timing_cues.checked"),
        ongoing=words((data.get("timing_cues") or {}).get("ongoing"), "timing_cues.ongoing"),
        refers_back=re.compile("^(?:" + "|".join(
            _expand(p, terms, source) for p in people.get("refers_back") or ["(?!x)x"]) + ")"),
    )


def _expand(source: str, terms: Mapping, where: str) -> str:
    """A phrase as regex text: @terms inserted, ' ~ ' as a gap of up to three words."""
    def term(match: re.Match) -> str:
        if match.group(1) not in terms:
            raise ValueError(f"{where}: unknown term @{match.group(1)}")
        return f"(?:{terms[match.group(1)]})"

    text = _APOSTROPHES.sub("", str(source)).replace(_GAP, _GAP_REGEX)
    for _ in range(4):  # terms may use other terms ("@head_hit" uses "@head")
        text, count = _TERM.subn(term, text)
        if not count:
            return text
    raise ValueError(f"{where}: terms refer to each other in a circle")


def _word_pattern(sources: Iterable[str], terms: Mapping, where: str,
                  left_bounded: bool = True) -> re.Pattern:
    """One pattern matching any of `sources` as whole words.

    Phrase patterns leave the left word boundary to `scan`: a pattern that starts with a
    look-behind loses the regex engine's first-character shortcut and scans a long message
    about thirty times slower."""
    body = "|".join(f"(?:{_expand(s, terms, where)})" for s in sources)
    if not body:
        return _NEVER
    try:
        return re.compile(rf"(?<!\w)(?:{body})(?!\w)" if left_bounded else rf"(?:{body})(?!\w)")
    except re.error as error:
        raise ValueError(f"{where}: bad pattern {body!r} ({error})") from None


def _spellings(raw: Mapping) -> dict[str, str]:
    table = {}
    for canonical, variants in raw.items():
        for variant in variants or []:
            table[_APOSTROPHES.sub("", str(variant).lower()).strip()] = str(canonical)
    return table


def _spelling_pattern(table: Mapping[str, str]) -> re.Pattern:
    """Variants that are not one plain word ("can not", "w/o", "&"); plain words are looked
    up word by word in `normalise`, which is much faster on long messages."""
    def right(variant: str) -> str:
        return re.escape(variant) + (r"(?!\w)" if variant[-1].isalnum() else "")

    variants = sorted((v for v in table if v and not v.isalpha()), key=len, reverse=True)
    words = [right(v) for v in variants if v[0].isalnum()]
    others = [right(v) for v in variants if not v[0].isalnum()]
    # one left-boundary check for all word-like variants: 6x faster than one per variant
    branches = ([r"(?<!\w)(?:" + "|".join(words) + ")"] if words else []) + others
    return re.compile("|".join(branches)) if branches else _NEVER



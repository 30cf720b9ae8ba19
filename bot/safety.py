"""Safety screen: red flags and cautions in what a client writes, decided by phrase rules.

The emergency path must not rest on the NLU model alone, so this is a plain rule layer over the
client's own words. What a practice may change (phrases, cues, the surgery window, messages)
lives in data/safety.yml; this module only knows how to apply it. It never diagnoses: it says
what to do next.

    result = screen("my chest feels tight and i cant catch my breath")
    result.outcome   -> "urgent"; result.messages[0] says to call 911

`SafetyResult.evidence` holds the client's matched words: health data, never log it.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from bot.text import WordRepair, common_english_words, plain_lower

DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "data" / "safety.yml"

#: Screening outcomes, lowest priority first.
OUTCOMES = ("book", "therapist_review", "clearance_needed", "urgent")
#: A flag's outcome in the rules file -> the screening outcome it leads to.
FLAG_OUTCOMES = {"urgent": "urgent", "clearance_needed": "clearance_needed",
                 "reschedule": "clearance_needed", "therapist_review": "therapist_review"}
DEFAULT_SETTINGS = {"surgery_clearance_weeks": 6, "fever_free_hours": 24,
                    "negation_window_words": 6, "historical_after_window_words": 3,
                    "all_of_window_chars": 160}

_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`\u00b4]")
_NOT_KEPT = re.compile(r"[^\w\s.,!?;:]|_")
#: _NOT_KEPT as a translation table, for ASCII text (translate is fast only on ASCII).
_PUNCTUATION_TO_SPACE = {ord(c): " " for c in "\"#$%&'()*+-/<=>@[\\]^_`{|}~"}
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z]+")
_WORD_SPLIT = re.compile(r"([a-z]+)")
#: Email addresses and links name no symptom ("stroke.of.luck@gmail.com").
_ADDRESSES = re.compile(r"\S+@\S+\.\w+|https?://\S+|www\.\S+")
_CLAUSE_BREAK = re.compile(r"[.!?;]+(?=\s|$)|\s(?:but|however|although|though)(?=\s|$)")
_PART_BREAK = re.compile(r",|\s(?:and|plus|also|then)(?=\s)")
_LIST_WORD = re.compile(r"(?<!\w)(?:or|nor)(?!\w)")
_LIST_AFTER = re.compile(r"\s*,?\s*(?:or|nor)(?!\w)")
_TERM = re.compile(r"@(\w+)")
_GAP, _GAP_REGEX = " ~ ", r" (?:\S+ ){0,3}"
_NEVER = re.compile(r"(?!x)x")
#: How far back (characters) cues are looked for; keeps long unpunctuated messages fast.
_LOOKBACK = 300

_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                 "twelve": 12, "few": 3, "a few": 3, "couple": 2, "a couple": 2,
                 "couple of": 2, "a couple of": 2, "several": 3}
_WEEKS_PER_UNIT = {"d": 1 / 7, "w": 1.0, "m": 4.35, "y": 52.0}


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class SafetyResult:
    """What the screen decided for one message (or, merged, a whole conversation)."""

    outcome: str = "book"  #: book | therapist_review | clearance_needed | urgent
    red_flags: list[str] = field(default_factory=list)  #: stop an immediate booking
    cautions: list[str] = field(default_factory=list)  #: booking goes on after therapist review
    messages: list[str] = field(default_factory=list)  #: what the bot says next, in order
    emergency: bool = False  #: outcome is urgent: the very next message is the help message
    reschedule: bool = False  #: clearance_needed because of fever/infection: come back recovered
    evidence: dict[str, str] = field(default_factory=dict)  #: flag id -> matched words (never log)
    #: emergency flags said without a sign they are happening now: ask "is this happening now?"
    checks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain data for a slot or JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> "SafetyResult":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


# --------------------------------------------------------------------------- rules

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


@dataclass(frozen=True)
class Cues:
    """Compiled cue lists that decide whether a phrase match is about the client, now."""

    negation: re.Pattern
    pseudo_negation: re.Pattern
    scope_breakers: re.Pattern
    answer_negation: tuple[re.Pattern, ...]
    historical: re.Pattern
    still_current: re.Pattern
    hypothetical: re.Pattern
    other_person: re.Pattern
    first_person: re.Pattern
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


def load_safety_rules(path: str | Path | None = None) -> SafetyRules:
    """The rules in `path` (default data/safety.yml), read again only when the file changes."""
    resolved = Path(path or DEFAULT_RULES_PATH).resolve()
    stat = resolved.stat()
    return _load_cached(str(resolved), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _load_cached(path: str, _mtime_ns: int, _size: int) -> SafetyRules:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top")
    return build_rules(data, source=path)


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
    return SafetyRules(source, settings, messages, flags, _build_cues(data, terms, source),
                       spellings, _spelling_pattern(spellings), WordRepair(_vocabulary(data)),
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


def _build_flag(entry: Mapping, terms: Mapping, messages: Mapping, source: str) -> Flag:
    fid = entry.get("id")
    where = f"{source}: flag {fid}"
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
    return Flag(fid, outcome, message, bool(entry.get("counts_when_historical", False)),
                bool(entry.get("uses_surgery_window", False)), phrases, checks)


def _build_phrase(phrase, terms: Mapping, where: str) -> tuple[re.Pattern, ...]:
    parts = phrase["all"] if isinstance(phrase, Mapping) else [phrase]
    return tuple(_word_pattern([part], terms, where, left_bounded=False) for part in parts)


def _build_cues(data: Mapping, terms: Mapping, source: str) -> Cues:
    people = data.get("historical_or_other_person_cues") or {}

    def words(items, name):
        return _word_pattern(items or [], terms, f"{source}: {name}")

    return Cues(
        negation=words(data.get("negation_cues"), "negation_cues"),
        pseudo_negation=words(data.get("pseudo_negation_cues"), "pseudo_negation_cues"),
        scope_breakers=words(data.get("negation_scope_breakers"), "negation_scope_breakers"),
        answer_negation=tuple(re.compile(_expand(p, terms, source))
                              for p in data.get("answer_negation") or []),
        historical=words(people.get("historical"), "historical"),
        still_current=words(people.get("still_current"), "still_current"),
        hypothetical=words(people.get("hypothetical"), "hypothetical"),
        other_person=words(people.get("other_person"), "other_person"),
        first_person=words(people.get("first_person"), "first_person"),
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

    Phrase patterns leave the left word boundary to `_scan`: a pattern that starts with a
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


# --------------------------------------------------------------------------- text

def normalise(text: str, rules: SafetyRules) -> str:
    """Plain lowercase letters (bot.text), words mended, SMS spellings expanded, punctuation
    kept only at clause ends."""
    text = plain_lower(text)
    if "@" in text or "http" in text or "www." in text:
        text = _ADDRESSES.sub(" ", text)
    text = " ".join(text.split())
    text = rules.spelling_pattern.sub(lambda m: rules.spellings[m.group(0)], text)
    parts = _WORD_SPLIT.split(text)  # words at the odd places
    parts[1::2] = [_plain_word(word, rules) for word in parts[1::2]]
    text = "".join(parts)
    text = _NOT_KEPT.sub(" ", text) if not text.isascii() else text.translate(_PUNCTUATION_TO_SPACE)
    return " ".join(text.split())


def _plain_word(word: str, rules: SafetyRules) -> str:
    """A word mended (bot.text.WordRepair) and its SMS spelling expanded; cached per rules."""
    cache = rules.word_cache
    found = cache.get(word)
    if found is None:
        if len(cache) > 50000:
            cache.clear()
        repaired = rules.word_repair.repair_word(word)
        found = cache[word] = rules.spellings.get(word) or rules.spellings.get(repaired, repaired)
    return found


@dataclass(frozen=True)
class _Message:
    """A normalised message with its clauses and the spans that exclusions cover."""

    text: str
    clauses: tuple[tuple[int, int], ...]
    excluded: tuple[tuple[int, int], ...]
    for_someone_else: bool
    #: how often each required string (`_required_factors`) occurs in the text
    factor_counts: dict = field(default_factory=dict, compare=False)
    clause_starts: tuple[int, ...] = ()
    #: each distinct word once: a string not found here is in no word of the text
    distinct_words: str = ""
    #: what is worked out about this message once, when first needed: "words" (word ->
    #: where it starts, and the words sorted), ("starts", first strings), ("spans", pattern),
    #: "checked" (whether it says a doctor already checked it)
    memo: dict = field(default_factory=dict, compare=False)


def _prepare(text: str, rules: SafetyRules) -> _Message:
    clean = normalise(text, rules)
    clauses = _clause_spans(clean)
    msg = _Message(clean, clauses, (), bool(rules.cues.booking_for_someone_else.search(clean)),
                   clause_starts=tuple(c[0] for c in clauses),
                   distinct_words="\n".join(set(clean.split())) if len(clean) > 4 * _MATCH_REACH
                   else clean)
    excluded = tuple(sorted(m.span() for p in rules.cues.exclusions
                            for window in _windows(p, msg) for m in _scan(p, msg, *window)))
    return replace(msg, excluded=excluded, factor_counts=msg.factor_counts)


def _clause_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans, start = [], 0
    for brk in _CLAUSE_BREAK.finditer(text):
        spans.append((start, brk.start()))
        start = brk.end()
    spans.append((start, len(text)))
    return tuple((s, e) for s, e in spans if text[s:e].strip())


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# --------------------------------------------------------------------------- is it current?

def _survives(match: re.Match, clause: tuple[int, int], msg: _Message, flag: Flag,
              rules: SafetyRules) -> bool:
    """A match counts unless excluded, negated, about someone else, or over/hypothetical."""
    if any(_overlaps(match.span(), span) for span in msg.excluded):
        return False
    return not (_negated(match, clause, msg, rules)
                or _about_someone_else(match, clause, msg, rules)
                or _not_current(match, clause, msg, flag, rules))


def _negated(match: re.Match, clause: tuple[int, int], msg: _Message, rules: SafetyRules) -> bool:
    cues, text = rules.cues, msg.text
    start = _lookback_start(clause, match)
    before = text[start:match.start()]
    pseudo = [m.span() for m in cues.pseudo_negation.finditer(
        text[start:min(clause[1], match.end() + _LOOKBACK)])]
    real = [c for c in cues.negation.finditer(before)
            if not any(s <= c.start() and c.end() <= e for s, e in pseudo)]
    if real and _negation_reaches(before[real[-1].end():], text[match.end():clause[1]], rules):
        return True
    rest = text[match.end():match.end() + 80]
    return any(p.match(rest) for p in cues.answer_negation)


def _lookback_start(clause: tuple[int, int], match: re.Match) -> int:
    return max(clause[0], match.start() - _LOOKBACK)


def _negation_reaches(gap: str, after: str, rules: SafetyRules) -> bool:
    """Whether a cue still negates a match `gap` later ("no, i have ..." does not)."""
    cues = rules.cues
    if len(gap.split()) > rules.settings["negation_window_words"] or gap.lstrip().startswith(","):
        return False
    if cues.scope_breakers.search(gap) or cues.first_person.search(gap):
        return False
    in_a_list = _LIST_WORD.search(gap) or _LIST_AFTER.match(after)
    return "," not in gap or bool(in_a_list)


def _about_someone_else(match: re.Match, clause: tuple[int, int], msg: _Message,
                        rules: SafetyRules) -> bool:
    """'my dad had a stroke': someone else is the subject and the client is not named after."""
    if msg.for_someone_else:
        return False
    before = msg.text[_lookback_start(clause, match):match.start()]
    cues = list(rules.cues.other_person.finditer(before))
    if not cues:
        return False
    return not rules.cues.first_person.search(before[cues[-1].end():] + " " + match.group(0))


def _not_current(match: re.Match, clause: tuple[int, int], msg: _Message, flag: Flag,
                 rules: SafetyRules) -> bool:
    """Over and done, or only a 'what if', with nothing nearby saying it is happening now."""
    part = _part_span(msg.text, clause, match)
    following = _following_part(msg.text, clause, part[1])
    hypothetical = _hypothetical(match, clause, msg, rules)
    over = not flag.counts_when_historical and _said_to_be_over(match, part, following, msg, rules)
    if not (hypothetical or over):
        return False
    return not _said_to_be_current(msg.text, part[0], (following or part)[1], rules.cues)


def _hypothetical(match: re.Match, clause: tuple[int, int], msg: _Message,
                  rules: SafetyRules) -> bool:
    before = msg.text[_lookback_start(clause, match):match.start()]
    return any(len(before[c.end():].split()) <= rules.settings["negation_window_words"]
               and "," not in before[c.end():]
               for c in rules.cues.hypothetical.finditer(before))


def _part_span(text: str, clause: tuple[int, int], match: re.Match) -> tuple[int, int]:
    """The comma/'and' part of the clause that holds the match (at most _LOOKBACK around it)."""
    first = _lookback_start(clause, match)
    last = min(clause[1], match.end() + _LOOKBACK)
    start = max([b.end() for b in _PART_BREAK.finditer(text, first, match.start())], default=first)
    after = _PART_BREAK.search(text, match.end(), last)
    return start, after.start() if after else last


def _following_part(text: str, clause: tuple[int, int], part_end: int) -> tuple | None:
    """(start, end, after_a_comma) of the part after `part_end` in the clause, if any."""
    brk = _PART_BREAK.match(text, part_end, clause[1])
    if not brk:
        return None
    last = min(clause[1], brk.end() + _LOOKBACK)
    nxt = _PART_BREAK.search(text, brk.end(), last)
    return brk.end(), nxt.start() if nxt else last, brk.group(0) == ","


def _said_to_be_over(match: re.Match, part: tuple[int, int], following: tuple | None,
                     msg: _Message, rules: SafetyRules) -> bool:
    """A historical cue before the match in its part, just after it ("a stroke years ago"), or
    opening the next comma part ("on blood thinners, stopped in 2019")."""
    text, reach = msg.text, rules.settings["historical_after_window_words"]
    for cue in rules.cues.historical.finditer(text, *part):
        if cue.start() < match.end() or len(text[match.end():cue.start()].split()) <= reach:
            return True
    if following and following[2]:
        cue = rules.cues.historical.search(text, following[0], following[1])
        if cue and len(text[following[0]:cue.start()].split()) <= 2:
            return True
    return _next_clause_says_over(part[1], msg, rules)


def _next_clause_says_over(end: int, msg: _Message, rules: SafetyRules) -> bool:
    """"... suicidal thoughts during my divorce, but that was years ago": the next sentence
    points back at the match and says it is over."""
    i = bisect.bisect_left(msg.clause_starts, end)
    if i >= len(msg.clauses):
        return False
    start, stop = msg.clauses[i]
    head = msg.text[start:stop].lstrip()
    if not rules.cues.refers_back.match(head):
        return False
    cue = rules.cues.historical.search(head)
    return bool(cue) and len(head[:cue.start()].split()) <= 6


def _said_to_be_current(text: str, start: int, end: int, cues: Cues) -> bool:
    """A 'now'/'again'/'still' that is not part of an 'over' phrase ('all good now')."""
    over = [m.span() for m in cues.historical.finditer(text, start, end)]
    return any(not any(_overlaps(m.span(), span) for span in over)
               for m in cues.still_current.finditer(text, start, end))


# --------------------------------------------------------------------------- finding flags

def _required_factors(pattern: re.Pattern) -> tuple[tuple[str, ...], ...]:
    """Sets of strings such that every match of `pattern` contains one string of each set.

    Read off the parsed regex: a sequence needs what each of its items needs, a branch needs
    one of what its alternatives need. `_windows` uses the set that is rarest in the message
    to skip the long stretches where the pattern cannot match."""
    import sre_constants as c
    import sre_parse

    def options(items) -> list[set[str]]:
        found, run = [], ""
        for op, av in items:
            if op is c.LITERAL:
                run += chr(av)
                continue
            if run:
                found.append({run})
                run = ""
            if op is c.SUBPATTERN:
                found.append(best(options(av[3])))
            elif op is c.BRANCH:
                alts = [best(options(branch)) for branch in av[1]]
                found.append(set().union(*alts) if all(alts) else None)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
                found.append(best(options(av[2])))
            elif op is c.IN:
                found.append(_digit_class(av))
        if run:
            found.append({run})
        return [o for o in found if o and all(len(f) >= 2 or f.isdigit() for f in o)]

    def best(found: list[set[str]]) -> set[str] | None:
        """The set most likely to be rare: no common English word, then the longest."""
        return max(found, key=lambda o: (not any(f.strip() in common for f in o),
                                         min(len(f) + 3 * f.isdigit() for f in o), -len(o)),
                   default=None)

    common = common_english_words()

    try:
        return tuple(tuple(sorted(o)) for o in options(sre_parse.parse(pattern.pattern)))
    except Exception:  # an unusual construct: no shortcut, scan everything
        return ()


def _digit_class(items) -> set[str] | None:
    """The digits a character class of digits only stands for ("[1-4]", "\\d"), else None."""
    import sre_constants as c

    chars: set[str] = set()
    for op, av in items:
        if op is c.LITERAL and chr(av).isdigit():
            chars.add(chr(av))
        elif op is c.RANGE and chr(av[0]).isdigit() and chr(av[1]).isdigit():
            chars.update(chr(n) for n in range(av[0], av[1] + 1))
        elif op is c.CATEGORY and av is c.CATEGORY_DIGIT:
            chars.update("0123456789")
        else:
            return None
    return chars or None


_FACTORS: dict[re.Pattern, tuple[tuple[str, ...], ...]] = {}
#: A match is never longer than this many characters around one of its required strings.
_MATCH_REACH = 160
#: Up to this many word starts to try, a pattern is tried at each rather than narrowed first.
_FEW_STARTS = 5000


def _windows(pattern: re.Pattern, msg: "_Message",
             within: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Stretches of the message where `pattern` may match (all of it when short or unsure).

    A match holds one string of every required set (`_required_factors`) and reaches at most
    _MATCH_REACH characters around each, so it lies where the sets' neighbourhoods overlap:
    start from the rarest set and narrow by the others while that stays cheap."""
    text = msg.text
    everything = [(0, len(text))]
    if pattern not in _FACTORS:
        _FACTORS[pattern] = _required_factors(pattern)
    if not _FACTORS[pattern] or len(text) <= 4 * _MATCH_REACH:
        return _intersect(everything, within) if within is not None else everything
    windows = _intersect(everything, within) if within is not None else everything
    starts = _candidate_starts(pattern, msg)
    if starts is not None and len(starts) <= _FEW_STARTS:  # few places to try: no narrowing
        return windows
    options = sorted(_FACTORS[pattern], key=lambda o: sum(_count(f, msg) for f in o))
    for n, option in enumerate(options):
        if n and sum(_count(f, msg) for f in option) > 8 * len(windows) + 64:
            break
        windows = _intersect(windows, _merged(
            (max(at - _MATCH_REACH, 0), min(at + len(f) + _MATCH_REACH, len(text)))
            for f in option for at in _positions(f, msg)))
        if not windows:
            break
    return windows


def _count(factor: str, msg: "_Message") -> int:
    """How common `factor` is: exact for strings with a space, else the number of distinct
    words holding it (only used to rank sets; the windows come from `_positions`)."""
    counts = msg.factor_counts
    if factor not in counts:
        counts[factor] = (msg.text if " " in factor else msg.distinct_words).count(factor)
    return counts[factor]


def _positions(factor: str, msg: "_Message") -> list[int]:
    key = ("at", factor)
    if key not in msg.factor_counts:
        found, at = [], msg.text.find(factor) if _count(factor, msg) else -1
        while at != -1:
            found.append(at)
            at = msg.text.find(factor, at + 1)
        msg.factor_counts[key] = found
    return msg.factor_counts[key]


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The overlap of two sorted lists of disjoint spans."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _scan(pattern: re.Pattern, msg: "_Message", start: int = 0, end: int | None = None):
    """pattern.finditer, keeping only matches that start at the beginning of a word.

    On a long message a pattern whose every match begins with one of a few known strings
    (`_first_strings`) is only tried where a word starts with one of them."""
    text = msg.text
    end = len(text) if end is None else end
    starts = _candidate_starts(pattern, msg, start, end) if len(text) > 4 * _MATCH_REACH else None
    if starts is not None:
        reached = start
        for at in starts:
            if at < reached:
                continue
            match = pattern.match(text, at, end)
            if match:
                yield match
                reached = max(match.end(), at + 1)
        return
    pos = start
    while pos <= end:
        match = pattern.search(text, pos, end)
        if match is None:
            return
        if match.start() > 0 and (text[match.start() - 1].isalnum()
                                  or text[match.start() - 1] == "_"):
            pos = match.start() + 1
            continue
        yield match
        pos = match.end() if match.end() > match.start() else match.start() + 1


_FIRST: dict[re.Pattern, frozenset[str] | None] = {}
_TOKEN = re.compile(r"\w+")


def _first_strings(pattern: re.Pattern) -> frozenset[str] | None:
    """Strings one of which every match starts with, read off the parsed regex; None when
    a match may start with anything (a class, `\\S+`, an empty alternative)."""
    import sre_constants as c
    import sre_parse

    def first(items) -> set[str] | None:
        run = ""
        for n, (op, av) in enumerate(items):
            if op is c.LITERAL:
                run += chr(av)
                continue
            if run:
                return {run}
            if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
                continue
            if op is c.SUBPATTERN:
                return first(list(av[3]) + list(items[n + 1:]))
            if op is c.BRANCH:
                found = [first(list(alt) + list(items[n + 1:])) for alt in av[1]]
                return set().union(*found) if all(found) else None
            if op is c.IN:
                return _digit_class(av)
            if op in (c.MAX_REPEAT, c.MIN_REPEAT):
                head = first(list(av[2]) + list(items[n + 1:]))
                if av[0] >= 1 or head is None:
                    return head
                rest = first(items[n + 1:])
                return head | rest if rest else None
            return None
        return {run} if run else None

    if pattern not in _FIRST:
        try:
            found = first(list(sre_parse.parse(pattern.pattern)))
        except Exception:  # an unusual construct: search everywhere
            found = None
        usable = found and all(f[:1].isalnum() for f in found)
        _FIRST[pattern] = frozenset(found) if usable else None
    return _FIRST[pattern]


def _word_index(msg: "_Message") -> tuple[dict[str, list[int]], list[str]]:
    """word -> its start positions, and the words sorted. The text is normalised: words are
    split by single spaces, with punctuation only here and there."""
    if "words" not in msg.memo:
        index: dict[str, list[int]] = {}
        at = 0
        for token in msg.text.split(" "):
            if token.isalnum():
                index.setdefault(token, []).append(at)
            else:
                for word in _TOKEN.finditer(token):
                    index.setdefault(word.group(0), []).append(at + word.start())
            at += len(token) + 1
        msg.memo["words"] = index, sorted(index)
    return msg.memo["words"]


def _candidate_starts(pattern: re.Pattern, msg: "_Message", start: int = 0,
                      end: int | None = None) -> list | None:
    """Word starts in [start, end) whose word can begin a match, in order; None: try all."""
    strings = _first_strings(pattern)
    if strings is None:
        return None
    key = ("starts", strings)  # patterns that start alike share one list
    if key not in msg.memo:
        index, words = _word_index(msg)
        found: set[int] = set()
        for string in strings:
            head, spaced = string.split(" ", 1)[0], " " in string
            i = bisect.bisect_left(words, head)
            while i < len(words) and words[i].startswith(head):
                if not spaced or words[i] == head:
                    found.update(index[words[i]])
                i += 1
        msg.memo[key] = sorted(found)
    every = msg.memo[key]
    if start == 0 and end is None:
        return every
    return every[bisect.bisect_left(every, start):bisect.bisect_left(every, end)]


def _survivors(pattern: re.Pattern, msg: _Message, flag: Flag, rules: SafetyRules,
               within: list[tuple[int, int]] | None = None):
    """Matches inside one clause that are about the client, now, in order, found lazily (the
    first one is often all a flag needs). One pass over the message; a match that runs across
    a clause break is looked for again inside each clause it touches (rare)."""
    starts, seen = msg.clause_starts, set()
    matches = (m for window in _windows(pattern, msg, within)
               for m in _scan(pattern, msg, *window))
    for match in matches:
        i = max(bisect.bisect_right(starts, match.start()) - 1, 0)
        clause = msg.clauses[i] if msg.clauses else (0, len(msg.text))
        if match.end() <= clause[1]:
            if match.span() not in seen and _survives(match, clause, msg, flag, rules):
                seen.add(match.span())
                yield match
            continue
        for other in msg.clauses[i:]:
            if other[0] >= match.end():
                break
            for m in _scan(pattern, msg, *other):
                if m.span() not in seen and _survives(m, other, msg, flag, rules):
                    seen.add(m.span())
                    yield m


def _phrase_span(parts: tuple[re.Pattern, ...], msg: _Message, flag: Flag,
                 rules: SafetyRules) -> tuple[int, int] | None:
    """Where every part of the phrase is found close together (linear in the message)."""
    if len(parts) == 1:
        first = next(_survivors(parts[0], msg, flag, rules), None)
        return first.span() if first else None
    window = rules.settings["all_of_window_chars"]
    near = None  # every part lies within `window` of every other part's match
    for part in parts:
        spans = _raw_spans(part, msg) if near is None else [
            m.span() for w in _windows(part, msg, near) for m in _scan(part, msg, *w)]
        if not spans:
            return None
        near = _merged((max(s - window, 0), e + window) for s, e in spans)
    found = []
    for part in parts:
        found.append(list(_survivors(part, msg, flag, rules, near)))
        if not found[-1]:
            return None
    starts = [[m.start() for m in ms] for ms in found[1:]]
    for anchor in found[0]:
        combo = [anchor]
        for ms, ss in zip(found[1:], starts):
            i = bisect.bisect_left(ss, anchor.start())
            near = [ms[j] for j in (i - 1, i) if 0 <= j < len(ms)]
            combo.append(min(near, key=lambda m: abs(m.start() - anchor.start())))
        start, end = min(m.start() for m in combo), max(m.end() for m in combo)
        if end - start <= window:
            return start, end
    return None


def _raw_spans(pattern: re.Pattern, msg: _Message) -> list[tuple[int, int]]:
    """Every match's span, once per message (phrases of one flag often share their first part)."""
    key = ("spans", pattern)
    if key not in msg.memo:
        msg.memo[key] = [m.span() for w in _windows(pattern, msg) for m in _scan(pattern, msg, *w)]
    return msg.memo[key]


def _clause_of(msg: _Message, span: tuple[int, int]) -> tuple[int, int]:
    starts = msg.clause_starts
    i = max(bisect.bisect_right(starts, span[0]) - 1, 0)
    first = msg.clauses[i] if msg.clauses else (0, len(msg.text))
    last = next((c for c in msg.clauses[i:] if c[1] >= span[1]), first)
    return first[0], last[1]


def _acute(msg: _Message, span: tuple[int, int], rules: SafetyRules) -> bool:
    return bool(rules.cues.acute.search(msg.text, *_clause_of(msg, span)))


def _ongoing(msg: _Message, span: tuple[int, int], rules: SafetyRules) -> bool:
    return bool(rules.cues.ongoing.search(msg.text, *_clause_of(msg, span)))


def _episodic(msg: _Message, span: tuple[int, int], rules: SafetyRules) -> bool:
    """Said as coming and going or earlier (in its part of the sentence), or already seen
    by a doctor (anywhere in the message)."""
    clause = _clause_of(msg, span)
    first = max([b.end() for b in _PART_BREAK.finditer(msg.text, clause[0], span[0])],
                default=clause[0])
    after = _PART_BREAK.search(msg.text, span[1], clause[1])
    if rules.cues.episodic.search(msg.text, first, after.start() if after else clause[1]):
        return True
    if "checked" not in msg.memo:  # once per message: it reads the whole text
        msg.memo["checked"] = bool(rules.cues.checked.search(msg.text))
    return msg.memo["checked"]


def _recent_surgery_evidence(flag: Flag, msg: _Message, rules: SafetyRules) -> str | None:
    """Dated mentions count inside the window; undated ones ("just had surgery") always."""
    matches = [m for parts in flag.phrases for m in _survivors(parts[0], msg, flag, rules)]
    dated = [m for m in matches if m.groupdict().get("unit")]
    window = rules.settings["surgery_clearance_weeks"]
    for m in dated:
        if 0 <= _weeks_ago(m) <= window:
            return m.group(0)
    for m in matches:
        undated = not m.groupdict().get("unit")
        if undated and not any(_overlaps(m.span(), d.span()) for d in dated):
            return m.group(0)
    return None


def _weeks_ago(match: re.Match) -> float:
    amount_text = (match.groupdict().get("n") or "1").strip()
    try:
        amount = float(amount_text)
    except ValueError:
        amount = _NUMBER_WORDS.get(amount_text, 1)
    return amount * _WEEKS_PER_UNIT.get(match.group("unit")[0], 1.0)


def _find(flag: Flag, msg: _Message, rules: SafetyRules) -> tuple[str | None, bool]:
    """(matched words, whether only to ask "is this happening now?")."""
    if flag.uses_surgery_window:
        return _recent_surgery_evidence(flag, msg, rules), False
    check = None
    for parts in flag.phrases:
        span = _phrase_span(parts, msg, flag, rules)
        if span is None:
            continue
        if flag.outcome == "urgent" and _episodic(msg, span, rules) \
                and not (_acute(msg, span, rules) or _ongoing(msg, span, rules)):
            check = check or span
            continue
        return msg.text[span[0]:span[1]], False
    for parts in flag.check_phrases:
        span = _phrase_span(parts, msg, flag, rules)
        if span is None:
            continue
        if _acute(msg, span, rules) and not _episodic(msg, span, rules):
            return msg.text[span[0]:span[1]], False
        check = check or span
    return (msg.text[check[0]:check[1]], True) if check else (None, False)


def _surgery_weeks_from_facts(facts: Mapping | None) -> float | None:
    """Weeks since surgery from structured answers; None when unknown or unreadable."""
    if not isinstance(facts, Mapping):
        return None
    if facts.get("surgery_weeks_ago") is not None:
        try:
            return float(facts["surgery_weeks_ago"])
        except (TypeError, ValueError):
            return None
    when = _as_date(facts.get("surgery_date"))
    if when is None:
        return None
    today = _as_date(facts.get("today")) or date.today()
    return (today - when).days / 7


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------- deciding

def screen(text: str, facts: Mapping | None = None,
           rules: SafetyRules | None = None) -> SafetyResult:
    """Screen one client message (plus structured answers such as the surgery date)."""
    rules = rules or load_safety_rules()
    msg = _prepare(text, rules)
    evidence, checks = {}, {}
    for flag in rules.flags:
        found, check = _find(flag, msg, rules)
        if found:
            (checks if check else evidence)[flag.id] = found
    weeks = _surgery_weeks_from_facts(facts)
    if weeks is not None and 0 <= weeks <= rules.settings["surgery_clearance_weeks"]:
        evidence.setdefault("recent_surgery", "surgery date")
    return _decide(evidence, rules, checks)


def safety_message(key: str, rules: SafetyRules | None = None) -> str:
    """A message from data/safety.yml `messages` (the practice's wording)."""
    return (rules or load_safety_rules()).messages[key]


def answer_to_check(text: str, rules: SafetyRules | None = None) -> str | None:
    """"yes", "no" or None for an answer to "is this happening now, or new or worse?"."""
    rules = rules or load_safety_rules()
    clean = normalise(text, rules)
    for kind, answer in (("not_now_first", "no"), ("now", "yes"), ("not_now", "no")):
        if rules.check_answers[kind].search(clean):
            return answer
    return None


def merge_results(results: Iterable[SafetyResult | Mapping],
                  rules: SafetyRules | None = None) -> SafetyResult:
    """One result for a conversation: every flag any message raised, the highest outcome."""
    rules = rules or load_safety_rules()
    evidence: dict[str, str] = {}
    checks: dict[str, str] = {}
    for result in results:
        if isinstance(result, Mapping):
            result = SafetyResult.from_dict(result)
        for fid in [*result.red_flags, *result.cautions]:
            evidence.setdefault(fid, result.evidence.get(fid, ""))
        for fid in result.checks:
            checks.setdefault(fid, result.evidence.get(fid, ""))
    return _decide(evidence, rules, checks)


def _decide(evidence: Mapping[str, str], rules: SafetyRules,
            checks: Mapping[str, str] | None = None) -> SafetyResult:
    """Precedence: urgent > clearance_needed (incl. reschedule) > therapist_review > book.

    Checks are kept only while nothing already says it is an emergency."""
    flags = [flag for flag in rules.flags if flag.id in evidence]
    checks = {} if any(f.outcome == "urgent" for f in flags) else dict(checks or {})
    outcome = max((FLAG_OUTCOMES[f.outcome] for f in flags), key=OUTCOMES.index, default="book")
    deciding = [f for f in flags if FLAG_OUTCOMES[f.outcome] == outcome]
    messages = list(dict.fromkeys(rules.messages[f.message] for f in deciding))
    return SafetyResult(
        outcome=outcome,
        red_flags=[f.id for f in flags if f.outcome != "therapist_review"],
        cautions=[f.id for f in flags if f.outcome == "therapist_review"],
        messages=messages,
        emergency=outcome == "urgent",
        reschedule=any(f.outcome == "reschedule" for f in deciding),
        evidence={**{f.id: evidence[f.id] for f in flags},
                  **{fid: words for fid, words in checks.items() if fid not in evidence}},
        checks=[f.id for f in rules.flags if f.id in checks and f.id not in evidence],
    )

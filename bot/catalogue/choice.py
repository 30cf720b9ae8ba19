"""Which appointment type a client picked, in their own words ("2", "the first one",
"lymphatic 90", "the cheaper one"), among the types the conversation listed."""
from __future__ import annotations

import difflib
import re
from typing import Iterable, Sequence

from .menu import (AppointmentType, family_phrases, load_catalogue,
                   normalise_choice_text)


_ORDINAL_WORDS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
    "fourth": 4, "4th": 4, "fifth": 5, "5th": 5, "last": -1,
}
_ORDINAL_FOLLOWERS = frozenset({"one", "ones", "option", "choice", "type", "kind"})
_NOT_A_PICK_BEFORE = frozenset({"it", "them", "that", "this", "was", "is", "came", "comes",
                                "listed", "put", "mentioned", "said", "shown", "showed"})
_CARDINALS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_NUMBER = r"(\d+|one|two|three|four|five)"
_OPTION_PATTERN = re.compile(rf"(?:option|number|choice|#)\s*{_NUMBER}\b|\bno\s*(\d+)\b")
# Words that may surround a bare "2" or "two" without making it something else.
_FILLERS = frozenset(
    "the a please pls plz ok okay i ll id d take want go with like lets let s do um uh yes "
    "yeah yep sure thanks thank you will be sounds good great i m im guess think suppose maybe "
    "then probably prob lol".split()
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
    # (a sentence's end also ends it: "prenatal not myofascial. the 60 min is fine")
    normalised = _NOT_THIS.sub(" ", _not_named(
        normalise_choice_text(_NOT_THIS_SAID.sub(" ", text or "")), known))
    normalised = _BODY_NOT_TREATMENT.sub(" ", normalised)

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

_NOT_THIS_SAID = re.compile(r"\b(?:not|rather than|instead of)\s+(?:the\s+)?(?:[a-z]+\s*){1,5}?"
                            r"(?=[.;!?]|,\s*(?:the|i|its|it's|a)\b)", re.IGNORECASE)

#: A treatment's alias inside words about the body: "they took some lymph nodes out" names
#: no lymphatic drainage (a client-style test picked it from that).
_BODY_NOT_TREATMENT = re.compile(r"\blymph\s*(?:nodes?|glands?|system|vessels?)\b")

_NOT_BEFORE = re.compile(r"\b(?:not|rather than|instead of)\s+(?:the\s+)?")


def _not_named(text: str, known: list[AppointmentType]) -> str:
    """The text without a treatment named right after 'not' ("prenatal not myofascial release
    please", "not myofascial the 60 min prenatal"), whatever follows it: the words of that
    treatment's name that follow one another."""
    phrases = family_phrases(known)
    for match in reversed(list(_NOT_BEFORE.finditer(text))):
        after = text[match.end():].split()
        family = next((f for f, found in phrases.items() if after
                       and any(_phrase_in(p, after[:len(p)]) for p in found)), None)
        if family is None:
            continue
        taken = 0
        while taken < len(after) and (after[taken] == "massage" or any(
                _phrase_in(p, after[taken:taken + len(p)]) for p in phrases[family])):
            taken += max(1, next((len(p) for p in phrases[family]
                                  if _phrase_in(p, after[taken:taken + len(p)])), 1))
        text = text[:match.start()] + " " + " ".join(after[taken:])
    return " ".join(text.split())


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
    best = _compared_best(normalise_choice_text(text), offered)
    return best if len(best) > 1 else []


def _unique_types(types: Iterable[AppointmentType]) -> list[AppointmentType]:
    return list({t.id: t for t in reversed(list(types))}.values())[::-1]


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
        # "the second", "first one", "2nd please" - but not "my first time", nor "u listed
        # it first" (where it was in the list, asked about)
        if before in _NOT_A_PICK_BEFORE:
            continue
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


def _named_family(
    words: list[str], known: list[AppointmentType], offered: list[AppointmentType]
) -> str | None:
    """The treatment the words name best; '' when two are named equally and the offer
    does not settle it, None when none is named."""
    phrases = family_phrases(known)
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


def length_named(text: str) -> int | None:
    """The length a message names in minutes ("the 90 minute one", "an hour and a half"),
    among the menu's lengths for a bare number; None when it names none."""
    minutes, _ = _take_minutes(normalise_choice_text(text), {t.minutes for t in load_catalogue()})
    return minutes


def length_not_offered(text: str, current: Sequence[AppointmentType]
                       ) -> tuple[AppointmentType, list[int]] | None:
    """A length the treatment lacks ("the 90 minute one" for a prenatal massage, which comes
    in 60 minutes only; "a prenatal 90"): the treatment meant (the one named, else the one
    chosen) in its usual length and the lengths it comes in; None when the length exists or
    none is named."""
    types = load_catalogue()
    normalised = _NOT_THIS.sub(" ", normalise_choice_text(_NOT_THIS_SAID.sub(" ", text or "")))
    minutes, rest = _take_minutes(normalised, {t.minutes for t in types})
    if minutes is None:
        return None
    family = _named_family(rest.split(), types, list(current))
    if not family:
        if family == "" or not current:
            return None
        family = current[0].family
    members = [t for t in types if t.family == family]
    if not members or any(t.minutes == minutes for t in members):
        return None
    kept = next((t for t in current if t.family == family), None) \
        or next((t for t in members if t.default), members[0])
    return kept, sorted({t.minutes for t in members})


def options_asked_about(text: str, offered: Sequence[AppointmentType]) -> list[AppointmentType]:
    """The listed options a question names ("the difference between 1 and 2", "is the
    myofascial one gentler?"); all of them when it names none."""
    normalised = normalise_choice_text(text)
    by_number = [offered[int(n) - 1] for n in re.findall(r"\b([1-9])\b", normalised)
                 if int(n) <= len(offered)]
    words = normalised.split()
    phrases = family_phrases(list(offered))
    by_name = [t for t in offered if any(_phrase_in(p, words) for p in phrases.get(t.family, ()))]
    named = list(dict.fromkeys(by_number + by_name))
    return named or list(offered)

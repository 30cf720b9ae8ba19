"""A client message made comparable (plain letters, words mended, SMS spellings expanded) and
split into clauses; what the screen works out about it is kept with it (`Message.memo`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.text import plain_lower

from .rules import SafetyRules

_NOT_KEPT = re.compile(r"[^\w\s.,!?;:]|_")
#: _NOT_KEPT as a translation table, for ASCII text (translate is fast only on ASCII).
_PUNCTUATION_TO_SPACE = {ord(c): " " for c in "\"#$%&'()*+-/<=>@[\\]^_`{|}~"}
_WORD_SPLIT = re.compile(r"([a-z]+)")
#: Email addresses and links name no symptom ("stroke.of.luck@gmail.com").
_ADDRESSES = re.compile(r"\S+@\S+\.\w+|https?://\S+|www\.\S+")
_CLAUSE_BREAK = re.compile(r"[.!?;]+(?=\s|$)|\s(?:but|however|although|though)(?=\s|$)")
#: A message longer than this takes the shortcuts of bot.safety.matching.
LONG = 640


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
class Message:
    """A normalised message with its clauses and the spans that exclusions cover."""

    text: str
    clauses: tuple[tuple[int, int], ...]
    excluded: tuple[tuple[int, int], ...]
    for_someone_else: bool
    clause_starts: tuple[int, ...] = ()
    #: what is worked out about this message once, when first needed (bot.safety.matching,
    #: bot.safety.screen): the word index, candidate starts, counts and places of required
    #: strings, each pattern's spans, whether it says a doctor already checked it
    memo: dict = field(default_factory=dict, compare=False)


def prepare(text: str, rules: SafetyRules) -> Message:
    """The message normalised and cut into clauses; `excluded` is left for the screen."""
    clean = normalise(text, rules)
    clauses = clause_spans(clean)
    return Message(clean, clauses, (), _books_for_someone_else(clean, rules),
                   clause_starts=tuple(c[0] for c in clauses))


def clause_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans, start = [], 0
    for brk in _CLAUSE_BREAK.finditer(text):
        spans.append((start, brk.start()))
        start = brk.end()
    spans.append((start, len(text)))
    return tuple((s, e) for s, e in spans if text[s:e].strip())


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def books_for_someone_else(text: str, rules: SafetyRules) -> bool:
    """"booking for my husband, he's got a bad shoulder": what is said about that person is
    the intake's concern, not family history."""
    return _books_for_someone_else(normalise(text, rules), rules)


def _books_for_someone_else(clean: str, rules: SafetyRules) -> bool:
    return bool(rules.cues.booking_for_someone_else.search(clean))

"""Scope of cues (ConText, Chapman et al.): whether a cue such as "no", "used to" or "my dad
has" reaches a phrase found in a message.

One engine for two readings that bring their own cues from data and their own policy:
bot.assertion (the status of what the client names) and bot.safety.scope (whether a red flag
counts). A cue reaches a target after it (FORWARD), before it (BACKWARD) or either way, at most
its max_scope words away, unless the gap between them holds a sentence end, a TERMINATE cue
or a stop of the reading (a comma that starts a new subject, say).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

FORWARD, BACKWARD, BIDIRECTIONAL = "FORWARD", "BACKWARD", "BIDIRECTIONAL"
PSEUDO, TERMINATE = "PSEUDO", "TERMINATE"
NEVER = re.compile(r"(?!x)x")


def literal_pattern(phrase: str) -> str:
    """A phrase as regex text: its spaces also match a hyphen or several spaces."""
    return re.escape(phrase).replace(r"\ ", r"[\s\-]+")


def _plain(phrase: str) -> str:
    return re.sub(r"[\s\-]+", " ", phrase)


@dataclass(frozen=True)
class CueRule:
    """One cue of a data file: its pattern (regex text) and what it does to a target."""

    pattern: str
    category: str
    direction: str = FORWARD
    max_scope: int | None = None  #: words it reaches; None: no limit
    except_for: frozenset = frozenset()  #: targets (condition ids) it leaves alone
    literal: str | None = None  #: the phrase, when the pattern is literal_pattern(phrase)

    @classmethod
    def of_phrase(cls, phrase: str, *args, **kwargs) -> "CueRule":
        return cls(literal_pattern(phrase), *args, literal=phrase, **kwargs)


@dataclass(frozen=True)
class Cue:
    """A cue found in a text."""

    start: int
    end: int
    rule: CueRule

    @property
    def category(self) -> str:
        return self.rule.category

    @property
    def direction(self) -> str:
        return self.rule.direction

    @property
    def max_scope(self) -> int | None:
        return self.rule.max_scope


class CueSet:
    """Cue rules matched as whole words, left to right, as one pattern. Where several rules
    match at one place the first listed wins: a PSEUDO rule ("no idea") listed before the cue
    inside it ("no") swallows it."""

    def __init__(self, rules: Iterable[CueRule]):
        self.rules = tuple(rule for rule in rules if rule.pattern)
        # no capturing group per rule (they make the pattern 30 times slower): the rule that
        # matched is looked up by its phrase, or tried again where the match starts
        self._phrases: dict[str, tuple[int, CueRule]] = {}
        self._patterns: list[tuple[int, re.Pattern, CueRule]] = []
        for index, rule in enumerate(self.rules):
            if rule.literal is not None:
                self._phrases.setdefault(_plain(rule.literal), (index, rule))
            else:  # raises re.error on a bad pattern
                self._patterns.append((index, re.compile(rf"(?:{rule.pattern})(?!\w)"), rule))
        body = "|".join(f"(?:{rule.pattern})" for rule in self.rules)
        self.pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)") if body else NEVER

    def iter(self, text: str, start: int = 0, end: int | None = None) -> Iterator[Cue]:
        end = len(text) if end is None else end
        for match in self.pattern.finditer(text, start, end):
            yield Cue(match.start(), match.end(), self._rule_of(match, text, end))

    def _rule_of(self, match: re.Match, text: str, end: int) -> CueRule:
        """The first rule listed that matches where `match` starts (the one the pattern took)."""
        phrase = self._phrases.get(_plain(match.group(0)))
        for index, pattern, rule in self._patterns:
            if phrase is not None and phrase[0] < index:
                break
            if pattern.match(text, match.start(), end):
                return rule
        return phrase[1]

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Cue]:
        return list(self.iter(text, start, end))

    def first(self, text: str, start: int = 0, end: int | None = None) -> Cue | None:
        return next(self.iter(text, start, end), None)


def outside(cues: Iterable[Cue], pseudo: Sequence[Cue]) -> list[Cue]:
    """The cues not inside one of the `pseudo` cues, found apart from them (over a longer
    stretch: "never had chest pain like this before" runs past the target)."""
    return [cue for cue in cues
            if not any(p.start <= cue.start and cue.end <= p.end for p in pseudo)]


@dataclass(frozen=True)
class Reach:
    """How one reading measures a cue's reach and what cuts it short."""

    word: re.Pattern = re.compile(r"\w+")  #: one word of distance
    sentence_end: re.Pattern = NEVER  #: ends every cue's reach
    forward_stop: re.Pattern = NEVER  #: in the gap after a cue, ends its reach forward
    backward_stop: re.Pattern = NEVER  #: in the gap before a cue, ends its reach backward


class Reading:
    """A text with its cues and sentence ends, found once, asked about spans in it."""

    def __init__(self, text: str, cues: Sequence[Cue], reach: Reach):
        self.text, self.cues, self.reach = text, cues, reach
        self.terminators = [cue for cue in cues if cue.category == TERMINATE]
        self.sentence_ends = [] if reach.sentence_end is NEVER else [
            m.start() for m in reach.sentence_end.finditer(text)]

    def words_between(self, start: int, end: int) -> int:
        return len(self.reach.word.findall(self.text, start, end))

    def distance(self, cue: Cue, target: tuple[int, int]) -> int | None:
        """Words from the cue to the target when the cue reaches it, else None."""
        start, end = target
        if cue.category in (PSEUDO, TERMINATE):
            return None
        if cue.end <= start and cue.direction in (FORWARD, BIDIRECTIONAL):
            gap, stop = (cue.end, start), self.reach.forward_stop
        elif cue.start >= end and cue.direction in (BACKWARD, BIDIRECTIONAL):
            gap, stop = (end, cue.start), self.reach.backward_stop
        else:
            return None
        words = self.words_between(*gap)
        if cue.max_scope is not None and words > cue.max_scope:
            return None
        return None if self._blocked(gap, stop) else words

    def _blocked(self, gap: tuple[int, int], stop: re.Pattern) -> bool:
        start, end = gap
        return any(start <= at < end for at in self.sentence_ends) \
            or stop.search(self.text, start, end) is not None \
            or any(start <= t.start and t.end <= end for t in self.terminators)

    def nearest(self, target: tuple[int, int], cues: Iterable[Cue]) -> Cue | None:
        """The closest of `cues` that reaches the target (on a tie, the first)."""
        best: tuple[int, Cue] | None = None
        for cue in cues:
            words = self.distance(cue, target)
            if words is not None and (best is None or words < best[0]):
                best = (words, cue)
        return best[1] if best else None

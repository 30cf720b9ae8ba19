"""Assertion status of a mention: present, negated, historical, family or hypothetical.

A ConText-style algorithm (Chapman et al.) over cue phrases from data/lookups/assertion.yml:
a cue modifies targets after it (FORWARD), before it (BACKWARD) or both, until the sentence
ends, a TERMINATE cue ("but", "however") intervenes, or the scope of words runs out. PSEUDO
phrases ("no relief") contain a cue word but are not cues.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import LOOKUPS_DIR
from bot.lexicon import _phrase_regex
from bot.text import normalise_text

STATUS_OF_CATEGORY = {
    "NEGATED_EXISTENCE": "negated",
    "HISTORICAL": "historical",
    "FAMILY": "family",
    "HYPOTHETICAL": "hypothetical",
}
SENTENCE_END = re.compile(r"[.!?;\n]+(?:\s|$)|\s[-\u2013\u2014]\s")
MAX_SCOPE_WORDS = 8
# a comma that starts a new subject ends a cue's reach: "no swelling, the knee aches"
NEW_SUBJECT = re.compile(r",\s*(?:the|my|i|i'm|im|it|it's|its|now|and my|and i)\b")


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    category: str
    direction: str
    max_scope: int = MAX_SCOPE_WORDS
    except_conditions: frozenset = frozenset()


class AssertionRules:
    def __init__(self, path: Path):
        with Path(path).open(encoding="utf-8") as handle:
            rules = (yaml.safe_load(handle) or {}).get("rules", [])
        self.kind_of: dict[str, tuple] = {}
        for rule in rules:
            literal = normalise_text(str(rule["literal"])).strip()
            self.kind_of.setdefault(literal, (
                rule["category"].upper(), rule.get("direction", "FORWARD").upper(),
                MAX_SCOPE_WORDS if rule.get("max_scope") is None else int(rule["max_scope"]),
                frozenset(rule.get("except_conditions") or ())))
        self.regex = _phrase_regex(self.kind_of)

    def cues(self, lowered: str) -> list[Cue]:
        if self.regex is None:
            return []
        found = []
        for match in self.regex.finditer(lowered):
            phrase = re.sub(r"[\s\-]+", " ", match.group(0))
            kind = self.kind_of.get(phrase)
            if kind:
                found.append(Cue(match.start(), match.end(), *kind))
        return found


@lru_cache(maxsize=4)
def load_rules(path: str = str(LOOKUPS_DIR / "assertion.yml")) -> AssertionRules:
    return AssertionRules(Path(path))


def _words_between(text: str, start: int, end: int) -> int:
    return len(re.findall(r"\w+", text[start:end]))


def _blocked(text: str, start: int, end: int, stops: list[Cue], sentence_breaks,
             backward: bool = False) -> bool:
    if any(start <= b < end for b in sentence_breaks):
        return True
    if backward and "," in text[start:end]:
        return True  # "finger joints swell and ache, gout ruled out": the cue is about gout
    if NEW_SUBJECT.search(text, start, end):
        return True
    return any(start <= stop.start and stop.end <= end for stop in stops)


def assert_status(text: str, start: int, end: int, rules: AssertionRules | None = None,
                  cues: list[Cue] | None = None, condition: str | None = None) -> str:
    """Status of the mention text[start:end], the nearest applicable cue winning."""
    rules = rules or load_rules()
    lowered = normalise_text(text)
    cues = rules.cues(lowered) if cues is None else cues
    stops = [c for c in cues if c.category == "TERMINATE"]
    modifiers = [c for c in cues if c.category in STATUS_OF_CATEGORY
                 and not (c.start < end and start < c.end)
                 and condition not in c.except_conditions]
    breaks = [m.start() for m in SENTENCE_END.finditer(lowered)]
    best: tuple[int, str] | None = None
    for cue in modifiers:
        if cue.end <= start and cue.direction in ("FORWARD", "BIDIRECTIONAL"):
            gap_start, gap_end = cue.end, start
        elif cue.start >= end and cue.direction in ("BACKWARD", "BIDIRECTIONAL"):
            gap_start, gap_end = end, cue.start
        else:
            continue
        distance = _words_between(lowered, gap_start, gap_end)
        if distance > cue.max_scope or _blocked(lowered, gap_start, gap_end, stops, breaks,
                                                backward=cue.start >= end):
            continue
        if best is None or distance < best[0]:
            best = (distance, STATUS_OF_CATEGORY[cue.category])
    return best[1] if best else "present"

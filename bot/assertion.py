"""Assertion status of a mention: present, negated, historical, family or hypothetical.

The assertion reading of the scope engine (bot.scope) with the cues of
data/lookups/assertion.yml: the nearest cue that reaches a mention decides its status. A cue's
reach ends at a sentence end, a TERMINATE cue ("but", "however"), a comma that starts a new
subject and, for a cue after the mention, at any comma.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

from bot.config import LOOKUPS_DIR
from bot.practice_data import KeepLastGood, read_yaml
from bot.scope import FORWARD, Cue, CueRule, CueSet, Reach, Reading
from bot.text import normalise_text

STATUS_OF_CATEGORY = {
    "NEGATED_EXISTENCE": "negated",
    "HISTORICAL": "historical",
    "FAMILY": "family",
    "HYPOTHETICAL": "hypothetical",
}
MAX_SCOPE_WORDS = 8
REACH = Reach(
    sentence_end=re.compile(r"[.!?;\n]+(?:\s|$)|\s[-\u2013\u2014]\s"),
    # "no swelling, the knee aches": a comma that starts a new subject
    forward_stop=re.compile(r",\s*(?:the|my|i|i'm|im|it|it's|its|now|and my|and i)\b"),
    # "finger joints swell and ache, gout ruled out": the cue is about gout
    backward_stop=re.compile(","))
#: Named cue sets ask about their targets only next to them: nothing but words between.
NEXT_TO = Reach(forward_stop=re.compile(r"[^\w\s]"), backward_stop=re.compile(r"[^\w\s]"))


def _cue_set(rules: list) -> CueSet:
    """Patterns first, as listed; then literals, the longest first (so "family history of"
    wins over "history of", and a PSEUDO phrase over the cue inside it)."""
    patterns, literals = [], {}
    for rule in rules:
        kind = (rule["category"].upper(), rule.get("direction", FORWARD).upper(),
                MAX_SCOPE_WORDS if rule.get("max_scope") is None else int(rule["max_scope"]),
                frozenset(rule.get("except_conditions") or ()))
        if "pattern" in rule:
            patterns.append(CueRule(str(rule["pattern"]), *kind))
        else:
            literals.setdefault(normalise_text(str(rule["literal"])).strip(), kind)
    ordered = sorted(literals, key=len, reverse=True)
    return CueSet(patterns + [CueRule.of_phrase(p, *literals[p]) for p in ordered])


class AssertionRules:
    def __init__(self, path: Path):
        data = read_yaml(path) or {}
        self.cue_set = _cue_set(data.get("rules", []))
        self.named = {name: (_cue_set(entry.get("cues", [])), _cue_set(
            [{"literal": t, "category": "TARGET"} for t in entry.get("targets", [])]))
            for name, entry in (data.get("cue_sets") or {}).items()}

    def cues(self, lowered: str) -> list[Cue]:
        return self.cue_set.find(lowered)

    def reaches_a_target(self, name: str, lowered: str) -> bool:
        """Whether a cue of the named set reaches one of its targets in the text."""
        cues, targets = self.named[name]
        found = cues.find(lowered)
        if not found:
            return False
        reading = Reading(lowered, found, NEXT_TO)
        return any(reading.nearest((t.start, t.end), found) for t in targets.iter(lowered))


_rule_sets: KeepLastGood[AssertionRules] = KeepLastGood("assertion cues")
_current: dict[str, tuple[float, AssertionRules]] = {}
RECHECK_SECONDS = 2.0


def load_rules(path: str = str(LOOKUPS_DIR / "assertion.yml")) -> AssertionRules:
    """Read again when the file changes (looked at most every RECHECK_SECONDS); a broken
    edit leaves the last cues that loaded in use (bot.practice_data)."""
    now = time.monotonic()
    current = _current.get(path)
    if current is None or now - current[0] >= RECHECK_SECONDS:
        rules = _rule_sets.get([Path(path)], lambda files: AssertionRules(files[0]))
        current = _current[path] = (now, rules)
    return current[1]


def says_no_pain(lowered: str) -> bool:
    """"it's not painful though", "nothing actually hurts" (cue set no_pain)."""
    return load_rules().reaches_a_target("no_pain", lowered)


def assert_status(text: str, start: int, end: int, rules: AssertionRules | None = None,
                  cues: list[Cue] | None = None, condition: str | None = None) -> str:
    """Status of the mention text[start:end], the nearest applicable cue winning."""
    rules = rules or load_rules()
    lowered = normalise_text(text)
    cues = rules.cues(lowered) if cues is None else cues
    modifiers = [c for c in cues if c.category in STATUS_OF_CATEGORY
                 and not (c.start < end and start < c.end)
                 and condition not in c.rule.except_for]
    cue = Reading(lowered, cues, REACH).nearest((start, end), modifiers)
    return STATUS_OF_CATEGORY[cue.category] if cue else "present"

"""The screen itself: which flags a message raises, and what that means for the booking."""
from __future__ import annotations

import bisect
import re
from dataclasses import replace
from datetime import date, datetime
from typing import Iterable, Mapping

from bot.timeexpr import weeks_in

from .matching import merged_spans, scan, windows
from .message import Message, normalise, overlaps, prepare
from .result import OUTCOMES, SafetyResult
from .rules import FLAG_OUTCOMES, Flag, SafetyRules, load_safety_rules
from .scope import PART_BREAK, survives


def _prepared(text: str, rules: SafetyRules, for_someone_else: bool = False) -> Message:
    """The message with the spans that exclusions ("chest press", "stroke of luck") cover;
    `for_someone_else`: the conversation already said the booking is for another person."""
    msg = prepare(text, rules)
    excluded = tuple(sorted(m.span() for p in rules.cues.exclusions
                            for window in windows(p, msg) for m in scan(p, msg, *window)))
    return replace(msg, excluded=excluded, for_someone_else=msg.for_someone_else or for_someone_else)


def _survivors(pattern: re.Pattern, msg: Message, flag: Flag, rules: SafetyRules,
               within: list[tuple[int, int]] | None = None):
    """Matches inside one clause that are about the client, now, in order, found lazily (the
    first one is often all a flag needs). One pass over the message; a match that runs across
    a clause break is looked for again inside each clause it touches (rare)."""
    starts, seen = msg.clause_starts, set()
    matches = (m for window in windows(pattern, msg, within)
               for m in scan(pattern, msg, *window))
    for match in matches:
        i = max(bisect.bisect_right(starts, match.start()) - 1, 0)
        clause = msg.clauses[i] if msg.clauses else (0, len(msg.text))
        if match.end() <= clause[1]:
            if match.span() not in seen and survives(match, clause, msg, flag, rules):
                seen.add(match.span())
                yield match
            continue
        for other in msg.clauses[i:]:
            if other[0] >= match.end():
                break
            for m in scan(pattern, msg, *other):
                if m.span() not in seen and survives(m, other, msg, flag, rules):
                    seen.add(m.span())
                    yield m


def _phrase_span(parts: tuple[re.Pattern, ...], msg: Message, flag: Flag,
                 rules: SafetyRules) -> tuple[int, int] | None:
    """Where every part of the phrase is found close together (linear in the message)."""
    if len(parts) == 1:
        first = next(_survivors(parts[0], msg, flag, rules), None)
        return first.span() if first else None
    window = rules.settings["all_of_window_chars"]
    near = None  # every part lies within `window` of every other part's match
    for part in parts:
        spans = _raw_spans(part, msg) if near is None else [
            m.span() for w in windows(part, msg, near) for m in scan(part, msg, *w)]
        if not spans:
            return None
        near = merged_spans((max(s - window, 0), e + window) for s, e in spans)
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


def _raw_spans(pattern: re.Pattern, msg: Message) -> list[tuple[int, int]]:
    """Every match's span, once per message (phrases of one flag often share their first part)."""
    key = ("spans", pattern)
    if key not in msg.memo:
        msg.memo[key] = [m.span() for w in windows(pattern, msg) for m in scan(pattern, msg, *w)]
    return msg.memo[key]


def _clause_of(msg: Message, span: tuple[int, int]) -> tuple[int, int]:
    starts = msg.clause_starts
    i = max(bisect.bisect_right(starts, span[0]) - 1, 0)
    first = msg.clauses[i] if msg.clauses else (0, len(msg.text))
    last = next((c for c in msg.clauses[i:] if c[1] >= span[1]), first)
    return first[0], last[1]


def _acute(msg: Message, span: tuple[int, int], rules: SafetyRules) -> bool:
    return bool(rules.cues.acute.search(msg.text, *_clause_of(msg, span)))


def _ongoing(msg: Message, span: tuple[int, int], rules: SafetyRules) -> bool:
    return bool(rules.cues.ongoing.search(msg.text, *_clause_of(msg, span)))


def _episodic(msg: Message, span: tuple[int, int], rules: SafetyRules) -> bool:
    """Said as coming and going or earlier (in its part of the sentence), or already seen
    by a doctor (anywhere in the message)."""
    clause = _clause_of(msg, span)
    first = max([b.end() for b in PART_BREAK.finditer(msg.text, clause[0], span[0])],
                default=clause[0])
    after = PART_BREAK.search(msg.text, span[1], clause[1])
    if rules.cues.episodic.search(msg.text, first, after.start() if after else clause[1]):
        return True
    if "checked" not in msg.memo:  # once per message: it reads the whole text
        msg.memo["checked"] = bool(rules.cues.checked.search(msg.text))
    return msg.memo["checked"]


def _recent_surgery_evidence(flag: Flag, msg: Message, rules: SafetyRules) -> str | None:
    """Dated mentions count inside the window; undated ones ("just had surgery") always."""
    matches = [m for parts in flag.phrases for m in _survivors(parts[0], msg, flag, rules)]
    dated = [m for m in matches if m.groupdict().get("unit")]
    window = rules.settings["surgery_clearance_weeks"]
    for m in dated:
        if 0 <= weeks_in(m.groupdict().get("n") or "1", m.group("unit")) <= window:
            return m.group(0)
    for m in matches:
        undated = not m.groupdict().get("unit")
        if undated and not any(overlaps(m.span(), d.span()) for d in dated):
            return m.group(0)
    return None


def _find(flag: Flag, msg: Message, rules: SafetyRules) -> tuple[str | None, bool]:
    """(matched words, whether only to ask "is this happening now?")."""
    if flag.unless is not None and flag.unless.search(msg.text):
        return None, False
    if flag.uses_surgery_window:
        return _recent_surgery_evidence(flag, msg, rules), False
    check = None
    for parts in flag.phrases:
        span = _phrase_span(parts, msg, flag, rules)
        if span is None:
            continue
        # a crisis (suicidal thoughts, self-harm) is never asked "is this happening now?"
        if flag.outcome == "urgent" and flag.message != "urgent_crisis" \
                and _episodic(msg, span, rules) \
                and not (_acute(msg, span, rules) or _ongoing(msg, span, rules)):
            check = check or span
            continue
        return msg.text[span[0]:span[1]], False
    for parts in flag.check_phrases:
        span = _phrase_span(parts, msg, flag, rules)
        if span is None:
            continue
        if flag.message == "urgent_crisis" or (
                _acute(msg, span, rules) and not _episodic(msg, span, rules)):
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



def screen(text: str, facts: Mapping | None = None,
           rules: SafetyRules | None = None, for_someone_else: bool = False) -> SafetyResult:
    """Screen one client message (plus structured answers such as the surgery date).
    `for_someone_else`: an earlier message said the booking is for another person, so "she
    takes warfarin" is about the one to be massaged."""
    rules = rules or load_safety_rules()
    evidence, checks = (dict(found) for found in _flags_in(text, rules, for_someone_else))
    weeks = _surgery_weeks_from_facts(facts)
    if weeks is not None and 0 <= weeks <= rules.settings["surgery_clearance_weeks"]:
        evidence.setdefault("recent_surgery", "surgery date")
    return _decide(evidence, rules, checks)


_SCREEN_CACHE_SIZE = 512
_CACHED_TEXT_CHARS = 4000


def _flags_in(text: str, rules: SafetyRules, for_someone_else: bool = False) -> tuple[dict, dict]:
    """(evidence, checks) of every flag found in the text, kept per rules object for the
    last messages (the same message is screened in several places of one turn)."""
    cache = rules.screen_cache
    key = (text, for_someone_else)
    found = cache.get(key)
    if found is None:
        msg = _prepared(text, rules, for_someone_else)
        evidence, checks = {}, {}
        for flag in rules.flags:
            words, check = _find(flag, msg, rules)
            if words:
                (checks if check else evidence)[flag.id] = words
        found = (evidence, checks)
        if len(text) <= _CACHED_TEXT_CHARS:  # long messages are rare and would fill memory
            if len(cache) >= _SCREEN_CACHE_SIZE:
                cache.pop(next(iter(cache)))  # the oldest entry
            cache[key] = found
    return found


def screen_in_context(text: str, previous: str | None = None, facts: Mapping | None = None,
                      rules: SafetyRules | None = None) -> SafetyResult:
    """One message read with the client's message before it: "my head hurts really bad", then
    "it came on suddenly, worst I've ever had" is one emergency said in two messages. The
    previous message alone must not have been one (it was answered then)."""
    rules = rules or load_safety_rules()
    alone = screen(text, facts, rules)
    if alone.emergency or not previous:
        return alone
    joined = screen(previous + ". " + text, rules=rules)
    if not joined.emergency or screen(previous, rules=rules).emergency:
        return alone
    return merge_results([alone, joined], rules)


def crisis_flags(rules: SafetyRules | None = None) -> frozenset[str]:
    """Flags answered with the crisis line (message urgent_crisis): suicidal thoughts,
    self-harm."""
    rules = rules or load_safety_rules()
    return frozenset(f.id for f in rules.flags if f.message == "urgent_crisis")


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


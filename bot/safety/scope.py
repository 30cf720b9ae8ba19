"""Whether a match is about the client, now: not negated, not someone else, not over, not a
'what if'. The safety reading of the scope engine (bot.scope) with the cues of data/safety.yml;
what is policy here errs towards counting a flag."""
from __future__ import annotations

import bisect
import re

from bot.scope import Cue, Reach, Reading, outside

from .message import Message, overlaps
from .rules import Cues, Flag, SafetyRules

PART_BREAK = re.compile(r",|\s(?:and|plus|also|then)(?=\s)")
_LIST_WORD = re.compile(r"(?<!\w)(?:or|nor)(?!\w)")
_LIST_AFTER = re.compile(r"\s*,?\s*(?:or|nor)(?!\w)")
#: How far back (characters) cues are looked for; keeps long unpunctuated messages fast.
_LOOKBACK = 300
#: Words are what lies between spaces; the clause (bot.safety.message) bounds every cue.
WORDS = Reach(word=re.compile(r"\S+"))
#: A cue's reach ends at a comma ("no fever, chest pain since this morning") ...
UNLISTED = Reach(word=WORDS.word, forward_stop=re.compile(","))
#: ... except in a list ("no chest pain, or numbness").
LISTED = WORDS


def survives(match: re.Match, clause: tuple[int, int], msg: Message, flag: Flag,
             rules: SafetyRules) -> bool:
    """A match counts unless excluded, negated, about someone else, or over/hypothetical."""
    if any(overlaps(match.span(), span) for span in msg.excluded):
        return False
    if _negated(match, clause, msg, rules):
        return False
    if _about_someone_else(match, clause, msg, rules) and not (
            flag.outcome == "urgent" and _happening_to_them_now(clause, msg, rules)):
        return False
    return not _not_current(match, clause, msg, flag, rules)


def _negated(match: re.Match, clause: tuple[int, int], msg: Message, rules: SafetyRules) -> bool:
    text, start = msg.text, _lookback_start(clause, match)
    cues = rules.cues.negation.find(text, start, match.start())
    pseudo = rules.cues.pseudo_negation.find(text, start, min(clause[1], match.end() + _LOOKBACK))
    negations = [c for c in outside(cues, pseudo) if c.category == "NEGATED_EXISTENCE"]
    # only the last: an earlier "no" does not reach past a later one that is cut short
    if negations and _negation_reaches(negations[-1], cues, match, clause, text):
        return True
    rest = text[match.end():match.end() + 80]
    return any(p.match(rest) for p in rules.cues.answer_negation)


def _lookback_start(clause: tuple[int, int], match: re.Match) -> int:
    return max(clause[0], match.start() - _LOOKBACK)


def _negation_reaches(cue: Cue, cues: list[Cue], match: re.Match, clause: tuple[int, int],
                      text: str) -> bool:
    """Across a comma only in a list: not "no, i have ..."."""
    gap = text[cue.end:match.start()]
    listed = not gap.lstrip().startswith(",") and bool(
        _LIST_WORD.search(gap) or _LIST_AFTER.match(text, match.end(), clause[1]))
    return Reading(text, cues, LISTED if listed else UNLISTED).distance(cue, match.span()) \
        is not None


def _about_someone_else(match: re.Match, clause: tuple[int, int], msg: Message,
                        rules: SafetyRules) -> bool:
    """'my dad had a stroke': someone else is the subject and the client is not named after
    it, up to the end of the match."""
    if msg.for_someone_else:
        return False
    others = rules.cues.other_person.find(msg.text, _lookback_start(clause, match), match.start())
    return bool(others) and rules.cues.first_person.first(
        msg.text, others[-1].end, match.end()) is None


def _happening_to_them_now(clause: tuple[int, int], msg: Message, rules: SafetyRules) -> bool:
    """'my dad is having chest pain right now': someone else's emergency is still one."""
    return rules.cues.someone_else_now.first(msg.text, *clause) is not None


def _not_current(match: re.Match, clause: tuple[int, int], msg: Message, flag: Flag,
                 rules: SafetyRules) -> bool:
    """Over and done, or only a 'what if', with nothing nearby saying it is happening now."""
    part = _part_span(msg.text, clause, match)
    following = _following_part(msg.text, clause, part[1])
    hypothetical = _hypothetical(match, clause, msg, rules)
    over = not flag.counts_when_historical and _said_to_be_over(match, part, following, msg, rules)
    if not (hypothetical or over):
        return False
    return not _said_to_be_current(msg.text, part[0], (following or part)[1], rules.cues)


def _hypothetical(match: re.Match, clause: tuple[int, int], msg: Message,
                  rules: SafetyRules) -> bool:
    cues = rules.cues.hypothetical.find(msg.text, _lookback_start(clause, match), match.start())
    reading = Reading(msg.text, cues, UNLISTED)
    return any(reading.distance(cue, match.span()) is not None for cue in cues)


def _part_span(text: str, clause: tuple[int, int], match: re.Match) -> tuple[int, int]:
    """The comma/'and' part of the clause that holds the match (at most _LOOKBACK around it)."""
    first = _lookback_start(clause, match)
    last = min(clause[1], match.end() + _LOOKBACK)
    start = max([b.end() for b in PART_BREAK.finditer(text, first, match.start())], default=first)
    after = PART_BREAK.search(text, match.end(), last)
    return start, after.start() if after else last


def _following_part(text: str, clause: tuple[int, int], part_end: int) -> tuple | None:
    """(start, end, after_a_comma) of the part after `part_end` in the clause, if any."""
    brk = PART_BREAK.match(text, part_end, clause[1])
    if not brk:
        return None
    last = min(clause[1], brk.end() + _LOOKBACK)
    nxt = PART_BREAK.search(text, brk.end(), last)
    return brk.end(), nxt.start() if nxt else last, brk.group(0) == ","


def _said_to_be_over(match: re.Match, part: tuple[int, int], following: tuple | None,
                     msg: Message, rules: SafetyRules) -> bool:
    """A historical cue before the match in its part, just after it ("a stroke years ago"), or
    opening the next comma part ("on blood thinners, stopped in 2019")."""
    reading = Reading(msg.text, (), WORDS)
    for cue in rules.cues.historical.iter(msg.text, *part):
        if cue.start < match.end() or reading.distance(cue, match.span()) is not None:
            return True
    if following and following[2]:
        cue = rules.cues.historical.first(msg.text, following[0], following[1])
        if cue and reading.words_between(following[0], cue.start) <= 2:
            return True
    return _next_clause_says_over(part[1], msg, rules)


def _next_clause_says_over(end: int, msg: Message, rules: SafetyRules) -> bool:
    """"... suicidal thoughts during my divorce, but that was years ago": the next sentence
    points back at the match and says it is over."""
    i = bisect.bisect_left(msg.clause_starts, end)
    if i >= len(msg.clauses):
        return False
    start, stop = msg.clauses[i]
    head = msg.text[start:stop].lstrip()
    if not rules.cues.refers_back.match(head):
        return False
    cue = rules.cues.historical.first(head)
    return cue is not None and len(head[:cue.start].split()) <= 6


def _said_to_be_current(text: str, start: int, end: int, cues: Cues) -> bool:
    """A 'now'/'again'/'still' that is not part of an 'over' phrase ('all good now')."""
    over = [(c.start, c.end) for c in cues.historical.iter(text, start, end)]
    return any(not any(overlaps((c.start, c.end), span) for span in over)
               for c in cues.still_current.iter(text, start, end))

"""Pain named by a body region ("my knee hurts" -> knee_pain) and where a concern sits.

Split from bot.extraction: these are the rules that turn region words, pain words and
ratings into conditions, with the chat habits that go with them (lists of regions sharing
one pain word, "it" pointing back to the region, pain that radiates, "back" as an adverb).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.lexicon import Lexicon, Mention
from bot.text import normalise_text

SENTENCE_BREAK = re.compile(r"[.!?;\n]")
# a clause ends at "but"/"however", or at a comma that starts a new subject
CLAUSE_BREAK = re.compile(
    r"[.!?;\n]|\b(?:but|however|though|although|except|whereas|while)\b"
    r"|,\s*(?:the|my|i|i'm|im|it|it's|its|just|now|and my|and i)\b")
LIST_JOIN = re.compile(r"\s*(?:,|&|\+|/|and|or|,\s*and|,\s*or|n|an)?\s*"
                       r"(?:my|the|both|left|right|upper|lower)?\s*")
PRONOUN_BEFORE = re.compile(r"\b(?:it|its|it's|they|theyre|they're|that|which|both)\s+(?:[\w']+\s+){0,3}$")
# "went over on my ankle, can't put weight on it": "it" just after the pain words
PRONOUN_AFTER = re.compile(r"\s+(?:(?:on|to|with)\s+)?(?:it|them)\b")
# "pain in the side of my left hip": a pain word that points at the region after it
POINTING = re.compile(r"\s+(?:in|on|at|around|behind|under|along|across)\s+(?:the\s+)?(?:[\w']+\s+){0,5}$")
# "a sharp pain that comes and goes in my knee": the words before the region point at it
POINTING_AT_THE_END = re.compile(r"\b(?:in|on|at|around|behind|under|along|inside|within)\s+"
                                 r"(?:the\s+|my\s+|both\s+)?(?:(?:left|right|upper|lower|"
                                 r"whole|entire|lft|rt)\s+)?$")
# "a crunching noise like cornflakes when I roll my neck": the region moved, where no other
# region is named before the pain ("pain behind the knee when I straighten my leg")
WHEN_I_MOVE_IT = re.compile(
    r"\b(?:when|whenever|every\s+time|each\s+time)\s+i(?:'m)?\s+[\w']+\s+(?:(?:up|down|on)\s+)?"
    r"(?:(?:my|the)\s+)?$|\b(?:go|going|went|walk|walking|climb|climbing|come|coming)\s+"
    r"(?:up|down)\s+(?:the\s+)?$")
# "get back to training", "it's back": the adverb, not the body part
NOT_THE_BACK_BEFORE = re.compile(
    r"\b(?:get|gets|got|getting|come|comes|came|coming|go|goes|going|went|be|been|is|was|"
    r"its|it's|bring|brought|put|way|right|flew|fly|drive|drove|call|text|write|hear|"
    r"looking|look|bounce|bounced|sit|sat|lay|lie|lean|kick|popped|pop|pops|snapped|whipped|jerked|it|them)\s+$")
# "an ache in my back from sitting": "my back" is the body's, whatever follows
THE_BODY_S_BACK = re.compile(r"\b(?:my|his|her|their|our|your|lower|upper|mid|middle|whole|entire)\s+$")
NOT_THE_BACK_AFTER = re.compile(r"\s+(?:to|again|home|then|in action|on track|into|and forth|"
                                r"from|at|later)\b")
#: "the back of my heel", "the back of my hand": another region's back
BACK_OF_ANOTHER = re.compile(r"\s+of\s+(?:my|the|his|her|your|their|both)\b")
RADIATION = re.compile(
    r"(?:\b(?:shoot\w*|radiat\w*|travel\w*|go(?:es|ing)?|runs?|running|spread\w*)\s+"
    r"(?:all\s+the\s+way\s+)?(?:down|into|to|up|through)|\b(?:all\s+the\s+way\s+)?down)\s+"
    r"(?:(?:to|into)\s+)?(?:the\s+(?:back\s+of\s+(?:my\s+)?)?|my\s+)?(?:(left|right|both)\s+)?"
    r"(leg|legs|arm|arms|butt|glute|thigh|calf|foot|feet|hand|hands|fingers|neck|head|shoulder)")
# pain that travels is at its start: "pain goes down my leg" is no leg pain of its own
RADIATION_WORDS = re.compile(r"\b(?:shoot\w*|radiat\w*|travel\w*|spread\w*|"
                             r"(?:goes|going|runs|running|moves|moving)\s+(?:down|up|into|to|through)|"
                             r"down\s+(?:the|my|into|to))\b")
RADIATION_REGION = {"leg": "thigh", "legs": "thigh", "arm": "arm", "arms": "arm", "butt": "glute",
                    "glute": "glute", "thigh": "thigh", "calf": "calf", "foot": "ankle_foot",
                    "feet": "ankle_foot", "hand": "wrist_hand", "hands": "wrist_hand",
                    "fingers": "wrist_hand", "neck": "neck", "head": "head", "shoulder": "shoulder"}


# a tight region is also that region's complaint, though "tight" is a condition of its own
# (a swollen one is not: "ankle still swollen after surgery" is swelling, not foot pain)
_ALSO_A_REGION_PAIN = ("tension",)


@dataclass(frozen=True)
class RegionPain(Mention):
    """A condition made of a region and a pain word; its status is read at the pain word."""
    pain_start: int = 0
    pain_end: int = 0


def words_apart(lowered: str, a: tuple[int, int], b: tuple[int, int]) -> int:
    lo, hi = (a[1], b[0]) if a[1] <= b[0] else (b[1], a[0])
    return len(re.findall(r"\w+", lowered[lo:hi])) if hi > lo else 0


def same_clause(lowered: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    lo, hi = (a[1], b[0]) if a[1] <= b[0] else (b[1], a[0])
    return hi <= lo or not CLAUSE_BREAK.search(lowered, lo, hi)


def same_sentence(lowered: str, a: int, b: int) -> bool:
    lo, hi = sorted((a, b))
    return not SENTENCE_BREAK.search(lowered, lo, hi)


#: a muscle said as no place of its own: "my muscles", "a muscle"
_A_MUSCLE_WORD = re.compile(r"(?:(?:my|the|a|all my)\s+)?muscles?")
#: between a muscle's complaint and the region it is in: "muscle pain in my lower back"
IN_THE_REGION = re.compile(r"\s+(?:in|on|of|across|around|along)\s+(?:my|the|his|her|your|both)\s+"
                           r"(?:(?:left|right)\s+)?")


def has_its_own_pain(part: Mention, lexicon: Lexicon | None) -> bool:
    """A region whose complaint massage treats as its own (not the whole body, the chest or
    the belly)."""
    return part.id != "whole_body" and lexicon is not None \
        and bool(lexicon.region_pain_condition.get(part.id))


def real_body_parts(lowered: str, parts: list[Mention],
                    lexicon: Lexicon | None = None) -> list[Mention]:
    """Drops "back" where it is an adverb ("get back to running", "it's back") and a region
    word inside a phrase that names no region ("my arm over my head", body_parts.yml)."""
    elsewhere = lexicon.not_region_spans(lowered) if lexicon is not None else []
    joints = lexicon.joints if lexicon is not None else {}
    # "wrist joint", "toe joints": the joint of the region just named
    parts = [p for i, p in enumerate(parts) if not (
        i and normalise_text(p.text) in joints and lowered[parts[i - 1].end:p.start].strip() == "")]
    # "my shoulder muscle hurts", "neck muscles": the muscles of the region just named
    parts = [p for i, p in enumerate(parts) if not (
        i and p.id == "whole_body" and _A_MUSCLE_WORD.fullmatch(normalise_text(p.text))
        and has_its_own_pain(parts[i - 1], lexicon)
        and lowered[parts[i - 1].end:p.start].strip() == "")]
    # "the muscle in my upper back hurts": the muscle of the region named just after it
    parts = [p for i, p in enumerate(parts) if not (
        p.id == "whole_body" and _A_MUSCLE_WORD.fullmatch(normalise_text(p.text))
        and i + 1 < len(parts) and has_its_own_pain(parts[i + 1], lexicon)
        and IN_THE_REGION.fullmatch(lowered, p.end, parts[i + 1].start))]
    return [p for p in parts if not (
        p.text.lower() == "back" and (BACK_OF_ANOTHER.match(lowered, p.end)
                                      or NOT_THE_BACK_BEFORE.search(lowered[:p.start])
                                      or (NOT_THE_BACK_AFTER.match(lowered, p.end)
                                          and not THE_BODY_S_BACK.search(lowered[:p.start]))))
        and not any(s <= p.start < e for s, e in elsewhere)]


def radiation_spans(lowered: str, parts: list[Mention], conditions: list[Mention]) -> list[tuple[int, int]]:
    """Pain travelling from a place named before it; with none named ("pain going down my
    leg") the place it goes to is where it is felt."""
    first = min((m.start for m in list(parts) + list(conditions)), default=len(lowered))
    return [m.span() for m in RADIATION.finditer(lowered) if first < m.start()]


def region_conditions(text: str, lowered: str, parts: list[Mention], conditions: list[Mention],
                      pains: list[tuple[int, int]], lexicon: Lexicon,
                      tight: list[tuple[int, int]] = (),
                      radiation: list[tuple[int, int]] | None = None) -> list[RegionPain]:
    """Region + pain word (or a 0-10 rating) in one clause -> that region's pain condition;
    `tight` words count too, except for the whole body ("tight all over" is tension).
    `radiation`: radiation_spans of these parts and conditions, when the caller has them."""
    if radiation is None:
        radiation = radiation_spans(lowered, parts, conditions)
    parts = [p for p in parts if not any(s <= p.start < e for s, e in radiation)]
    tight = set(tight) - set(pains)  # "pulled" is a pain word and a tightness word: pain
    # a pain word inside a condition's own words ("pinched nerve") is that condition's
    pains = sorted(p for p in set(pains) | tight if not any(s <= p[0] < e for s, e in radiation)
                   and not any(c.start <= p[0] < c.end and c.id not in _ALSO_A_REGION_PAIN
                               for c in conditions))
    painful: dict[int, tuple[int, int]] = {}
    for index, part in enumerate(parts):
        near = [p for p in pains if same_clause(lowered, (part.start, part.end), p)
                and not (part.id == "whole_body" and (
                    p in tight or (lowered[p[0]:p[1]] in lexicon.not_whole_body_pain
                                   # "my muscles feel weak" is the muscles' complaint
                                   and "muscle" not in part.text.lower())))
                and (words_apart(lowered, (part.start, part.end), p) <= 4
                     or _reaches(lowered, part, p, parts))
                ]
        if near:
            painful[index] = min(near, key=lambda p: words_apart(lowered, (part.start, part.end), p))
    for pain in pains:  # "tweaked my knee and now it aches": "it" points back to the region
        if PRONOUN_BEFORE.search(lowered[:pain[0]]) or PRONOUN_AFTER.match(lowered, pain[1]):
            before = [i for i, part in enumerate(parts) if part.end <= pain[0]
                      and words_apart(lowered, (part.start, part.end), pain) <= 14
                      and (same_sentence(lowered, part.start, pain[0])
                           or _sentence_before(lowered, part, pain, parts))]
            if before and before[-1] not in painful:
                painful[before[-1]] = pain
    _fragment_after_the_region(lowered, parts, pains, painful)
    _share_across_lists(lowered, parts, painful)
    made = []
    for index, pain in sorted(painful.items()):
        part = parts[index]
        condition_id = lexicon.pain_condition(part.id, part.text)
        if lexicon.listed_as(part.text, lexicon.muscles):
            condition_id = "muscle_pain"
        elif lexicon.listed_as(part.text, lexicon.joints):
            condition_id = "joint_pain"
        if not condition_id or _covered(part, pain, condition_id, conditions):
            continue
        start, end = min(part.start, pain[0]), max(part.end, pain[1])
        if end - start > 60:
            start, end = part.start, part.end
        made.append(RegionPain("condition", condition_id, text[start:end], start, end,
                               pain_start=pain[0], pain_end=pain[1]))
        if "joint" in part.text.lower() and condition_id not in ("joint_pain", "tmj", "back_pain"):
            # "my knee joint aches": the knee's pain, and joint pain as the client calls it
            made.append(RegionPain("condition", "joint_pain", text[start:end], start, end,
                                   pain_start=pain[0], pain_end=pain[1]))
    return made


def _fragment_after_the_region(lowered: str, parts: list[Mention], pains: list[tuple[int, int]],
                               painful: dict) -> None:
    """"my back, like I said. tight for years, 5/10": a sentence with a pain word and no region
    of its own, right after one that names a region and no pain, is about that region."""
    used = set(painful.values())
    for pain in pains:
        if pain in used:
            continue
        breaks = [b for b in SENTENCE_BREAK.finditer(lowered, 0, pain[0])]
        if not breaks:
            continue
        own_start = breaks[-1].end()
        after = SENTENCE_BREAK.search(lowered, pain[1])
        own_end = after.start() if after else len(lowered)
        if any(own_start <= p.start < own_end for p in parts):
            continue
        before_start = breaks[-2].end() if len(breaks) > 1 else 0
        before = [i for i, p in enumerate(parts) if before_start <= p.start < breaks[-1].start()]
        if before and not any(before_start <= q[0] < breaks[-1].start() for q in pains) \
                and before[-1] not in painful:
            painful[before[-1]] = pain
            used.add(pain)


def _sentence_before(lowered: str, part: Mention, pain: tuple[int, int],
                     parts: list[Mention]) -> bool:
    """"wear and tear in my right knee. it aches when rain is coming": "it" opens the next
    sentence, which names no region of its own, and this region is the last one before it."""
    breaks = list(SENTENCE_BREAK.finditer(lowered, part.end, pain[0]))
    if len(breaks) != 1:
        return False
    return not any(part.end <= other.start < pain[0] for other in parts)


def _reaches(lowered: str, part: Mention, pain: tuple[int, int], parts: list[Mention]) -> bool:
    """Farther than four words, but nothing else in between: "shoulders are up by my ears
    all day, tight and achy", "pain in the side of my left hip"."""
    lo, hi = (part.end, pain[0]) if part.end <= pain[0] else (pain[1], part.start)
    if any(lo <= other.start < hi for other in parts) or words_apart(lowered, (lo, lo), (hi, hi)) > 9:
        return False
    gap = lowered[pain[1]:part.start]
    return part.end <= pain[0] or bool(POINTING.match(gap + " ")) \
        or bool(POINTING.fullmatch(" " + gap.strip() + " ")) \
        or (bool(POINTING_AT_THE_END.search(gap)) and not RADIATION_WORDS.search(gap)) \
        or (bool(WHEN_I_MOVE_IT.search(gap)) and not any(
            other.end <= pain[0] and same_clause(lowered, (other.start, other.end), pain)
            for other in parts))


def _share_across_lists(lowered: str, parts: list[Mention], painful: dict) -> None:
    """"neck, shoulders and upper back are sore": a listed region shares the list's pain."""
    for index in reversed(range(len(parts) - 1)):
        if index not in painful and index + 1 in painful and LIST_JOIN.fullmatch(
                lowered[parts[index].end:parts[index + 1].start]):
            painful[index] = painful[index + 1]
    for index in range(1, len(parts)):
        if index not in painful and index - 1 in painful and LIST_JOIN.fullmatch(
                lowered[parts[index - 1].end:parts[index].start]):
            painful[index] = painful[index - 1]


def _covered(part: Mention, pain: tuple[int, int], condition_id: str,
             conditions: list[Mention]) -> bool:
    """A region already named inside a condition ("knee pain") makes no second condition,
    unless the pain word stands outside it ("pulled my hamstring, hurts to walk")."""
    for cond in conditions:
        if cond.start <= part.start and part.end <= cond.end:
            if cond.id == condition_id or cond.start <= pain[0] < cond.end:
                return True
    return False

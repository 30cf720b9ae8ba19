"""From one client message (and its NLU parse) to a structured record a therapist can read.

Mentions come from the lexicon scan and the Rasa entities together; each condition then gets
an assertion status, body region, side, and the message's severity, duration and context.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace

from bot import assertion, regions
from bot.lexicon import Lexicon, Mention, load_lexicon
from bot.regions import RADIATION, RADIATION_REGION, RegionPain
from bot.text import WordRepair, normalise_text
from bot.turns import INTAKE_INTENT
from bot.vocabulary import RELAXATION_GOALS, WELLBEING_CONDITIONS

#: Entities the model is less sure of than this are left to the lookup scan.
MIN_MODEL_ENTITY_CONFIDENCE = 0.9
BACK_LEVELS = ("upper_back", "lower_back")
PAIRED_REGIONS = {"shoulder", "knee", "hip", "ankle_foot", "wrist_hand", "calf", "thigh", "arm",
                  "elbow", "glute"}
#: The same limit as the NLU model's (config.yml MessageLengthGuard).
EXTRACTION_MAX_CHARS = 2000
NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10}
SEVERITY_NUMBER = re.compile(
    r"(?<![\w/])(\d{1,2}(?:\.\d)?|" + "|".join(NUMBER_WORDS) + r"|[a-z]{5,6})\s*(?:/|out of|outta|of)\s*(?:10|ten)\b")
#: "seveen out of ten": a number word one typo away (bot.text.WordRepair).
_NUMBER_REPAIR = WordRepair(NUMBER_WORDS)
SEVERITY_LEVEL = re.compile(r"\b(?:pain|level|scale|rate it|rating|about|like|say|maybe|around|roughly|probably|prob|its|it's|solid|easily|usually|normally|mostly|typically|generally|often|sometimes|always)\s+(?:is\s+|at\s+)?(?:a\s+|an\s+)?(\d{1,2}|" + "|".join(w for w in NUMBER_WORDS if w != "one") + r")(?:ish)?\b(?![:.]\d)(?!\s*(?:day|week|month|year|min|hour|am|pm|%|yr|wk|mo|mth|time|x\b|years old|yo\b))(?!\s*(?:-|to|or)\s*\d{1,2}\s*(?:hr|hour|day|week|month|year|min|am|pm|time|x\b))")
#: a unit of time as clients type it ("weeks", "wks", "mnths", "a couple of wees")
_DURATION_UNIT = (r"(?:(?:day|week|wk|wek|weeek|month|mo|mnth|mnoth|monht|mth|year|yr|yaer|yer)s?"
                  r"|wees|yearrs|yeras|yeasr|weeks?s|monthss)\b")
DURATION = re.compile(
    r"\b(?:for\s+(?:the\s+)?(?:past|last)\s+|for\s+(?:about\s+|almost\s+|over\s+|like\s+)?|"
    r"(?:past|last|about|almost|nearly|over|like)\s+)?"
    r"(?:\d+(?:ish)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|several|"
    r"a (?:couple|cuple|coupl|coupla)(?: of)?|(?:couple|cuple|coupl|coupla|cpl)(?: of)?)"
    r"\s*" + _DURATION_UNIT + r"(?:\s+ago)?"
    r"|\b(?:s+i+n+c+e+|sinec|snice|sicne|sinse|sence|sice|snce|scince|sinc)\s+(?:my|the|last|early|late|i|about|around|january|february|march|april|may|june"
    r"|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct"
    r"|nov|dec|\d{4}|christmas|xmas|christams|chrismas|christmass|xmass|thanksgiving|easter|new year'?s?|summer|winter|spring|fall|high school|college|forever|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thurs?|fri|sat|sun|"
    r"the weekend|last week|last month|yesterday|the accident|the fall|the surgery|the birth|the baby)\b[^,.;!?]{0,30}"
    r"|\bfor\s+(?:years|months|weeks|ages|forever|a while|a long time|decades)\b"
    r"|\b(?:yesterday|this morning|last night|today|recently|all my life|my whole life)\b"
    # "it started on tuesday", "began in march", "rolled my ankle last month"
    r"|\b(?:started|began|begun|came on|kicked in)\s+(?:on\s+|in\s+|around\s+|about\s+|back\s+in\s+)?"
    r"(?:last\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thurs?|"
    r"fri|sat|sun|week|month|year|weekend|night|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b"
    r"|\b(?:last|this past)\s+(?:week|month|year|weekend|summer|winter|spring|fall|autumn)\b")
REFERRAL = re.compile(
    r"\b(?:dr|doc|doctor|physician|gp|pcp|surgeon|ortho\w*|chiro\w*|pt|physio\w*|"
    r"physical therapist|neurologist|rheumatologist|np|nurse practitioner|oncologist)\.?\s+"
    r"(?:\w+\s+)?(?:referred|sent|recommended|suggested|prescribed|wrote|ordered|told)"
    r"|\breferr(?:al|ed)\b|\bscript for massage\b|\bprescription for massage\b")
NO_REFERRAL = re.compile(r"\b(?:no|not|without|don'?t have|dont have|didn'?t get|never got|wasn'?t|"
                         r"isn'?t|wasnt|isnt|don'?t (?:actually|really) have|do not have)\s+"
                         r"(?:a\s+|an\s+|any\s+)?(?:formal\s+|real\s+|official\s+|"
                         r"proper\s+)?(?:referral|referred)\b"
                         # "said massage is fine but didn't refer me"
                         r"|\b(?:didn'?t|didnt|did not|never|won'?t|wont|wouldn'?t)\s+(?:formally\s+|actually\s+)?"
                         r"refer(?:red)?\b")
AGGRAVATION_CUE = re.compile(r"\b(?:worse|hurts?|aggravat\w*|flares?|bothers?|when|after|while|from|during|too long|triggers?)\b")
WHEN = re.compile(
    r"\b(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|couple of)\s+"
    r"(?:day|week|wk|month|mo|year|yr)s?\s+ago\b|\b(?:last|this past)\s+(?:week|month|year|spring|summer|fall|winter)\b"
    r"|\bin\s+(?:january|february|march|april|may|june|july|august|september|october|november|december|\d{4})\b")
# "right now", "that's right", "I left work": side words that name no side of the body
NOT_A_SIDE_AFTER = re.compile(r"\s*(?:now|away|then|here|there|after|before|off|over|alone|back|"
                              r"when|where|as|to|on time|at|work|home|my job)\b")
NOT_A_SIDE_BEFORE = re.compile(r"(?:that'?s|thats|you'?re|all|i|i'?ve|just|is|was|got|get|turn|turned|go|went|"
                               # "my shoulder is not right", "isnt quite right", "feels right"
                               r"not|been|isn'?t|isnt|wasn'?t|wasnt|ain'?t|aint|quite|feel|feels|felt|feeling|seem|seems)\s*$")
MASSAGE_WISH = re.compile(r"\bmassages?\b(?!\s+(?:therapists?|school|helped|table|chair|gun))")
RECURRENCE = re.compile(r"\b(?:it'?s back|its back|came back|coming back|back again|returned|"
                        r"flar\w* (?:up )?again|again now|is back|are back)\b")
RELAX_PREFERENCE = re.compile(
    r"\bjust\s+(?:want|need|looking for|wanna|wanting)\s+(?:to\s+)?(?:a\s+)?(?:relax|unwind|chill|de-?stress|pamper|regular|swedish|relaxing|nice)"
    r"|\b(?:only|just)\s+(?:a\s+)?relaxing\b|\bnothing\s+(?:wrong|specific|medical)\b")
MEDICAL_PREFERENCE = re.compile(r"\b(?:medical|therapeutic|clinical|treatment)\s+(?:massage|one|kind|type|session)\b")


#: A condition in the contract's shape (`assess`, the stored record, `export`).
CONDITION_KEYS = ("id", "text", "status", "body_part", "side")


@dataclass
class ConditionMention:
    id: str
    text: str
    status: str = "present"
    body_part: str | None = None
    side: str | None = None
    #: where the words are: offsets in the client's message, and (in a conversation) that
    #: message's number, from 1 (bot.records.intake_facts finds it in the transcript)
    start: int = 0
    end: int = 0
    radiates_to: str | None = None
    message: int | None = None

    def record(self) -> dict:
        """The contract's condition shape (plus the client's words)."""
        return {key: getattr(self, key) for key in CONDITION_KEYS}

    def source(self) -> dict:
        """Where the client said it, as `sources` keeps the words of a value."""
        return {"id": self.id, "text": self.text, "start": self.start, "end": self.end,
                "message": self.message}


@dataclass
class Extraction:
    text: str = ""
    conditions: list[ConditionMention] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    severity: int | None = None
    duration: str | None = None
    aggravators: list[str] = field(default_factory=list)
    surgery: dict | None = None
    referral: bool | None = None
    preference: str | None = None
    wants_massage: bool = False
    #: words saying something is wrong with the body ("injured", "a weird sensation in my
    #: neck"), read even when they name no condition: such a client is a medical one
    body_words: list[str] = field(default_factory=list)
    #: where severity and duration came from: {"severity": {"text", "start", "end",
    #: "message"}} (message: the client's message number in the conversation, from 1; in a
    #: stored record, the message's index in its transcript: bot.records.intake_facts)
    sources: dict = field(default_factory=dict)

    def present(self) -> list[ConditionMention]:
        return [c for c in self.conditions if c.status == "present"]

    def present_condition_ids(self) -> list[str]:
        return list(dict.fromkeys(c.id for c in self.present()))

    def medical_condition_ids(self) -> list[str]:
        return [c for c in self.present_condition_ids() if c not in WELLBEING_CONDITIONS]

    def body_parts(self) -> list[str]:
        regions = [c.body_part for c in self.present() if c.body_part]
        return list(dict.fromkeys(regions))

    def relaxation_goals(self) -> list[str]:
        return [g for g in self.goals if g in RELAXATION_GOALS]

    def is_empty(self) -> bool:
        return not (self.conditions or self.goals or self.preference)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("text")
        return data

    @classmethod
    def from_dict(cls, data: dict | None) -> "Extraction":
        data = dict(data or {})
        conditions = [ConditionMention(**c) for c in data.pop("conditions", []) or []]
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(conditions=conditions, **known)

    def merge(self, newer: "Extraction") -> "Extraction":
        """Accumulates what a conversation said over several messages; newer facts win.

        A newer mention replaces an older one of the same condition, each older one once:
        the mentions of one message are all kept ("arthritis in my neck and both hands",
        "had TMJ as a teen, it's back")."""
        conditions = list(self.conditions)
        replaced: set[int] = set()
        for cond in newer.conditions:
            same = [i for i, c in enumerate(self.conditions) if c.id == cond.id and i not in replaced]
            same.sort(key=lambda i: (self.conditions[i].body_part != cond.body_part,
                                     self.conditions[i].status != cond.status))
            if same:
                replaced.add(same[0])
                old = conditions[same[0]]
                # "the back pain started 4 weeks ago" keeps the lower back said before
                level = old.body_part if cond.body_part == "back" \
                    and old.body_part in ("lower_back", "upper_back") else None
                conditions[same[0]] = replace(
                    cond, body_part=level or cond.body_part or old.body_part,
                    side=cond.side or old.side, radiates_to=cond.radiates_to or old.radiates_to)
            else:
                conditions.append(cond)
        return Extraction(
            text=newer.text or self.text,
            conditions=conditions,
            goals=list(dict.fromkeys(self.goals + newer.goals)),
            severity=newer.severity if newer.severity is not None else self.severity,
            duration=newer.duration or self.duration,
            aggravators=list(dict.fromkeys(self.aggravators + newer.aggravators)),
            surgery=newer.surgery or self.surgery,
            referral=newer.referral if newer.referral is not None else self.referral,
            preference=newer.preference or self.preference,
            wants_massage=newer.wants_massage or self.wants_massage,
            body_words=list(dict.fromkeys(self.body_words + newer.body_words)),
            sources={**self.sources, **newer.sources},
        )


def _mentions(text: str, entities: list[dict], lexicon: Lexicon) -> dict[str, list[Mention]]:
    """Lexicon scan plus NLU entities, one list per label, overlaps within a label dropped."""
    found = {label: lexicon.scan(text, label)
             for label in ("condition", "body_part", "side", "goal", "aggravator")}
    for entity in entities or []:
        label = entity.get("entity")
        if label not in found or entity.get("start") is None:
            continue
        if (entity.get("confidence_entity") or 1.0) < MIN_MODEL_ENTITY_CONFIDENCE:
            continue
        canonical = lexicon.normalise(label, str(entity.get("value", "")))
        if canonical is None:
            canonical = lexicon.normalise(label, text[entity["start"]:entity["end"]])
        if canonical is None:
            continue
        start, end = entity["start"], entity["end"]
        if any(m.start < end and start < m.end for m in found[label]):
            continue
        found[label].append(Mention(label, canonical, text[start:end], start, end))
    lowered = normalise_text(text)
    found["condition"] += [Mention("condition", condition_id, text[start:end], start, end)
                           for start, end, condition_id in lexicon.said_together_spans(text)
                           if not any(m.start < end and start < m.end for m in found["condition"])]
    elsewhere = lexicon.word_list_spans("not_condition", lowered)
    found["condition"] = [m for m in found["condition"]
                          if not any(s < m.end and m.start < e for s, e in elsewhere)]
    found["side"] = [m for m in found["side"] if m.id == "both" or not (
        NOT_A_SIDE_AFTER.match(lowered, m.end) or NOT_A_SIDE_BEFORE.search(lowered[:m.start]))]
    for label in found:
        found[label].sort(key=lambda m: m.start)
    return found


def _nearest(target: Mention | ConditionMention, candidates: list[Mention], lowered: str,
             max_words: int) -> Mention | None:
    best = None
    for cand in candidates:
        if cand.start < target.end and target.start < cand.end:
            return cand
        if not regions.same_sentence(lowered, cand.start, target.start):
            continue
        gap = regions.words_apart(lowered, (target.start, target.end), (cand.start, cand.end))
        if gap <= max_words and (best is None or gap < best[0]):
            best = (gap, cand)
    return best[1] if best else None


def _side_for(part_or_cond, part: Mention | None, sides: list[Mention], lowered: str) -> str | None:
    anchor = part or part_or_cond
    side = _nearest(anchor, sides, lowered, max_words=3)
    if side:
        return side.id
    if part and part.id in PAIRED_REGIONS and re.search(r"(?:s|feet)$", part.text.lower()) \
            and not part.text.lower().endswith(("hips'", "ss", "fingers", "toes", "fingertips",
                                                  "knuckles")):
        return "both"  # "my knees", not "my fingers" (one hand has several)
    return None


def _severity(text: str, lowered: str, entities: list[dict], lexicon: Lexicon,
              complaints=None) -> tuple[int, int, int] | None:
    """(score, start, end): the highest rating and where the client said it."""
    scores = []
    for match in SEVERITY_NUMBER.finditer(lowered):
        raw = match.group(1)
        value = NUMBER_WORDS.get(raw, NUMBER_WORDS.get(_NUMBER_REPAIR.repair_word(raw)))
        if value is None and not raw[0].isdigit():
            continue
        value = float(raw) if value is None else value
        if _NOT_THIS_RATING.search(lowered, max(0, match.start() - 12), match.start()):
            continue  # "its not 8/10 more like a 6", "pain is not 2/10"
        if 0 <= value <= 10:
            scores.append((round(value), *match.span()))
        elif value <= 20:
            scores.append((10, *match.span()))  # "11/10": the top of the scale
    if not scores:
        for match in SEVERITY_LEVEL.finditer(lowered):
            raw = match.group(1)
            value = int(raw) if raw.isdigit() else NUMBER_WORDS[raw]
            if 0 <= value <= 10:
                scores.append((value, *match.span()))
    if not scores:
        # a severity word counts when a complaint is said in the same sentence ("need a
        # massage so bad" rates no pain)
        scores = [(score, start, end) for start, end, score in lexicon.severity_word_matches(text)
                  if _about_a_complaint(lowered, start, end, complaints)]
    return max(scores, key=lambda found: found[0]) if scores else None


#: Right before a rating, a rating the client says is wrong ("not 8/10").
_NOT_THIS_RATING = re.compile(r"\b(?:not|isnt|isn't|is not|never)\s+(?:a\s+|an\s+)?$")


def _source(text: str, span: tuple[int, int] | None) -> dict | None:
    """The client's words a stored value came from, with their offsets in the message."""
    if span is None:
        return None
    return {"text": text[span[0]:span[1]], "start": span[0], "end": span[1]}


def _about_a_complaint(lowered: str, start: int, end: int, complaints) -> bool:
    if complaints is None:
        return True
    first = max([b.end() for b in SENTENCE_BREAK.finditer(lowered, 0, start)], default=0)
    after = SENTENCE_BREAK.search(lowered, end)
    last = after.start() if after else len(lowered)
    return any(first <= c.start < last or first < c.end <= last for c in complaints)


#: Ends the sentence a time expression is read in ("a heart attack 5 years ago, now my back").
SENTENCE_BREAK = re.compile(r"[.!?;\n]|,?\s+(?:now|but|and now|these days|currently)\b")


def duration_in(text: str) -> tuple[str | None, tuple[int, int] | None]:
    """How long, in an answer to "how long has it been going on?" (no complaint named in
    it: the one asked about), and where the client said it."""
    text = (text or "")[:EXTRACTION_MAX_CHARS]
    found = _duration(normalise_text(text), text, None)
    at = text.find(found) if found else -1
    return (found, (at, at + len(found))) if at >= 0 else (None, None)


#: "worse when I stand for a long time": how long an activity lasts, not the complaint.
_ACTIVITY_BEFORE = re.compile(r"\b(?:stand|standing|sit|sitting|walk|walking|drive|driving|lie|"
                              r"lying|lay|laying|type|typing|work|working|run|running|be|been "
                              r"on my feet|on my feet)\s+(?:(?!and\b|but\b|n\b)\w+\s+)?$")


#: "been like this since jan": a sentence about the complaint just named.
_REFERS_BACK = re.compile(r"\b(?:like this|like that|it'?s been|its been|it has been|been going on|"
                          r"going on for|going on about|going on around|going on almost|"
                          r"going on over|going on nearly|started|began|had it|had this)\b"
                          r"|\bbeen\s+(?:like\s+|about\s+|around\s+|almost\s+|over\s+|nearly\s+)?"
                          r"(?:\d|an?\b|one\b|two\b|three\b|four\b|five\b|six\b|several\b|a few\b|"
                          r"few\b|couple\b)"  # "been like 3 months", not "been meaning to"
                          r"|\b\d{1,2}\s*(?:/|out of)\s*10\b")  # "4/10 for 2 weeks"
#: "rolled my ankle last month": what happened then is the complaint's start
_ONSET_BEFORE = re.compile(r"\b(?:rolled|twisted|hurt|injured|pulled|strained|sprained|tore|torn|"
                           r"broke|fell|happened|tweaked|crashed|landed|did it|did this|came on)\b|\b(?:for|over|in)\s+(?:the\s+)?$")
#: "2-3x a wk", "twice a month": how often, not how long.
_HOW_OFTEN_BEFORE = re.compile(r"(?:\d\s*x|\btimes?|\bonce|\btwice|"
                               r"\d\s*(?:hrs?|hours?|mins?|minutes?))\s*$")  # "10hrs a day"
#: "no surgeries recently", "haven't had one in over a year": nothing has gone on that long.
_NOT_BEFORE = re.compile(r"\b(?:no|not|never|haven'?t|hasn'?t|havent|hasnt|didn'?t|without)\b"
                         r"(?:\s+\S+){0,4}\s*(?:in\s+)?$")


#: a pain rating in the same sentence makes a time expression the complaint's
_RATED = re.compile(SEVERITY_NUMBER.pattern + "|" + SEVERITY_LEVEL.pattern)


def _duration(lowered: str, text: str, conditions: list | None = None) -> str | None:
    """How long the complaint has gone on: a time expression in a sentence about a present
    complaint (not an age, "78 years old", nor another event's date)."""
    present = [c for c in conditions or [] if c.status == "present"]
    matches = sorted(DURATION.finditer(lowered), key=lambda m: (not re.search(
        r"(?:\d+|\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|couple|cuple|coupl|coupla|cpl|several))"
        r"\s+" + _DURATION_UNIT, m.group(0)), m.start()))
    for match in matches:
        if re.match(r"\s+old\b|\s*\)?\s*(?:pregnant|along|preg|gestation)", lowered[match.end():]) \
                or re.search(r"(?:pre?gn?\w*|expecting)\W{0,3}$", lowered[:match.start()]):
            continue  # an age, or how far along a pregnancy is
        if re.match(r"(?:last|this past)\s", match.group(0)) and not _ONSET_BEFORE.search(
                lowered[max(0, match.start() - 40):match.start()]):
            continue  # "saw the doc last month": when something else happened
        if (lowered.startswith("for", match.start())
                and _ACTIVITY_BEFORE.search(lowered[max(0, match.start() - 30):match.start()])) \
                or _HOW_OFTEN_BEFORE.search(lowered[max(0, match.start() - 12):match.start()]) \
                or _NOT_BEFORE.search(lowered[max(0, match.start() - 40):match.start()]):
            continue
        if present:
            start = max([b.end() for b in SENTENCE_BREAK.finditer(lowered, 0, match.start())],
                        default=0)
            # "for 5 days now I have pain in my knee": that "now" ends no sentence
            now = None if match.group(0).endswith("ago") \
                else re.match(r"\s+now\b", lowered[match.end():])
            after = SENTENCE_BREAK.search(lowered, match.end() + (now.end() if now else 0))
            end = after.start() if after else len(lowered)
            # a sentence that is only the time ("...down stairs. about 3 weeks now") is the
            # complaint's, said just before
            rest = (lowered[start:match.start()] + " " + lowered[match.end():end]).split()
            if not any(start <= c.start < end or start < c.end <= end for c in present) \
                    and not _REFERS_BACK.search(lowered, start, end) \
                    and not _RATED.search(lowered[start:end]) \
                    and not (len(rest) <= 3 and start > 0):  # "about a year, usually a 5"
                continue
        found = text[match.start():match.end()]
        cut = re.search(r"\s(?:my|i|im|i'm|and|but|it|its|it's|the pain|when|which|so|gets|got)\s|\s[-–]\s",
                        found.lower())
        if cut and found.lower().startswith("since") and found[:cut.start()].strip().lower() != "since":
            found = found[:cut.start()]  # "since march and it's worse" -> "since march"
        # "since January actually", "since last week like": the words, not the filler
        return re.sub(r"(?:\s+(?:actually|tho|though|like|lol|i think|i guess|or so|ish))+\s*$", "",
                      found.strip(), flags=re.IGNORECASE)
    return None


def referral_in(text: str) -> bool | None:
    """Whether one message says the client was referred (True), was not (False), or neither:
    what `extract(text).referral` says, without the rest of the extraction."""
    return _referral(normalise_text((text or "")[:EXTRACTION_MAX_CHARS]))


def _referral(lowered: str) -> bool | None:
    if NO_REFERRAL.search(lowered):
        return False
    return True if REFERRAL.search(lowered) else None


def extract(text: str, entities: list[dict] | None = None, intent: str | None = None,
            lexicon: Lexicon | None = None, picking_a_treatment: bool = False,
            regions_by_what_is_done: bool = True) -> Extraction:
    """Everything one message says about the client's concerns (its first
    EXTRACTION_MAX_CHARS characters: longer messages are asked to be shortened, and the
    region and assertion rules are not linear in the length; the safety screen reads all).

    The practice's treatment names are no concern ("the trigger point one" is no tension);
    `picking_a_treatment` (the answer to "which one?") also drops a lone name word."""
    text = (text or "")[:EXTRACTION_MAX_CHARS]
    from bot.catalogue import treatment_name_spans

    named = treatment_name_spans(text, picking_a_treatment)
    lexicon = lexicon or load_lexicon()
    lowered = normalise_text(text)
    mentions = _mentions(text, entities or [], lexicon)
    parts = regions.real_body_parts(lowered, mentions["body_part"], lexicon)
    # "it kills me going down stairs": what is done points at the region (not "pulled
    # something reaching for the top shelf"); `regions_by_what_is_done` is False once a
    # complaint is known: then it is what aggravates it (so for conditions.yml
    # `said_without_its_region` too)
    if regions_by_what_is_done and not parts and not mentions["condition"]:
        parts = [replace(m, label="body_part") for m in lexicon.scan(text, "region_stand_in")]
    # "my shoulder hurts when I lift my arm": the region of what is done is no complaint
    # where another region is named in the sentence
    parts = _regions_of_what_is_done(lowered, parts, mentions["aggravator"],
                                     complaint_known=not regions_by_what_is_done)
    # "every joint in my body aches": the joints' pain, not the "body aches" begun inside them
    joint_parts = [p for p in parts if lexicon.listed_as(p.text, lexicon.joints)]
    elsewhere = lexicon.not_massage_site_spans(text)  # also read by _body_words

    def said_where_no_region_is(c: Mention) -> bool:
        """"can't reach the top shelf" counts where nothing names a region or another place
        ("stomach cramps") and no complaint is known yet."""
        return regions_by_what_is_done and not any(
            not (c.start <= p.start < c.end) for p in parts) and not any(
            regions.same_sentence(lowered, c.start, s) for s, _ in elsewhere)

    mentions["condition"] = [c for c in mentions["condition"] if not any(
        p.start < c.start < p.end < c.end for p in joint_parts)
        and (not lexicon.only_without_a_region(c.text) or said_where_no_region_is(c))]
    # "joint pain in my knees": the joint word of a condition's own name is no region
    parts = [p for p in parts if not (any(p is j for j in joint_parts) and any(
        c.start <= p.start < c.end for c in mentions["condition"]))]
    pains = sorted(lexicon.pain_word_spans(text)
                   + [m.span() for m in SEVERITY_NUMBER.finditer(lowered)])
    radiation = regions.radiation_spans(lowered, parts, mentions["condition"])
    region_pains = regions.region_conditions(text, lowered, parts, mentions["condition"], pains,
                                             lexicon, tight=_tightness_as_complaint(text, lowered, lexicon,
                                                                     mentions["condition"]),
                                             radiation=radiation)
    condition_mentions = mentions["condition"] + region_pains
    condition_mentions += _injured_regions(text, lowered, parts, condition_mentions, lexicon)
    condition_mentions += _activity_injuries(lowered, text, condition_mentions, lexicon)
    condition_mentions = [m for m in condition_mentions if not (
        m.id == "overuse_injury" and _AGGRAVATOR_LEAD.search(lowered[max(0, m.start - 40):m.start]))
        and not (m.id in WELLBEING_CONDITIONS and _a_trigger(lowered, m.start, m.end))
        and not any(start < m.end and m.start < end for start, end in named)]
    condition_mentions += [Mention("condition", implied, m.text, m.start, m.end)
                           for m in list(condition_mentions)
                           for implied in lexicon.implied_conditions.get(normalise_text(m.text), [])]
    rules = assertion.load_rules()
    cues = rules.cues(lowered)
    conditions: list[ConditionMention] = []
    region_pain = set(lexicon.region_pain_condition.values())
    for mention in sorted(condition_mentions, key=lambda m: m.start):
        # a region inside another concern's words belongs to that concern
        own_parts = [p for p in parts if not any(
            o is not mention and o.start <= p.start and p.end <= o.end and
            not (mention.start <= p.start and p.end <= mention.end) for o in condition_mentions)
            and not any(start <= p.start < end for start, end in radiation)]
        part = _part_for(mention, own_parts, lowered, lexicon)
        status = _status(text, lowered, getattr(mention, "complaint", None) or mention, rules,
                         cues, lexicon)
        fixed_place = lexicon.condition_body_part.get(mention.id) and mention.id not in region_pain
        listed = [] if fixed_place else _listed_with(part, own_parts, lowered)
        for region_part in [part] + listed:
            # "my hips and lower back ache": each listed region is pain there
            condition_id = mention.id
            if region_part is not part and mention.id in region_pain:
                condition_id = lexicon.pain_condition(region_part.id, region_part.text) or "muscle_pain"
            cond = ConditionMention(
                id=condition_id, text=mention.text, status=status,
                body_part=region_part.id if region_part else lexicon.condition_body_part.get(mention.id),
                side=_side_for(mention, region_part, mentions["side"], lowered),
                start=mention.start, end=mention.end)
            found = RADIATION.search(lowered, mention.end)
            # "TMJ and also sciatica down my right leg": the pain that travels is the nearest
            # concern's before it, not the jaw's
            if found and any(o is not mention and mention.end <= o.start < found.start()
                             for o in condition_mentions):
                found = None
            if found and regions.same_sentence(lowered, mention.end, found.start()) \
                    and regions.words_apart(lowered, (mention.start, mention.end), found.span()) <= 12 \
                    and not _RADIATION_DENIED.search(lowered, max(mention.end, found.start() - 30),
                                                     found.start()):
                cond.radiates_to = RADIATION_REGION[found.group(2)]
                cond.side = cond.side or found.group(1)
            conditions.append(cond)
        if status == "historical" and RECURRENCE.search(lowered, mention.end) and \
                regions.same_sentence(lowered, mention.end, RECURRENCE.search(lowered, mention.end).start()):
            conditions.append(replace(conditions[-1], status="present"))  # "had TMJ as a teen, it's back"
    _booked_for_them(conditions, text, lowered)
    _muscles_of_a_region(conditions, parts, lowered, lexicon)
    conditions += _injury_region_pain(conditions, parts, lexicon)
    _side_said_apart(conditions, lowered)
    _surgery_status(conditions, lowered)
    all_over = any(c.id in lexicon.whole_body_pain_of and c.status == "present" for c in conditions)
    conditions = _dedupe([c for c in conditions if not (
        c.id in WELLBEING_CONDITIONS and c.body_part in ("chest", "abdomen"))
        and not (all_over and c.body_part == "whole_body" and c.id == "muscle_pain"
                 and "muscle" not in c.text.lower())])
    goals = [m.id for m in _wanted_goals(text, lowered, mentions["goal"], rules, cues)]
    body_words = _body_words(text, lowered, lexicon, rules, cues, named, mentions["body_part"],
                             elsewhere)
    if intent == INTAKE_INTENT and regions_by_what_is_done and not (
            conditions or goals or body_words or mentions["goal"]):
        conditions = _regions_the_model_reads_as_complaints(text, lowered, parts, mentions["side"],
                                                            elsewhere, named, rules, cues, lexicon)
    aggravators = [m.id for m in mentions["aggravator"]
                   if AGGRAVATION_CUE.search(lowered[max(0, m.start - 40):m.end + 20])]
    severity = _severity(text, lowered, entities or [], lexicon,
                         [c for c in conditions if c.status == "present"
                          and c.id not in WELLBEING_CONDITIONS])
    duration = _duration(lowered, text, conditions)
    at = text.find(duration) if duration else -1
    sources = {key: found for key, found in (
        ("severity", _source(text, severity[1:] if severity else None)),
        ("duration", _source(text, (at, at + len(duration)) if at >= 0 else None))) if found}
    return Extraction(
        text=text,
        conditions=conditions,
        goals=list(dict.fromkeys(goals)),
        severity=severity[0] if severity else None,
        duration=duration,
        sources=sources,
        aggravators=list(dict.fromkeys(aggravators)),
        surgery=_surgery(conditions, text, lowered),
        referral=_referral(lowered),
        preference=_preference(lowered, intent),
        wants_massage=bool(MASSAGE_WISH.search(lowered)),
        body_words=body_words,
    )


#: "will running every day ruin my knees": a region in a sentence about what might be
_WHAT_MIGHT_BE = re.compile(r"\b(?:will|would|what if|if|in case|someday|ever)\b[^.!?;]*$")


def _regions_the_model_reads_as_complaints(text: str, lowered: str, parts: list[Mention],
                                           sides: list[Mention], elsewhere, named, rules, cues,
                                           lexicon: Lexicon) -> list[ConditionMention]:
    """"my neck has been weird since monday", in words no lookup knows: the trained model
    reads the message as describing symptoms and it names a region, so that region is the
    complaint (the client confirms it at the summary). Not a region said as no longer, never,
    someone else's or maybe, nor in a sentence about a place massage does not treat (a rash,
    the stomach), nor what might be; nor the chest, the belly, the head or the whole body
    (tired, weak, cold: not the muscles' or joints' own)."""
    elsewhere = elsewhere + lexicon.word_list_spans("not_muscle_or_joint", text)
    found = []
    for part in parts:
        condition_id = lexicon.pain_condition(part.id, part.text) or "muscle_pain"
        if part.id in ("chest", "abdomen", "head", "whole_body") \
                or _WHAT_MIGHT_BE.search(lowered[max(0, part.start - 60):part.start]) \
                or assertion.assert_status(text, part.start, part.end, rules, cues, condition_id) != "present" \
                or any(regions.same_sentence(lowered, s, part.start) for s, _ in elsewhere) \
                or any(s < part.end and part.start < e for s, e in named):
            continue
        found.append(ConditionMention(id=condition_id, text=part.text, body_part=part.id,
                                      side=_side_for(part, part, sides, lowered),
                                      start=part.start, end=part.end))
    return _dedupe(found)


def _wanted_goals(text: str, lowered: str, goals: list[Mention], rules, cues) -> list[Mention]:
    """The goal mentions the client wants: said as present, not asked about ("what's the
    difference between..."), not a sleeping position, not what sets the pain off."""
    return [m for m in goals
            if assertion.assert_status(text, m.start, m.end, rules, cues) == "present"
            and not _GOAL_ASKED_ABOUT.search(lowered[max(0, m.start - 60):m.start])
            and not (m.id == "sleep" and _SLEEP_POSITION.search(lowered, m.start, m.end + 20))
            and not _a_trigger(lowered, m.start, m.end)]


def word_spans(text: str, lexicon: Lexicon | None = None) -> dict[str, list[Mention]]:
    """Where one message names body regions, sides and goals, read as `extract` reads them
    (regions that are the body's, sides that are a side, goals the client wants), with their
    offsets in `text`: for the staff pages' highlights (bot.records.intake_facts)."""
    text = (text or "")[:EXTRACTION_MAX_CHARS]
    lexicon = lexicon or load_lexicon()
    lowered = normalise_text(text)
    mentions = _mentions(text, [], lexicon)
    rules = assertion.load_rules()
    return {"body_part": regions.real_body_parts(lowered, mentions["body_part"], lexicon),
            "side": mentions["side"],
            "goal": _wanted_goals(text, lowered, mentions["goal"], rules, rules.cues(lowered))}


def _body_words(text: str, lowered: str, lexicon: Lexicon, rules, cues, named,
                parts: list[Mention], sites: list[tuple[int, int]]) -> list[str]:
    """The client's words about a problem with the body, said as their own and current, in
    a sentence that names no place massage does not treat (throat, stomach, the dog: `sites`,
    Lexicon.not_massage_site_spans)."""
    elsewhere = sites + [
        (p.start, p.end) for p in parts
        if p.id == "abdomen" or (p.id == "chest" and "rib" not in p.text.lower())]
    return list(dict.fromkeys(
        text[s:e].lower() for s, e in lexicon.body_problem_spans(text)
        if assertion.assert_status(text, s, e, rules, cues) == "present"
        and not any(a < e and s < b for a, b in named)
        and not any(regions.same_sentence(lowered, a, s) for a, _ in elsewhere)))


def _tightness_as_complaint(text: str, lowered: str, lexicon: Lexicon,
                            conditions: list[Mention]) -> list[tuple[int, int]]:
    """Tight words that make a region's complaint: none where the client says it does not
    hurt, and not tightness the client puts down to stress in the same sentence ("tense
    neck and shoulders from stress at work" is what a relaxation massage is for)."""
    if assertion.says_no_pain(lowered):  # "it's not painful though", "nothing hurts"
        return []
    stress = [c for c in conditions if c.id in ("stress", "anxiety")]
    return [span for span in lexicon.tightness_word_spans(text)
            if not any(regions.same_sentence(lowered, c.start, span[0]) for c in stress)]


#: Words of family history, not of a relative's trouble now ("my dad had sciatica").
_FAMILY_HISTORY = re.compile(r"\b(?:had|has had|used to|passed|died|runs? in|in the family|"
                             r"family history|genetic|hereditary|inherited|so i know|"
                             r"worried i|afraid i|worry i|might get|will get|i'?ll get|get it too|"
                             r"suffered|all (?:his|her|their) life)\b")


#: The client turns to themselves or to another subject: the relative was an aside.
_ABOUT_ME = re.compile(r"\b(?:for me|for myself|myself|i just|i dont|i don't|i do not|i have no|"
                       r"i'm fine|im fine|anyway|swears by|gift card|gift certificate|"
                       r"recommended you|i want|i need|i'd like|id like)\b")
_FOR_THEM = re.compile(r"\b(?:help (?:him|her|them)|work on (?:him|her|them)|book|booking|"
                       r"appointment|appt|come in|see (?:him|her|them))\b")


def _booked_for_them(conditions: list[ConditionMention], text: str, lowered: str) -> None:
    """"booking for my husband, he's got a bad shoulder", or a message only about someone
    else's trouble now ("my bf's lower back is wrecked"): the person is the one to book for,
    so what is said about them is present, not family history."""
    if any(c.status == "family" for c in conditions):
        from bot import safety
        from bot.turns import plainly_a_question

        # not "my brother has sciatica, anyway what time do you close?": a question elsewhere
        only_about_them = not any(c.status == "present" for c in conditions) \
            and not _FAMILY_HISTORY.search(lowered) and not _ABOUT_ME.search(lowered) \
            and (MASSAGE_WISH.search(lowered) or _FOR_THEM.search(lowered)
                 or not plainly_a_question(text))
        if only_about_them or safety.books_for_someone_else(text, safety.load_safety_rules()):
            for cond in conditions:
                if cond.status == "family":
                    cond.status = "present"


_SIDE_APART = re.compile(r"\b(?:on|in|it'?s|its|only)\s+(?:the|my)\s+(left|right)\s+side\b"
                         r"|\bonly\s+(?:the|my)\s+(left|right)\b")


def _side_said_apart(conditions: list[ConditionMention], lowered: str) -> None:
    """"upper back ... it hurts on the right side": a side said on its own belongs to the one
    complaint that has a body region and no side (never guessed among several)."""
    said = {m.group(1) or m.group(2) for m in _SIDE_APART.finditer(lowered)}
    open_ = [c for c in conditions if c.status == "present" and c.body_part and not c.side
             and c.body_part not in ("head", "whole_body", "chest", "abdomen")]
    if len(said) == 1 and len(open_) == 1:
        open_[0].side = said.pop()


#: "no pain down the legs": the pain is said not to travel
_RADIATION_DENIED = re.compile(r"\b(?:no|not|never|without|nothing)\b|n't\b")


_A_MUSCLE = re.compile(r"\bmuscl")
_MUSCLES_IN = re.compile(r"\bmuscl\w*\s+(?:in|of|on|around|across)\s+(?:(?:my|the|both|his|her|"
                         r"left|right|lower|upper)\s+){0,2}$")


def _muscles_of_a_region(conditions: list[ConditionMention], parts: list[Mention],
                         lowered: str, lexicon: Lexicon) -> None:
    """"muscle pain in my shoulder", "muscle spasm in my lower back": the region's complaint
    (its muscles'), not the whole body's."""
    for cond in conditions:
        if cond.id != "muscle_pain":
            continue
        if cond.body_part not in (None, "whole_body"):
            # "sore muscles in my back": found at the back, the back's complaint
            if "muscle" in cond.text.lower() and lexicon.region_pain_condition.get(cond.body_part):
                cond.id = lexicon.pain_condition(cond.body_part)
            continue
        region = next((p for p in parts if p.start >= cond.end and regions.has_its_own_pain(p, lexicon)
                       and regions.IN_THE_REGION.fullmatch(lowered, cond.end, p.start)), None)
        if region is None:
            continue
        for listed in _listed_with(region, parts, lowered):  # "... in my back and shoulders"
            conditions.append(replace(cond, id=lexicon.pain_condition(listed.id, listed.text)
                                      or "muscle_pain", body_part=listed.id))
        cond.id = lexicon.pain_condition(region.id, region.text) or "muscle_pain"
        cond.body_part = region.id
    # "my neck muscles are sore", "muscle spasm in my lower back": the region's complaint and
    # its muscles' both (what the region's pain condition alone would not say)
    conditions += [replace(cond, id="muscle_pain") for cond in list(conditions)
                   if cond.status == "present" and cond.body_part not in (None, "whole_body", "jaw")
                   and _sore_muscles_of(cond, lowered)
                   and cond.id == lexicon.pain_condition(cond.body_part) != "muscle_pain"
                   and not any(c.id == "muscle_pain" and c.body_part == cond.body_part
                               for c in conditions)]


#: what muscles do when they hurt; tight or stiff muscles are tension, not pain
_MUSCLE_HURTS = re.compile(r"\b(?:sore|ach|pain|hurt|spasm|cramp|throb|burn|tender|strain|"
                           r"pull|tear|tore|torn|knot)")


def _sore_muscles_of(cond: ConditionMention, lowered: str) -> bool:
    """The region's muscles said sore: "my neck muscles ache", "muscles in my back hurt"."""
    words = cond.text.lower()
    muscles = _A_MUSCLE.search(words) or _MUSCLES_IN.search(lowered[max(0, cond.start - 40):cond.start])
    return bool(muscles and _MUSCLE_HURTS.search(words))


def _regions_of_what_is_done(lowered: str, parts: list[Mention], aggravators: list[Mention],
                             complaint_known: bool = False) -> list[Mention]:
    """Without the regions named in what is done ("when I lift my arm") where another region
    is named in the sentence, or a complaint is known already (a later message: "it hurts when
    i lift my arm over my head" about the shoulder said before)."""
    def in_an_action(part: Mention) -> bool:
        return any(a.start <= part.start < a.end for a in aggravators)

    return [p for p in parts if not (in_an_action(p) and (complaint_known or any(
        not in_an_action(o) and o.id != p.id and o.id != "whole_body"
        and regions.same_sentence(lowered, o.start, p.start) for o in parts)))]


def _injury_region_pain(conditions: list[ConditionMention], parts: list[Mention],
                        lexicon: Lexicon) -> list[ConditionMention]:
    """An injury in a region ("meniscus tear in my knee") is also that region's complaint,
    and so is arthritis (conditions.yml `region_complaint_too`), in the region's words (a
    sprained ankle's is joint pain)."""
    made = []
    for cond in conditions:
        words = " ".join([cond.text] + [p.text for p in parts if p.id == cond.body_part])
        pain = lexicon.pain_condition(cond.body_part, words)
        if cond.id in lexicon.region_complaint_too and pain and cond.body_part != "whole_body":
            made.append(replace(cond, id=pain))
    return made


def _status(text: str, lowered: str, mention: Mention, rules, cues, lexicon: Lexicon) -> str:
    """A region pain is read at its pain word too: "my knee doesn't hurt" is negated."""
    status = assertion.assert_status(text, mention.start, mention.end, rules, cues, mention.id)
    if status == "present" and isinstance(mention, RegionPain):
        status = assertion.assert_status(text, mention.pain_start, mention.pain_end, rules,
                                         cues, mention.id)
    if status == "historical" and isinstance(mention, RegionPain) and _said_to_be_now(
            lowered, mention, lexicon):
        status = "present"
    if status == "present" and isinstance(mention, RegionPain) and _only_a_noise_denied(
            lowered, mention, lexicon):
        status = "negated"
    return status


def _said_to_be_now(lowered: str, mention: RegionPain, lexicon: Lexicon) -> bool:
    """"dislocated it last year, healed but still achy": "still" just before the pain word
    says the pain is now, though the injury was then (conditions.yml `present_now_cues`)."""
    cue = lexicon.present_now_before
    if cue is None:
        return False
    for start, _ in lexicon.pain_word_spans(lowered):
        before = lowered[max(0, start - 40):start]
        if start >= mention.start and regions.same_sentence(lowered, mention.start, start) \
                and cue.search(before) and not re.search(r"\b(?:not?|never|n't|nt)\b", before[-25:]):
            return True
    return False


def _only_a_noise_denied(lowered: str, mention: RegionPain, lexicon: Lexicon) -> bool:
    """"my neck pops and grinds, no pain really": a joint that only makes noises is no pain
    when the same sentence says it does not hurt (conditions.yml `noise_words`)."""
    if lowered[mention.pain_start:mention.pain_end] not in lexicon.noise_words:
        return False
    return any(regions.same_sentence(lowered, mention.pain_end, start)
               for start, _ in lexicon.pain_denial_spans(lowered))


def _part_for(mention: Mention, parts: list[Mention], lowered: str, lexicon: Lexicon):
    # the region said right after it first: "carpal tunnel in my right wrist and I strained
    # my left hamstring" strained the hamstring, not the wrist as far before it
    part = next((p for p in parts if mention.end < p.start <= mention.end + 24
                 and _INJURED_REGION_GAP.fullmatch(lowered, mention.end, p.start)), None) \
        or _nearest(mention, parts, lowered, max_words=5)
    if part is None:
        return None
    default = lexicon.condition_body_part.get(mention.id)
    region_condition = lexicon.region_pain_condition.get(part.id)
    if region_condition is None and mention.id != "other" and default:
        return None
    if region_condition and mention.id != region_condition and default \
            and mention.id in lexicon.region_pain_condition.values():
        return None  # "tension headaches, shoulders up by my ears": the headache is the head's
    inside = mention.start <= part.start and part.end <= mention.end
    if inside and default and region_condition not in (None, mention.id) \
            and mention.id in lexicon.region_pain_condition.values():
        return None  # "turning my head hurts" is neck pain, in the neck
    return part


def _listed_with(part: Mention | None, parts: list[Mention], lowered: str) -> list[Mention]:
    """Regions listed with the chosen one: "arthritis in my hands and knees", "neck n
    shoulders r super tight"."""
    if part is None:
        return []
    listed, last = [], part
    for other in parts:
        if other.start >= last.end and other.id != part.id and \
                regions.LIST_JOIN.fullmatch(lowered[last.end:other.start]):
            listed.append(other)
            last = other
    first = part
    for other in reversed(parts):
        if other.end <= first.start and other.id != part.id and other not in listed and \
                regions.LIST_JOIN.fullmatch(lowered[other.end:first.start]):
            listed.append(other)
            first = other
    return listed


#: "stress and bad sleep make it worse", "worse with stress": what sets the pain off.
_MAKES_IT_WORSE = re.compile(r"^[\w\s,']{0,40}?\b(?:makes?|made|making) (?:it|them|this|that|things|"
                             r"my \w+) (?:\w+ )?(?:worse|flare|act up)")
_WORSE_WITH = re.compile(r"\b(?:worse|flares?(?: up)?|acts? up|triggered) (?:with|from|by|during|"
                         r"when i(?:'m| am)?)\s+(?:\w+\s+){0,3}$")


def _a_trigger(lowered: str, start: int, end: int) -> bool:
    return bool(_MAKES_IT_WORSE.search(lowered[end:end + 60])
                or _WORSE_WITH.search(lowered[max(0, start - 50):start]))


#: "worse when I type all day": the job makes it worse, which is no injury said.
_AGGRAVATOR_LEAD = re.compile(r"\b(?:when|while|whenever|if|after)\s+(?:i\s+|im\s+|i'm\s+)?(?:\w+\s+){0,2}$")


#: between an injury verb and its region: "rolled ankle", "jammed my pinky", "popped in my hip"
_INJURED_REGION_GAP = re.compile(r"\s+(?:(?:in|on|into)\s+)?(?:(?:my|the|a|his|her|their|both|"
                                 r"left|right|lft|rt|r|l|own)\s+){0,2}$")


def _injured_regions(text: str, lowered: str, parts: list[Mention], conditions: list[Mention],
                     lexicon: Lexicon) -> list[Mention]:
    """An injury verb with a region just after it is an injury there, said in any words
    ("jammed my pinky", "rolled ankle bball", "something popped in my right hip")."""
    made = []
    for start, end in lexicon.injury_verb_spans(text):
        if any(c.id == "sports_injury" and c.start <= start < c.end for c in conditions):
            continue
        part = next((p for p in parts if p.start > end and p.start - end <= 24
                     and p.id != "whole_body"  # "my joints hurt all over"
                     and _INJURED_REGION_GAP.fullmatch(lowered, end, p.start)), None)
        if part is not None:
            made.append(Mention("condition", "sports_injury", text[start:part.end], start, part.end))
    return made


@dataclass(frozen=True)
class ActivityInjury(Mention):
    """An injury made of a sport (or job) and the complaint said with it; its status is the
    complaint's ("my daughter hurt her knee at netball" is hers now, not family history)."""
    complaint: Mention | None = None


def _activity_injuries(lowered: str, text: str, conditions: list[Mention],
                       lexicon: Lexicon) -> list[Mention]:
    """Pain from a sport is a sports injury, pain from the job an overuse injury (lookups);
    a mishap at a sport is a sports injury without a pain word too ("a cut on my leg from
    football", "hit by a baseball")."""
    made = []
    present_pain = [c for c in conditions if c.id not in WELLBEING_CONDITIONS]
    injury_words = lexicon.word_list_spans("injury_word", lowered)
    for label, condition_id in (("sport_activity", "sports_injury"), ("work_activity", "overuse_injury")):
        if any(c.id == condition_id for c in conditions):
            continue
        for activity in lexicon.scan(text, label):
            if any(c.start <= activity.start < c.end for c in conditions):
                continue  # the sport in a condition's name: "tennis elbow from painting"
            said_with = [c for c in present_pain
                         if regions.same_sentence(lowered, activity.start, c.start)]
            complaint = min(said_with, default=None, key=lambda c: regions.words_apart(
                lowered, (c.start, c.end), (activity.start, activity.end)))
            # "hurts when I run" is when it hurts; "sore after swimming practice" its cause
            lead = _AGGRAVATOR_LEAD.search(lowered[max(0, activity.start - 40):activity.start])
            if lead and not (label == "sport_activity" and lead.group(0).startswith("after")) \
                    and not _event_in_sentence(lowered, activity.start, lexicon):
                continue
            # a complaint said with a sport is that sport's injury ("my elbow aches since I
            # took up tennis", "calves sore after the marathon"), with a job an overuse injury
            mishap = label == "sport_activity" and any(
                regions.same_sentence(lowered, start, activity.start) for start, _ in injury_words)
            if complaint is not None or mishap:
                made.append(ActivityInjury("condition", condition_id, activity.text, activity.start,
                                           activity.end, complaint=complaint))
                break
    return made


def _event_in_sentence(lowered: str, at: int, lexicon: Lexicon) -> bool:
    """What happens once, at the moment of an injury (conditions.yml `injury_events`): with it
    "while playing" is when it happened ("my knee popped while playing"), without it when it
    hurts ("aches when I run")."""
    return any(regions.same_sentence(lowered, start, at)
               for start, _ in lexicon.word_list_spans("injury_event", lowered))


def _dedupe(conditions: list[ConditionMention]) -> list[ConditionMention]:
    kept: dict[tuple, ConditionMention] = {}
    for cond in conditions:
        regionless = (cond.id, cond.status, None)
        key = (cond.id, cond.status, cond.body_part)
        if regionless in kept and cond.body_part:  # the region was found after all
            old = kept.pop(regionless)
            kept[key] = replace(old, body_part=cond.body_part, side=old.side or cond.side)
            continue
        levels = [k for k in kept if k[:2] == key[:2] and k[2] in BACK_LEVELS]
        if cond.body_part == "back" and levels:
            continue  # "lower back pain ... my back": one concern, at the level named
        if cond.body_part in BACK_LEVELS and (cond.id, cond.status, "back") in kept:
            old = kept.pop((cond.id, cond.status, "back"))
            kept[key] = replace(old, body_part=cond.body_part, side=old.side or cond.side)
            continue
        if cond.body_part is None and any(k[:2] == key[:2] for k in kept):
            continue
        if key not in kept:
            kept[key] = cond
        else:
            old = kept[key]
            kept[key] = replace(old, body_part=old.body_part or cond.body_part,
                                side=old.side or cond.side)
    # a condition reported present and also negated in one message: keep both, staff decide
    return list(kept.values())


#: Recovery from a surgery dated longer ago than this is over unless the client says it is
#: not ("still recovering"); the surgery is then historical (its date kept).
SURGERY_RECOVERY_WEEKS = 12
STILL_RECOVERING = re.compile(r"\b(?:still|recovering|recovery|rehab|healing|since (?:the|my) "
                              r"(?:\w+ )?(?:surgery|operation|op|fusion|replacement|repair)|post[- ]?op|"
                              r"ever since)\b")


def _surgery_status(conditions: list[ConditionMention], lowered: str) -> None:
    """A surgery long past is historical; one still being recovered from stays present."""
    from bot.timeexpr import weeks_ago

    for cond in conditions:
        if cond.id != "post_surgical" or cond.status not in ("present", "negated"):
            continue
        when = _when_of(lowered, cond)
        if not when or when.start() > cond.end + 60:
            continue
        weeks = weeks_ago(lowered[when.start():when.end()])
        if weeks is None:
            continue
        if cond.status == "negated" and not re.search(
                r"\b(?:no|not|never|without|denies)\s+(?:\w+\s+){0,2}$", lowered[:cond.start]):
            cond.status = "historical"  # "no other issues, had a mastectomy in 2022"
        if cond.status == "present" and weeks > SURGERY_RECOVERY_WEEKS \
                and not STILL_RECOVERING.search(lowered):
            cond.status = "historical"


#: "what's the difference between relaxation and medical massage?": a question, no wish.
_GOAL_ASKED_ABOUT = re.compile(r"\b(?:difference between|differences between|what'?s|whats|what is|"
                               r"which is|compared to|vs\.?|versus)\b[^.!?]*$")
#: "worse when I sleep on my side": a position that hurts, not a wish to sleep better.
_SLEEP_POSITION = re.compile(r"\b(?:sleep(?:ing|s)?|slept)\s+on\s+(?:my|the|your|it|them|a|that|this|either|his|her)\b")


def _when_of(lowered: str, cond: ConditionMention) -> re.Match | None:
    """The time said with a mention, in its own sentence ("finished my blood thinner two
    weeks ago. My knee replacement was 6 weeks ago": six weeks)."""
    start = max([b.end() for b in SENTENCE_BREAK.finditer(lowered, 0, cond.start)], default=0)
    after = SENTENCE_BREAK.search(lowered, cond.end)
    if after and _THAT_WAS.match(lowered, after.start()):
        after = SENTENCE_BREAK.search(lowered, after.end())  # "...but that was 6 years ago"
    end = after.start() if after else len(lowered)
    return WHEN.search(lowered, max(start, cond.start - 60), end)


_THAT_WAS = re.compile(r",?\s*(?:but\s+)?(?:that|it|which|this)\s+(?:was|were|is)\b")


def _surgery(conditions: list[ConditionMention], text: str, lowered: str) -> dict | None:
    surgical = [c for c in conditions if c.id == "post_surgical" and c.status in ("present", "historical")]
    if not surgical:
        return None
    when = _when_of(lowered, surgical[0])
    return {"text": surgical[0].text,
            "when": text[when.start():when.end()] if when else None}


def _preference(lowered: str, intent: str | None) -> str | None:
    """Only the client's explicit words; the intent alone is too noisy a signal for this."""
    if RELAX_PREFERENCE.search(lowered):
        return "relaxation"
    if MEDICAL_PREFERENCE.search(lowered):
        return "medical"
    return None

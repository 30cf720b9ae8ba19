"""A simulated cooperative client that talks to the real stack and checks what is stored.

Each conversation is a persona generated from the combinations in `sim/personas.yml` (openings,
phrasings of every answer, names, contacts, interruptions, typos) with a seeded random
generator, so a run is reproducible. The client reads each bot message, works out what it asks
by keywords, answers from the persona and keeps the record it expects; after the run the
stored records (`python -m bot export`) are compared with it field by field.

    .venv/bin/python -m sim.simulator --conversations 300 --seed 1
    .venv/bin/python -m sim.simulator --conversations 1 --seed 3 --show 0   # one full transcript
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = yaml.safe_load((Path(__file__).parent / "personas.yml").read_text(encoding="utf-8"))
MAX_TURNS = 30
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
                8: "eight", 9: "nine", 10: "ten"}
UNIT_ABBR = {"day": "days", "week": "wks", "month": "mos", "year": "yrs"}
UNIT_ABBR_ONE = {"day": "day", "week": "wk", "month": "mo", "year": "yr"}
FIELDS = ["name", "contact", "appointment_type", "preferred_times", "referral", "insurance",
          "conditions", "conditions_extra", "severity", "duration"]


def catalogue() -> dict[str, dict]:
    """Appointment types by lowercased name (the names the bot shows), read from the
    practice's menu file."""
    types = yaml.safe_load((ROOT / "data" / "appointment_types.yml").read_text())
    return {t["name"].lower(): t for t in types["appointment_types"]}


CATALOGUE = catalogue()


# ----------------------------------------------------------------------------- persona

@dataclass
class Persona:
    index: int
    kind: str                      # medical, multi, relaxation, prenatal
    shape: str                     # the opening's shape
    opening: str                   # the opening's template
    opening_referral: bool
    concerns: list[dict]           # [{"key", "side"}]
    goal: str | None
    duration: dict                 # {"n", "unit"} or {"forms": [...], "key"}
    severity: int
    aggravator: dict
    referral: bool
    doctor: str
    insurer: str | None            # None: self-pay
    name: str
    name_say: str | None           # a special way of giving the name
    contact_kind: str              # phone or email
    contact_say: str               # how the number or address is written
    contact_value: str             # what must be stored (E.164 or the email)
    times: str
    weeks: int
    pick_strategy: str
    pick_index: int
    typos: bool
    faq_at: int | None
    faq: str
    correction: str | None         # side, phone, email, times
    start_over_at: int | None
    emergency_at: int | None
    emergency: str

    @property
    def emergency_persona(self) -> bool:
        return self.emergency_at is not None

    @property
    def medical(self) -> bool:
        return self.kind in ("medical", "multi", "prenatal")


def _phone(rng: random.Random) -> tuple[str, str]:
    area = rng.choice(DATA["area_codes"])
    exchange = str(rng.randint(201, 989))
    line = f"{rng.randint(0, 9999):04d}"
    form = rng.choice(DATA["phone_forms"])
    return form.format(a=area, x=exchange, l=line), f"+1{area}{exchange}{line}"


def _email(rng: random.Random, name: str, index: int) -> str:
    name = name.translate(str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "ß": "ss", "ł": "l", "đ": "d"}))
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    parts = [re.sub(r"[^a-z-]", "", p.lower()) for p in ascii_name.split()]
    parts = [p for p in parts if p and p != "dr"]
    local = ".".join(parts) if parts and len("".join(parts)) >= 2 else f"client{index}"
    if rng.random() < 0.3:
        local += str(rng.randint(1, 99))
    return f"{local}@{rng.choice(DATA['email_domains'])}"


def make_persona(seed: int, index: int) -> Persona:
    rng = random.Random(f"sim-{seed}-{index}")
    opening = rng.choice(DATA["openings"])
    kind = opening["kind"]
    if kind == "any":
        kind = rng.choices(["medical", "multi", "relaxation", "prenatal"], [6, 1, 3, 1])[0]
    keys = list(DATA["concerns"])
    concerns: list[dict] = []
    goal = None
    if kind == "prenatal":
        concerns = [{"key": DATA["prenatal_concern"], "side": None}]
    elif kind in ("medical", "multi"):
        chosen = rng.sample(keys, 2 if kind == "multi" else 1)
        if kind == "multi" and {"headache", "migraine"} <= set(chosen):
            chosen = [chosen[0], "knee"]
        concerns = [{"key": k, "side": rng.choice(["left", "right"])
                     if DATA["concerns"][k].get("sided") else None} for k in chosen]
    else:
        goal = rng.choice(list(DATA["relaxation"]))
    duration = dict(opening.get("duration") or rng.choice(DATA["durations"]))
    name_special = rng.random() < 0.1
    special = rng.choice(DATA["name_special"]) if name_special else None
    name = special["name"] if special else rng.choice(DATA["names"])
    contact_kind = "phone" if rng.random() < 0.65 else "email"
    if contact_kind == "phone":
        contact_say, contact_value = _phone(rng)
    else:
        contact_value = _email(rng, name, index)
        contact_say = contact_value.title() if rng.random() < 0.1 else contact_value
    referral = bool(opening.get("referral")) or (kind != "relaxation" and rng.random() < 0.4)
    medical = kind != "relaxation"
    # Interruptions at an answer step (1 = the first answer after the opening).
    steps = 9 if medical else 5
    emergency_at = rng.randint(0, min(steps, 6)) if rng.random() < 0.05 else None
    start_over_at = rng.randint(1, 4) if rng.random() < 0.08 else None
    sided = any(c["side"] for c in concerns)
    correction = None
    if rng.random() < 0.2:
        options = ["times", "email" if contact_kind == "email" else "phone"] + (["side"] * 2 if sided else [])
        correction = rng.choice(options)
    return Persona(
        index=index, kind=kind, shape=opening["shape"], opening=opening["text"],
        opening_referral=bool(opening.get("referral")), concerns=concerns, goal=goal,
        duration=duration, severity=rng.randint(3, 9), aggravator=rng.choice(DATA["aggravators"]),
        referral=referral, doctor=rng.choice(DATA["doctors"]),
        insurer=rng.choice(DATA["insurers"]) if rng.random() < 0.6 else None,
        name=name, name_say=special["say"] if special else None,
        contact_kind=contact_kind, contact_say=contact_say, contact_value=contact_value,
        times=rng.choice(DATA["times"]), weeks=rng.randint(14, 36),
        pick_strategy=rng.choices(["number", "ordinal", "name_part", "full_name", "cheaper", "longer"],
                                  [4, 3, 3, 1, 1, 1])[0],
        pick_index=rng.choices([1, 2, 3], [6, 3, 1])[0],
        typos=rng.random() < 0.25,
        faq_at=rng.randint(1, steps) if rng.random() < 0.3 else None,
        faq=rng.choice(DATA["faq_questions"]),
        correction=correction, start_over_at=start_over_at, emergency_at=emergency_at,
        emergency=rng.choice(DATA["emergencies"]))


# ----------------------------------------------------------------------------- expected record

@dataclass
class Expected:
    name: str
    phone: str | None
    email: str | None
    appointment_type: str | None = None
    preferred_times: str | None = None
    referral: bool | None = None
    insurer: str | None = None       # "self-pay" or the insurer's name
    conditions: list[dict] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)  # the concern key of each condition
    also_ok: set = field(default_factory=set)
    severity: int | None = None
    duration: str | None = None      # normalised key, e.g. "3 week"
    said: set = field(default_factory=set)

    def reset(self) -> None:
        """After "start over" the client says everything again."""
        self.said.clear()
        self.appointment_type = None


def expected_for(p: Persona) -> Expected:
    exp = Expected(name=p.name, phone=p.contact_value if p.contact_kind == "phone" else None,
                   email=p.contact_value if p.contact_kind == "email" else None,
                   preferred_times=p.times)
    if p.medical:
        exp.referral = p.referral
        exp.insurer = p.insurer or "self-pay"
        exp.severity = p.severity
        exp.duration = duration_key(p.duration)
    for c in p.concerns:
        spec = DATA["concerns"][c["key"]]
        for cond in spec["conditions"]:
            exp.conditions.append({k: (c["side"] if v == "{side}" else v) for k, v in cond.items()})
            exp.origin.append(c["key"])  # which concern each expected condition comes from
        exp.also_ok |= set(spec.get("also_ok") or [])
    if p.goal:
        exp.also_ok |= set(DATA["relaxation"][p.goal].get("also_ok") or [])
    return exp


def duration_key(duration: dict) -> str:
    if "forms" in duration:
        return duration.get("key") or duration["unit"]
    return f"{duration['n']} {duration['unit']}"


def normalise_duration(text: str | None) -> str:
    text = (text or "").lower()
    for n, word in NUMBER_WORDS.items():
        text = re.sub(rf"\b{word}\b", str(n), text)
    text = re.sub(r"\b(?:a|an|one)\s+(?=(?:day|week|month|year|wk|mo|yr))", "1 ", text)
    text = re.sub(r"\b(\d+)\s*(?:wks?|weeks?)\b", r"\1 week", text)
    text = re.sub(r"\b(\d+)\s*(?:mos?|mths?|mnths?|mnoths?|months?)\b", r"\1 month", text)
    text = re.sub(r"\b(\d+)\s*(?:yrs?|years?)\b", r"\1 year", text)
    text = re.sub(r"\b(\d+)\s*(?:days?|d)\b", r"\1 day", text)
    return text


# ----------------------------------------------------------------------------- rendering

def _dur(p: Persona, rng: random.Random, ago: bool) -> str:
    d = p.duration
    if "forms" in d:
        form = rng.choice(d["forms"])
        return form + " ago" if ago and not form.startswith("since") else form
    n, unit = d["n"], d["unit"]
    forms = DATA["duration_ago_forms"] if ago else DATA["duration_forms"]
    form = rng.choice(forms)
    return form.format(n=n, nw=NUMBER_WORDS.get(n, str(n)) if n != 1 else "a",
                       u=unit + ("s" if n != 1 else ""), ua=(UNIT_ABBR if n != 1 else UNIT_ABBR_ONE)[unit])


def render(template: str, p: Persona, rng: random.Random, exp: Expected, style: str = "clauses") -> str:
    """Fills a template from the persona; notes which facts the client has now said."""
    values: dict[str, str] = {}

    def concern(i: int, form: str) -> str:
        c = p.concerns[min(i, len(p.concerns) - 1)]
        spec = DATA["concerns"][c["key"]]
        return rng.choice(spec[form]).format(side=c["side"] or "")

    for key in re.findall(r"\{(\w+)\}", template):
        if key in values:
            continue
        if key == "greet":
            values[key] = rng.choice(DATA["greetings"])
        elif key == "concern":
            values[key] = concern(0, style)
        elif key == "concern_n":
            values[key] = concern(0, "nouns")
        elif key == "concern_sms":
            values[key] = concern(0, "sms")
        elif key == "concern2":
            values[key] = concern(1, "clauses")
        elif key == "concern2_n":
            values[key] = concern(1, "nouns")
        elif key in ("dur", "dur_ago"):
            values[key] = _dur(p, rng, key == "dur_ago")
            exp.said.add("duration")
        elif key in ("sev", "sevw"):
            values[key] = str(p.severity) if key == "sev" else NUMBER_WORDS[p.severity]
            exp.said.add("severity")
        elif key == "agg":
            values[key] = p.aggravator["when"]
        elif key == "agg_ing":
            values[key] = p.aggravator["ing"]
        elif key == "doc":
            values[key] = p.doctor
        elif key == "goal":
            values[key] = rng.choice(DATA["relaxation"][p.goal]["wishes"]) if p.goal \
                else concern(0, "clauses") if p.concerns else "I'd like a massage"
        elif key == "weeks":
            values[key] = str(p.weeks)
        else:
            values[key] = "{" + key + "}"
    text = template.format(**values)
    text = re.sub(r"\bit started since\b", "it's been like this since", text)
    text = re.sub(r"\b(?:for|started|going on|it's been|for about)\s+since\b", "since", text)
    if any(w in text.lower() for w in DATA["severity_words"]):
        exp.said.add("severity_word")
    if any(form in text.lower() for form in p.duration.get("forms") or []):
        exp.said.add("duration")  # an opening written with its own time ("... since sat")
    return text[:1].upper() + text[1:] if template.startswith("{concern") and rng.random() < 0.5 else text


def add_typo(text: str, rng: random.Random) -> str:
    """One typo in one longer word: two letters swapped, one dropped or one doubled."""
    words = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z]{5,}", text)]
    if not words:
        return text
    start, end = rng.choice(words)
    word = text[start:end]
    i = rng.randint(1, len(word) - 2)
    kind = rng.choice(["swap", "drop", "double"])
    if kind == "swap":
        word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    elif kind == "drop":
        word = word[:i] + word[i + 1:]
    else:
        word = word[:i] + word[i] + word[i:]
    return text[:start] + word + text[end:]


# ----------------------------------------------------------------------------- the bot's messages

def _find(text: str, keywords: list[str]) -> int:
    """Position of the last keyword found in text, -1 when none."""
    lowered = text.lower().replace("\u2019", "'")
    return max((lowered.rfind(k.lower()) for k in keywords), default=-1)


def read_bot(text: str) -> tuple[str | None, str | None]:
    """(terminal state, question asked): terminal is emergency, done or followup_stored."""
    bot = DATA["bot"]
    for state in ("emergency", "followup_stored", "done"):
        if _find(text, bot[state]) >= 0:
            return state, None
    found = {q: _find(text, words) for q, words in bot["questions"].items()}
    found = {q: pos for q, pos in found.items() if pos >= 0}
    return None, (max(found, key=found.get) if found else None)


def misunderstood(text: str) -> bool:
    return _find(text, DATA["bot"]["misunderstood"]) >= 0


OPTION_LINE = re.compile(r"^\s*(\d+)[.)]\s+(.+?),\s*\$\s?(\d+(?:\.\d\d)?)\s*$", re.M)


def parse_options(text: str) -> list[dict]:
    """The numbered list the bot showed, mapped to the menu's ids."""
    options = []
    for number, name, price in OPTION_LINE.findall(text):
        entry = CATALOGUE.get(name.strip().lower())
        options.append({"number": int(number), "name": name.strip(), "price": float(price),
                        "id": entry["id"] if entry else None,
                        "minutes": entry["minutes"] if entry else None})
    return options


def _short_names(name: str) -> list[str]:
    """Parts of a menu name a client might use: "deep tissue", "trigger point", "swedish"."""
    family = re.sub(r",\s*\d+\s*min.*$", "", name)
    parts = [family]
    paren = re.search(r"\(([^)]+)\)", family)
    if paren:
        parts.append(paren.group(1))
    short = re.split(r"\s+\(|\s+&", family)[0]
    short = re.sub(r"\s+(?:massage|therapy|work|release)$", "", short, flags=re.I)
    parts.append(short)
    return list(dict.fromkeys(p.lower() for p in parts if p))


def choose(options: list[dict], p: Persona, rng: random.Random, plain: bool) -> tuple[str, dict]:
    """The client's pick and the option it means, by the persona's way of picking."""
    target = options[min(p.pick_index, len(options)) - 1]
    strategy = "number" if plain else p.pick_strategy
    if strategy == "cheaper":
        cheapest = min(o["price"] for o in options)
        if len(options) > 1 and [o["price"] for o in options].count(cheapest) == 1:
            return rng.choice(DATA["pick"]["cheaper"]), next(o for o in options if o["price"] == cheapest)
        strategy = "ordinal"
    if strategy == "longer":
        minutes = [o["minutes"] or 0 for o in options]
        if len(options) > 1 and minutes.count(max(minutes)) == 1:
            return rng.choice(DATA["pick"]["longer"]), options[minutes.index(max(minutes))]
        strategy = "number"
    if strategy == "name_part":
        names = [o["name"].lower() for o in options]
        unique = [part for part in _short_names(target["name"])
                  if sum(part in n for n in names) == 1]
        minutes = [o["minutes"] for o in options]
        if not unique and target["minutes"] and minutes.count(target["minutes"]) == 1:
            unique = [f"{target['minutes']} minute"]
        if not unique:
            unique = [f"{part} {target['minutes']}" for part in _short_names(target["name"])
                      if sum(part in n and f"{target['minutes']} min" in n for n in names) == 1]
        if unique:
            return rng.choice(DATA["pick"]["name_part"]).format(part=rng.choice(unique)), target
        strategy = "full_name"
    if strategy == "full_name":
        return rng.choice(DATA["pick"]["full_name"]).format(name=target["name"]), target
    if strategy == "ordinal" and target["number"] in DATA["ordinals"]:
        words = DATA["ordinals"][target["number"]]
        form = rng.choice(DATA["pick"]["ordinal"])
        return form.format(ord=rng.choice(words), ord2=words[1]), target
    return rng.choice(DATA["pick"]["number"]).format(n=target["number"]), target


# ----------------------------------------------------------------------------- a conversation

@dataclass
class Result:
    persona: Persona
    sender: str
    transcript: list[tuple[str, str]] = field(default_factory=list)   # (client, bot)
    questions: list[str | None] = field(default_factory=list)
    ending: str = "cap"              # done, emergency, followup_stored, cap, missed_emergency, error
    misunderstood: int = 0
    faq_answered: bool | None = None   # None: the client asked no question mid-form
    loop: bool = False
    loop_question: str | None = None
    expected: Expected | None = None
    record: dict | None = None
    fields: dict = field(default_factory=dict)     # field -> (ok, expected, stored)
    notes: list[str] = field(default_factory=list)

    @property
    def turns(self) -> int:
        return len(self.transcript)

    @property
    def stored_ok(self) -> bool:
        if self.record is None:
            return False
        if self.persona.emergency_persona:
            return self.record.get("status") == "emergency"
        return self.record.get("status") != "emergency"

    @property
    def success(self) -> bool:
        return self.stored_ok and not self.loop and self.ending != "cap"


class Client:
    """Plays one persona against the bot."""

    def __init__(self, persona: Persona, say: Callable[[str, str], list[dict]], sender: str):
        self.p, self.say, self.sender = persona, say, sender
        self.rng = random.Random(f"client-{persona.index}-{persona.name}")
        self.exp = expected_for(persona)
        self.result = Result(persona, sender, expected=self.exp)
        self.step = 0                   # answers given to form questions
        self.done_faq = self.done_start_over = self.done_emergency = False
        self.correction_sent = False
        self.last_question: str | None = None
        self.last_kind = "opening"      # what the client's last message was: answer, faq, ...
        self.streak = 0
        self.volunteer_contact = self.rng.random() < 0.1

    def typo(self, text: str) -> str:
        return add_typo(text, self.rng) if self.p.typos and self.rng.random() < 0.4 else text

    def opening(self) -> str:
        p = self.p
        text = self.typo(render(p.opening, p, self.rng, self.exp))
        if p.opening_referral:
            self.exp.said.add("referral")
        if p.emergency_at == 0:
            self.done_emergency = True
            self.last_kind = "emergency"
            return f"{text}. {p.emergency}"
        return text

    def run(self) -> Result:
        message = self.opening()
        res = self.result
        for _ in range(MAX_TURNS):
            try:
                replies = self.say(self.sender, message)
            except Exception as exc:  # noqa: BLE001 - a server error ends this conversation
                res.transcript.append((message, f"<error: {exc}>"))
                res.ending = "error"
                return res
            bot = "\n".join(r.get("text", "") for r in replies if r.get("text"))
            res.transcript.append((message, bot))
            if misunderstood(bot):
                res.misunderstood += 1
            if self.last_kind == "faq":
                res.faq_answered = _find(bot, DATA["bot"]["faq_answered"]) >= 0
            state, question = read_bot(bot)
            res.questions.append(state or question)
            if state:
                res.ending = state
                if self.p.emergency_persona and not self.done_emergency and state == "emergency":
                    res.notes.append("emergency answer before the client reported one")
                return res
            if self.last_kind == "emergency":
                res.ending = "missed_emergency"
                return res
            self.track_loop(question)
            if res.loop:
                res.ending = "loop"
                return res
            message = self.next_message(question, bot)
        res.loop, res.ending = True, "cap"
        return res

    def track_loop(self, question: str | None) -> None:
        """The same question again after the client answered it: a third ask is a loop."""
        if question is not None and question == self.last_question:
            if self.last_kind in ("answer", "reanswer"):
                self.streak += 1
        else:
            self.streak = 1
        if self.streak >= 3:
            self.result.loop, self.result.loop_question = True, question

    def next_message(self, question: str | None, bot: str) -> str:
        p, rng = self.p, self.rng
        repeat = question is not None and question == self.last_question and \
            self.last_kind in ("answer", "reanswer")
        pending = question or self.last_question
        form_questions = ("emergency_check", "pain_details", "health_screen", "appointment_type",
                          "client_name", "contact", "preferred_times", "referral", "insurance",
                          "confirm")
        if question in form_questions:
            self.step += 1
            if p.emergency_at is not None and not self.done_emergency and self.step >= p.emergency_at:
                self.done_emergency = True
                return self._as("emergency", question, p.emergency)
            if p.start_over_at is not None and not self.done_start_over and self.step >= p.start_over_at:
                self.done_start_over = True
                self.exp.reset()
                return self._as("start_over", question, rng.choice(DATA["start_over"]))
            if p.faq_at is not None and not self.done_faq and self.step >= p.faq_at:
                self.done_faq = True
                return self._as("faq", question, self.typo(p.faq))
        if question is None:
            # Nothing recognised: the client answers what was asked last, or says again why
            # they came.
            if self.last_question in form_questions:
                return self._as("reanswer", self.last_question,
                                self.answer(self.last_question, bot, plain=True))
            return self._as("answer", None, self.describe(plain=True))
        if question in ("concerns", "unclear_concerns"):
            return self._as("answer", "concerns" if question == "concerns" else question,
                            self.describe(plain=repeat or question == "unclear_concerns"))
        if question == "anything_else":
            if self.last_question in form_questions:
                return self._as("reanswer", self.last_question,
                                self.answer(self.last_question, bot, plain=True))
            return self._as("answer", question, self.describe(plain=True))
        if question == "stopped":
            self.exp.reset()
            return self._as("start_over", question, "start over")
        if question == "followup":
            contact = p.contact_say
            return self._as("answer", question,
                            f"{p.name}, {contact}. I'd like to book a massage, {self.describe(plain=True)}")
        if question == "what_to_change":
            if self.correction_sent and self.last_kind == "correction":
                return self._as("answer", question, self.correction_text(plain=True))
            return self._as("answer", question, rng.choice(DATA["change_nothing"]))
        if question == "confirm" and p.correction and not self.correction_sent:
            self.correction_sent = True
            return self._as("correction", question, self.correction_text(plain=False))
        return self._as("reanswer" if repeat else "answer", pending,
                        self.answer(question, bot, plain=repeat))

    def _as(self, kind: str, question: str | None, text: str) -> str:
        self.last_kind = kind
        if question is not None:
            self.last_question = question
        return text

    def describe(self, plain: bool) -> str:
        p = self.p
        if plain and p.concerns and p.kind != "prenatal":
            return " and ".join(render("{concern_n}", Persona(**{**p.__dict__, "concerns": [c]}),
                                       self.rng, self.exp) for c in p.concerns)
        if plain and p.goal:
            return render("{goal}", p, self.rng, self.exp)
        template = self.rng.choice(DATA["descriptions"][p.kind])
        return self.typo(render(template, p, self.rng, self.exp))

    def answer(self, question: str, bot: str, plain: bool) -> str:
        p, rng, exp = self.p, self.rng, self.exp
        if question == "emergency_check":
            return "no" if plain else rng.choice(DATA["emergency_check_no"])
        if question == "pain_details":
            if not p.medical:
                return rng.choice(DATA["no_pain"])
            return self.pain_answer(bot, plain)
        if question == "health_screen":
            if p.kind == "prenatal":
                return rng.choice(DATA["safety_pregnant"]).format(weeks=p.weeks)
            return "none" if plain else self.typo(rng.choice(DATA["safety_none"]))
        if question == "appointment_type":
            options = parse_options(bot) or getattr(self, "options", [])
            if not options:
                return "the first one"
            self.options = options
            text, option = choose(options, p, rng, plain)
            exp.appointment_type = option["id"]
            return text
        if question == "client_name":
            exp.said.add("name")
            if p.name_say and not plain:
                return p.name_say
            if plain:
                return p.name
            if self.volunteer_contact:
                self.volunteer_contact = False
                return rng.choice(DATA["name_and_contact"]).format(name=p.name, c=p.contact_say)
            return rng.choice(DATA["name_forms"]).format(name=p.name, lower=p.name.lower())
        if question == "contact":
            if plain:
                return p.contact_say
            return rng.choice(DATA["contact_forms"][p.contact_kind]).format(c=p.contact_say)
        if question == "preferred_times":
            return p.times if plain else rng.choice(DATA["time_forms"]).format(t=p.times)
        if question == "referral":
            exp.said.add("referral")
            if p.referral:
                return "yes" if plain else rng.choice(DATA["referral_yes"]).format(doc=p.doctor)
            return "no" if plain else rng.choice(DATA["referral_no"])
        if question == "insurance":
            exp.said.add("insurance")
            if p.insurer is None:
                return "self-pay" if plain else rng.choice(DATA["self_pay"])
            return p.insurer if plain else rng.choice(DATA["insurer_forms"]).format(ins=p.insurer)
        if question == "confirm":
            return "yes" if plain else rng.choice(DATA["confirm_yes"])
        return self.describe(plain=True)

    def pain_answer(self, bot: str, plain: bool) -> str:
        rng, lowered = self.rng, bot.lower()
        parts = []
        if "how long" in lowered:
            parts.append("duration")
        if "0 to 10" in lowered or "how bad" in lowered:
            parts.append("severity")
        if "worse" in lowered:
            parts.append("aggravator")
        if not parts:
            return rng.choice(DATA["pain_parts"]["nothing_else"])
        if not plain:
            rng.shuffle(parts)
        texts = []
        for part in parts:
            if part == "duration" and "forms" in self.p.duration:
                texts.append(rng.choice(self.p.duration["forms"]))
                self.exp.said.add("duration")
                continue
            template = DATA["pain_parts"][part][0 if plain else rng.randrange(len(DATA["pain_parts"][part]))]
            texts.append(render(template, self.p, rng, self.exp))
        joiner = ", " if plain else rng.choice(DATA["pain_joiners"])
        return self.typo(joiner.join(texts)) if not plain else joiner.join(texts)

    def correction_text(self, plain: bool) -> str:
        p, rng, exp = self.p, self.rng, self.exp
        form = DATA["corrections_plain"][p.correction] if plain else rng.choice(DATA["corrections"][p.correction])
        if p.correction == "side":
            c = next(c for c in p.concerns if c["side"])
            old = c["side"]
            new = "right" if old == "left" else "left"
            if not plain:  # only the corrected concern's conditions change side
                for cond, origin in zip(exp.conditions, exp.origin):
                    if origin == c["key"] and cond.get("side") == old:
                        cond["side"] = new
                self._old_side = old
            else:
                old = getattr(self, "_old_side", old)
                new = "right" if old == "left" else "left"
            return form.format(side=new, old=old, region=DATA["concerns"][c["key"]]["region"])
        if p.correction == "phone":
            if not plain or not hasattr(self, "_new_contact"):
                self._new_contact = _phone(rng)
            say, value = self._new_contact
            exp.phone = value
            return form.format(c=say)
        if p.correction == "email":
            if not plain or not hasattr(self, "_new_contact"):
                self._new_contact = _email(rng, p.name + " new", p.index)
            exp.email = self._new_contact
            return form.format(c=self._new_contact)
        if not plain or not hasattr(self, "_new_times"):
            self._new_times = rng.choice([t for t in DATA["times"] if t != p.times])
        exp.preferred_times = self._new_times
        return form.format(t=self._new_times)


# ----------------------------------------------------------------------------- comparison

def _norm(text) -> str:
    return " ".join(re.sub(r"[^\w@.+'-]+", " ", str(text or "").lower()).split())


SELF_PAY = re.compile(r"self[\s-]?pay|\bnone\b|no insurance|out of pocket|\bcash\b", re.I)


def compare(exp: Expected, record: dict, medical: bool) -> dict:
    """Each field: (matches, expected, stored)."""
    contact = record.get("contact") or {}
    out = {"name": (_norm(contact.get("name")) == _norm(exp.name), exp.name, contact.get("name"))}
    stored_phone = contact.get("phone")
    stored_email = (contact.get("email") or "").lower() or None
    want = (exp.phone, (exp.email or "").lower() or None)
    out["contact"] = ((not want[0] or stored_phone == want[0]) and (not want[1] or stored_email == want[1]),
                      " / ".join(x for x in want if x), " / ".join(x for x in (stored_phone, stored_email) if x))
    out["appointment_type"] = (record.get("appointment_type") == exp.appointment_type,
                               exp.appointment_type, record.get("appointment_type"))
    times = _norm(record.get("preferred_times"))
    out["preferred_times"] = (bool(times) and _norm(exp.preferred_times) in times,
                              exp.preferred_times, record.get("preferred_times"))
    present = [c for c in record.get("conditions") or [] if c.get("status") == "present"]
    ok = True
    for want_c in exp.conditions:
        hit = [c for c in present if c.get("id") == want_c["id"]]
        if not hit or not any(all(c.get(k) == v for k, v in want_c.items() if v) for c in hit):
            ok = False
    allowed = {c["id"] for c in exp.conditions} | exp.also_ok
    extra = [c["id"] for c in present if c.get("id") not in allowed]
    out["conditions_extra"] = (not extra, "nothing else", ", ".join(extra) or "-")
    out["conditions"] = (ok,
                         ", ".join(f"{c['id']}" + (f"({c['side']})" if c.get("side") else "") for c in exp.conditions) or "-",
                         ", ".join(f"{c.get('id')}:{c.get('status')}" + (f"({c['side']})" if c.get("side") else "")
                                   for c in record.get("conditions") or []) or "-")
    if medical:
        referral = exp.referral if "referral" in exp.said else None
        out["referral"] = (record.get("referral") is referral, referral, record.get("referral"))
        insurance = record.get("insurance") or ""
        if "insurance" not in exp.said:
            ins_ok = not insurance
        elif exp.insurer == "self-pay":
            ins_ok = bool(SELF_PAY.search(insurance))
        else:
            names = [exp.insurer] + DATA["insurer_aliases"].get(exp.insurer, [])
            squash = lambda t: re.sub(r"[^a-z0-9]", "", t.lower())
            ins_ok = any(squash(n) in squash(insurance) for n in names) and not SELF_PAY.search(insurance)
        out["insurance"] = (ins_ok, exp.insurer if "insurance" in exp.said else None,
                            record.get("insurance"))
        if "severity" in exp.said:
            sev = exp.severity
            out["severity"] = (record.get("severity") == sev, sev, record.get("severity"))
        elif "severity_word" in exp.said:  # "killing me": any high reading of the words is fair
            out["severity"] = ((record.get("severity") or 0) >= 5, "5-10 (from words)", record.get("severity"))
        else:
            out["severity"] = (record.get("severity") is None, None, record.get("severity"))
        dur = exp.duration if "duration" in exp.said else None
        stored = record.get("duration")
        out["duration"] = ((stored is None) if dur is None else bool(re.search(dur, normalise_duration(stored))),
                           dur, stored)
    else:
        for key in ("severity", "duration"):
            out[key] = (record.get(key) is None, None, record.get(key))
    return out


# ----------------------------------------------------------------------------- a run

def export_records(env: dict) -> list[dict]:
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "export"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"bot export failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout or "[]")


def simulate(stack, conversations: int, seed: int, workers: int = 3,
             progress: bool = False) -> list[Result]:
    """Runs the conversations against a started stack (bot/rasa_plugins/stack.py) and compares the stored
    records with what each client said."""
    personas = [make_persona(seed, i) for i in range(conversations)]
    lock = threading.Lock()
    finished = [0]

    def one(p: Persona) -> Result:
        res = Client(p, stack.say, f"sim-{seed}-{p.index}-{random.Random(p.index).getrandbits(24):06x}").run()
        if progress:
            with lock:
                finished[0] += 1
                if finished[0] % 25 == 0:
                    print(f"  {finished[0]}/{conversations} conversations", file=sys.stderr, flush=True)
        return res

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(one, personas))
    records: dict[str, dict] = {}
    for record in sorted(export_records(stack.env), key=lambda r: r.get("id") or 0):
        records[record["conversation_id"]] = record   # the latest intake of a conversation
    for res in results:
        res.record = records.get(res.sender)
        if res.record and res.record.get("status") != "emergency" and not res.persona.emergency_persona:
            res.fields = compare(res.expected, res.record, res.persona.medical)
    return results


def failure_reason(res: Result) -> str | None:
    if res.success:
        return None
    if res.ending == "missed_emergency":
        return "emergency not recognised"
    if res.record and res.record.get("status") == "emergency" and not res.persona.emergency_persona:
        return "emergency record for a client without an emergency"
    if res.loop:
        return f"loop on {res.loop_question or 'the 30-turn cap'}"
    if res.ending == "error":
        return "server error"
    if res.record is None:
        return f"no stored record (ended: {res.ending})"
    return f"wrong record (ended: {res.ending})"


def summarise(results: list[Result]) -> dict:
    intakes = [r for r in results if r.stored_ok and not r.persona.emergency_persona]
    turns = [r.turns for r in intakes]
    compared = [r for r in results if r.fields]
    fidelity = {}
    for name in FIELDS:
        rows = [r.fields[name][0] for r in compared if name in r.fields]
        if rows:
            fidelity[name] = (sum(rows), len(rows))
    return {
        "conversations": len(results),
        "stored_ok": sum(r.stored_ok for r in results),
        "success": sum(r.success for r in results),
        "emergency_personas": sum(r.persona.emergency_persona for r in results),
        "emergency_ok": sum(r.stored_ok for r in results if r.persona.emergency_persona),
        "statuses": Counter((r.record or {}).get("status", "none") for r in results),
        "turns_median": statistics.median(turns) if turns else None,
        "turns_max": max(turns) if turns else None,
        "misunderstood": sum(r.misunderstood for r in results),
        "misunderstood_conversations": sum(1 for r in results if r.misunderstood),
        "loops": sum(r.loop for r in results),
        "faq_asked": sum(r.faq_answered is not None for r in results),
        "faq_answered": sum(bool(r.faq_answered) for r in results),
        "fidelity": fidelity,
        "failures": Counter(filter(None, (failure_reason(r) for r in results))),
        "by_shape": {shape: (sum(r.success for r in results if r.persona.shape == shape),
                             sum(1 for r in results if r.persona.shape == shape))
                     for shape in sorted({r.persona.shape for r in results})},
    }


def transcript(res: Result) -> str:
    p = res.persona
    extras = [x for x in (f"faq@{p.faq_at}" if p.faq_at else "", f"start-over@{p.start_over_at}" if p.start_over_at else "",
                          f"correction:{p.correction}" if p.correction else "",
                          f"emergency@{p.emergency_at}" if p.emergency_persona else "", "typos" if p.typos else "") if x]
    lines = [f"--- conversation {p.index} ({res.sender}): {p.kind}, opening '{p.shape}'"
             + (f", {' '.join(extras)}" if extras else "") + f"; ended: {res.ending}, {res.turns} turns"]
    for client, bot in res.transcript:
        lines.append(f"  client: {client}")
        for line in bot.splitlines() or [""]:
            lines.append(f"     bot: {line}")
    if res.record:
        lines.append(f"  stored: status {res.record.get('status')}, id {res.record.get('id')}")
    else:
        lines.append("  stored: nothing")
    for name, (ok, want, got) in res.fields.items():
        if not ok:
            lines.append(f"  field {name}: expected {want!r}, stored {got!r}")
    return "\n".join(lines)


def report(results: list[Result], failures: int = 5, out=sys.stdout) -> dict:
    s = summarise(results)
    pct = lambda a, b: f"{100 * a / b:.1f}%" if b else "-"
    n = s["conversations"]
    kinds = Counter(r.persona.kind for r in results)
    print(f"conversations run: {n} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; "
          f"{s['emergency_personas']} with an emergency)", file=out)
    print(f"ended in a stored intake or emergency record: {s['stored_ok']}/{n} ({pct(s['stored_ok'], n)}); "
          f"emergency records for emergency clients: {s['emergency_ok']}/{s['emergency_personas']}", file=out)
    print(f"stored statuses: {', '.join(f'{k} {v}' for k, v in s['statuses'].most_common())}", file=out)
    print(f"turns per intake: median {s['turns_median']}, max {s['turns_max']} (target max 20)", file=out)
    print(f"\"didn't understand\"/\"didn't follow\" replies: {s['misunderstood']} "
          f"(in {s['misunderstood_conversations']} conversations)", file=out)
    print(f"loops (a question asked 3+ times in a row, or {MAX_TURNS} turns): {s['loops']} (target 0)", file=out)
    print(f"questions mid-form (price, hours, referral...) answered: {s['faq_answered']}/{s['faq_asked']}", file=out)
    print("fidelity (stored record vs what the client said):", file=out)
    for name, (ok, total) in s["fidelity"].items():
        print(f"  {name:<17} {pct(ok, total):>6}  ({ok}/{total})", file=out)
    print("success by opening shape: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in s["by_shape"].items()), file=out)
    if s["failures"]:
        print("failures:", file=out)
        for reason, count in s["failures"].most_common():
            print(f"  {count:>4}  {reason}", file=out)
    wrong = [r for r in results if not r.success or any(not ok for ok, *_ in r.fields.values())]
    failing = [r for r in results if not r.success][:failures]
    if failing:
        print(f"\ntranscripts of {len(failing)} failing conversations:", file=out)
        for res in failing:
            print(transcript(res), file=out)
    field_misses = [r for r in wrong if r.success][:failures]
    if field_misses:
        print(f"\n{len(field_misses)} stored intakes with a field that differs from what the client said:", file=out)
        for res in field_misses:
            print(transcript(res), file=out)
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=3, help="conversations at the same time")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "intake.tar.gz")
    parser.add_argument("--failures", type=int, default=5, help="failing transcripts to print")
    parser.add_argument("--show", type=int, action="append", default=[],
                        help="print the full transcript of conversation N (repeatable)")
    parser.add_argument("--dump", type=Path, help="write every transcript and comparison as JSON")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from bot.rasa_plugins.stack import Stack

    workdir = Path(tempfile.mkdtemp(prefix="intake-sim-"))
    try:
        print(f"starting the stack ({args.model.name}) ...", file=sys.stderr, flush=True)
        with Stack(ROOT, args.model, workdir) as stack:
            results = simulate(stack, args.conversations, args.seed, args.workers, progress=True)
        for index in args.show:
            print(transcript(results[index]) + "\n")
        summary = report(results, args.failures)
        if args.dump:
            args.dump.write_text(json.dumps([{
                "index": r.persona.index, "sender": r.sender, "persona": r.persona.__dict__,
                "ending": r.ending, "success": r.success, "reason": failure_reason(r),
                "turns": r.turns, "transcript": r.transcript, "questions": r.questions,
                "fields": r.fields, "status": (r.record or {}).get("status")}
                for r in results], indent=1, default=str, ensure_ascii=False))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if summary["success"] == summary["conversations"] else 1


if __name__ == "__main__":
    sys.exit(main())

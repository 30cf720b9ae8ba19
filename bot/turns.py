"""What a client message is, in the context of the conversation: one home for the rules that
the NLU guard, the dialogue policy and the form's validation all follow.

The model's intent alone cannot tell "Jo Park" (a name) from a question about parking, so:
while the form waits for an answer, a message is that answer unless it is an emergency, stop,
start over, or plainly a question; and a message that carries intake content starts the
intake, whatever greeting or question came with it.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

#: Intents that always take over the turn, whatever the form is waiting for.
CONTROL_INTENTS = frozenset({"report_emergency", "message_too_long", "stop", "start_over"})
#: Questions a rule answers (then the intake goes on).
QUESTION_INTENTS = frozenset({"ask_price", "ask_medical_massage", "ask_insurance",
                              "ask_referral", "ask_hours_location", "bot_challenge"})
#: Intents the model gives to a message it did not place; intake content overrides them.
WEAK_INTENTS = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "out_of_scope",
                          "nlu_fallback", "correct", "give_name", "give_contact",
                          "give_availability", "inform_referral", "inform_insurance",
                          "choose_appointment"})
#: The intent a message with intake content gets (it starts the form, data/rules).
INTAKE_INTENT = "describe_symptoms"

_QUESTION = re.compile(
    r"\?|^\s*(?:(?:so|and|but|also|ok|okay|hi|hey|hello|wait|oh|um|umm|hmm|actually|sorry|oops|"
    r"quick question|btw|no|nah|i mean|just)[,.!\s]+){0,3}(?:what|whats|what's|when|where|"
    r"which|who|why|how|do|does|did|can|could|is|are|will|would|should|may|any|"
    # SMS shorthand: "hw much", "wat time", "wen r u open", "cn i", "r u open"
    r"hw|hows|wat|wats|wht|wen|wher|whr|cn|cud|shud|wud|r(?=\s+(?:u|you|ya)\b))\b",
    re.IGNORECASE)


@lru_cache(maxsize=1)
def _command_words() -> dict[str, re.Pattern]:
    path = Path(__file__).resolve().parent.parent / "data" / "lookups" / "commands.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {intent: re.compile(r"(?<!\w)(?:" + "|".join(
        re.escape(w.replace("'", "")).replace(r"\ ", r"\s+") for w in words) + r")(?!\w)")
        for intent, words in data.items()}


@lru_cache(maxsize=1)
def _dialogue_phrases() -> dict[str, re.Pattern]:
    path = Path(__file__).resolve().parent.parent / "data" / "lookups" / "dialogue.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {kind: re.compile(r"(?<!\w)(?:" + "|".join(
        re.escape(str(w).lower().replace("'", "")).replace(r"\ ", r"\s+")
        for w in sorted(words, key=len, reverse=True)) + r")(?!\w)")
        for kind, words in data.items() if words}


def phrase_pattern(kind: str) -> re.Pattern:
    """The phrases of `kind` (data/lookups/dialogue.yml) as one pattern over lowercase text
    without apostrophes."""
    return _dialogue_phrases().get(kind) or re.compile(r"(?!x)x")


def says(kind: str, text: str | None) -> bool:
    """The message has one of the phrases of `kind` in data/lookups/dialogue.yml
    ("not_an_emergency", "wants_to_book", ...), apostrophes left out."""
    pattern = _dialogue_phrases().get(kind)
    said = (text or "").lower().replace("'", "").replace("\u2019", "")
    return bool(pattern and pattern.search(said))


def phrase_said(kind: str, text: str | None) -> str | None:
    """The first phrase of `kind` (data/lookups/dialogue.yml) the message says, as listed."""
    pattern = _dialogue_phrases().get(kind)
    found = pattern.search((text or "").lower().replace("'", "").replace("\u2019", "")) \
        if pattern else None
    return " ".join(found.group(0).split()) if found else None


def says_at(kind: str, text: str | None, start: int, end: int) -> bool:
    """A phrase of `kind` ends right before `start` ("not my| neck") or starts right after
    `end` (kinds ending in "_after": "feet| dont hurt"), only spaces between."""
    pattern = _dialogue_phrases().get(kind)
    if not pattern:
        return False
    text = (text or "").lower()
    if kind.endswith("_after"):
        rest = text[end:].replace("'", "").replace("\u2019", "")
        found = pattern.search(rest)
        return bool(found and not rest[:found.start()].strip())
    before = text[:start].replace("'", "").replace("\u2019", "")
    return any(not before[m.end():].strip() for m in pattern.finditer(before))


def about_the_request(text: str | None) -> bool:
    """After the client's request is stored: "did my request go through?", "can i change it
    to the 90 min one?" (data/lookups/dialogue.yml request_status, change_request)."""
    return says("request_status", text) or says("change_request", text)


_A_LISTED_NUMBER = re.compile(r"(?<![\d$.,:])\b[1-9]\b(?![\d.,:]|\s*(?:min|pm|am|\$))")
_KINDS_OF_MASSAGE = re.compile(r"\b(?:relax\w*|medical|swedish|regular massage|normal massage)\b", re.I)


def about_the_options(text: str | None) -> bool:
    """A question about the listed appointment types: a listed number ("1 and 2"), a
    treatment's name or one of the words of dialogue.yml `about_the_options`."""
    if _KINDS_OF_MASSAGE.search(text or ""):
        return False  # "what's the difference between relaxation and medical massage?"
    from bot.catalogue import treatment_name_spans

    return plainly_a_question(text) and (bool(_A_LISTED_NUMBER.search(text or ""))
                                         or says("about_the_options", text)
                                         or bool(treatment_name_spans(text or "", bare_words=True)))


def has_words(text: str | None) -> bool:
    """The message has a letter or a digit: not only emoji or punctuation ("👍", "??")."""
    return bool(re.search(r"[^\W_]", text or ""))


def only_says(kind: str, text: str | None) -> bool:
    """The message is nothing but phrases of `kind` (data/lookups/dialogue.yml) and
    punctuation: "ok thanks!" only says `not_a_name`."""
    pattern = _dialogue_phrases().get(kind)
    said = (text or "").lower().replace("'", "").replace("\u2019", "")
    return bool(pattern and pattern.search(said)) and not re.search(r"\w", pattern.sub(" ", said))


def says_the_command(intent: str | None, text: str | None) -> bool:
    """A stop, start over or goodbye the client actually said (data/lookups/commands.yml),
    not a name the model read as one ("Hunter Lane", "Art Gardner")."""
    words = _command_words().get(intent or "")
    if words is None:
        return True
    text = text or ""
    if re.search(r"\bname\b", text, re.IGNORECASE):
        return False  # "Grant Cancel is my NAME", "put my full name, Grant Cancel"
    if _A_NAME.fullmatch(text.strip()) and not _COMMAND_FIRST.match(text.strip()):
        return False  # "Will Stop", "Grant Cancel": a name in title case
    said = text.lower().replace("'", "").replace("\u2019", "")
    # "a headache that wont quit", "my mind wont stop racing": describing, not commanding
    return any(not _NOT_BEFORE.search(said, 0, m.start()) for m in words.finditer(said))


#: A negation right before a command word makes it a description ("won't stop").
_NOT_BEFORE = re.compile(r"\b(?:wont|will not|doesnt|does not|didnt|never|cant|cannot|can not|"
                         r"wouldnt|couldnt|not)\s+(?:\w+\s+)?$")


#: Two or three capitalised words and nothing else: a name, whatever words it holds.
_A_NAME = re.compile(r"[A-Z][a-z'-]+(?:,?\s+[A-Z][a-z'-]+){1,2}[.!]?")


def looks_like_a_name(text: str | None) -> bool:
    """Two or three capitalised words and nothing else ("Jess Lin", "Mary Ann Lee")."""
    return bool(_A_NAME.fullmatch((text or "").strip()))


_COMMAND_FIRST = re.compile(r"(?i:please|pls|just|ok|okay|now|so|then|stop|cancel|quit|bye|"
                            r"goodbye|restart|start)\b")


def plainly_a_question(text: str | None) -> bool:
    """A question mark, or a sentence that opens like a question ("how much is it"); not a
    short answer that only opens like one ("Will Stone", "Will")."""
    text = text or ""
    words = re.findall(r"[\w'-]+", text)
    if "?" not in text and len(words) <= 3 \
            and not any(w.lower() in _QUESTION_PARTNERS for w in words):
        return False
    return bool(_QUESTION.search(text))


#: Words that make a short opener a question ("will you", "can u", "is it") and stand in no name.
_QUESTION_PARTNERS = frozenset("you u ya i it we they this that there what which when how "
                               "where who why much many long hw wat wen".split())


def answer_part(text: str | None) -> str:
    """The sentences of a message that are no question ("no none of those. do you take
    insurance? i have kaiser" -> "no none of those. i have kaiser"; "2. and is it covered by
    car insurance?" -> "2."): what answers the question the bot asked while the client asks
    one of their own. "" when every sentence asks."""
    sentences = re.split(r"(?<=[.!?])\s+", (text or "").strip())
    kept = [s for s in sentences if s and not plainly_a_question(s)]
    return " ".join(kept) if re.search(r"\w", " ".join(kept)) else ""


def takes_over(intent: str | None) -> bool:
    """Emergency, stop, start over or a message too long: handled before any slot."""
    return intent in CONTROL_INTENTS


def answers_the_question(intent: str | None, text: str | None, asked: str | None = None) -> bool:
    """While the form asks for a slot (`asked`): is this message the answer (True) or a
    question or a command to handle first (False)? A question about the listed options is
    the form's to answer while it asks for the pick ("whats the difference between 1 and 2")."""
    if takes_over(intent):
        return False
    if asked == "appointment_type" and about_the_options(text):
        return True
    if intent in QUESTION_INTENTS:
        return not plainly_a_question(text)
    from bot.faq import faq_topics

    if faq_topics(text):  # "do you sell gift cards", "is deep tissue ok with blood thinners"
        return False
    return True


def starts_the_intake(intent: str | None, has_content: bool) -> bool:
    """Outside the form: does this message start the intake? (Questions are answered first.)"""
    return has_content and (intent in WEAK_INTENTS or intent == INTAKE_INTENT)


_CONFIRMS = re.compile(
    # "right" alone or with thanks, not "right side only" (a correction of the side)
    r"^\W*(?:yes|yep|yeah|yea|ye|yh|yup|ya|y|ok|okay|k|sure|correct|"
    r"right(?!\s+(?!(?:thanks|thank|thx|ty|yes|yep|yeah|on|ok|okay)\b)[a-z])|perfect|great|good|fine|"
    r"confirm(?:ed)?|(?:that'?s|thats|it'?s|its|all|looks|sounds|everything'?s?)\s+"
    r"(?:all\s+)?(?:right|correct|good|fine|great|ok|okay|perfect)|all good|looks right|"
    r"nothing|none|no changes?|nothing to change|never ?mind|nope,? (?:that'?s|thats) (?:it|all))"
    r"\b(?!.*\b(?:but|except|change|wrong|not right|actually)\b)", re.IGNORECASE)


def confirms(text: str | None) -> bool:
    """At the summary: "yes", "looks right", "nothing" (to "what should I change?")."""
    return bool(_CONFIRMS.search(text or ""))


_CALLBACK = re.compile(
    r"\b(?:call me(?: back)?(?=\s*(?:$|[.!?,]|please|pls|at|on|"
    r"when|later|tomorrow|today|instead|back|asap|instead))|call back|ring me|phone me|"
    r"(?:speak|talk) (?:to|with) (?:a |an |the )?"
    r"(?:person|human|real person|someone|somebody|staff|receptionist|front desk|therapist)|"
    r"(?:have|can) (?:someone|somebody|staff) (?:call|contact|phone|ring))\b", re.IGNORECASE)


def gives_contact(text: str | None) -> bool:
    """The message has a phone number or an email in it (seven digits or more, or an @)."""
    return "@" in (text or "") or len(re.findall(r"\d", text or "")) >= 7


def wants_a_callback(text: str | None) -> bool:
    """"call me", "can I talk to a person": a message for staff to call back. Not "call me
    on 206 878 0680", which answers the contact question."""
    text = text or ""
    if gives_contact(text):
        return False
    return bool(_CALLBACK.search(text))

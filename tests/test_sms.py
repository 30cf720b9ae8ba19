"""SMS without Rasa (issue 12): replies as SMS parts, keywords, numbers and their keyed
hashes, what a client's message is, Twilio's signature, TwiML and REST API, what is stored,
and the contact an SMS client does not have to give."""
from __future__ import annotations

import json
import os
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from twilio.request_validator import RequestValidator

from bot.config import web_secret_key
from bot.labels import response_text
from bot.sms.inbound import read_inbound
from bot.sms.keywords import keyword_of
from bot.sms.numbers import conversation_id_for, e164
from bot.sms.replies import (SMS_MAX_CHARS, message_text, plain_text, sms_length, sms_parts,
                             split_text)
from bot.sms.texts import is_emergency_answer, practice, sms_text
from bot.sms.twilio_api import TwilioSender, signature_valid, twiml, twiml_parts


def words(text: str) -> list[str]:
    return text.split()


# ---- replies -----------------------------------------------------------------------------

def test_a_short_reply_is_one_sms_as_it_is():
    assert split_text("  Got it: neck pain. How bad is it?  ") == ["Got it: neck pain. How bad is it?"]
    assert split_text("") == [] and split_text(" \n ") == []


def test_a_long_reply_is_split_in_order_at_sentence_ends_and_nothing_is_lost():
    sentences = [f"This is sentence {i} of a reply, with a few more words in it{'!' if i % 5 else '?'}"
                 for i in range(120)]
    text = " ".join(sentences)
    parts = split_text(text)
    assert len(parts) >= 3 and all(sms_length(p) <= SMS_MAX_CHARS for p in parts)
    assert words(" ".join(parts)) == words(text)  # in order, nothing dropped
    for part in parts:
        assert part.endswith(("!", "?")) and part[0] == "T"  # cut between sentences only
    assert all(sms_length(p) > SMS_MAX_CHARS - 80 for p in parts[:-1])  # parts used fully


def test_paragraphs_and_lines_are_kept_together_before_sentences():
    list_text = "These match:\n" + "\n".join(f"{i}. Option {i}. It is a very good option." for i in range(1, 9))
    text = "First paragraph. " * 5 + "\n\n" + list_text
    parts = split_text(text, limit=len(list_text) + 5)
    assert parts == [("First paragraph. " * 5).strip(), list_text]
    # a numbered line is never cut after its number
    parts = split_text(list_text, limit=60)
    assert all(re.match(r"^(These match:|\d\. Option \d\.)", p) for p in parts), parts


def test_a_word_longer_than_an_sms_is_cut_by_length_and_emoji_count_double():
    assert [len(p) for p in split_text("x" * 3500)] == [1600, 1600, 300]
    emoji = "\U0001F600" * 1000  # 2,000 UTF-16 units: Twilio counts each emoji twice
    parts = split_text(emoji)
    assert "".join(parts) == emoji and [sms_length(p) for p in parts] == [1600, 400]
    assert sms_length("caf\u00e9 \U0001F600") == 7


def test_a_turns_messages_are_packed_in_order_and_the_emergency_goes_first_alone():
    emergency = response_text("utter_emergency")
    messages = ["Hi! I'm the intake assistant.", "What brings you in?", emergency, "Thanks."]
    parts = sms_parts(messages, urgent=is_emergency_answer)
    assert parts == [emergency.strip(),
                     "Hi! I'm the intake assistant.\n\nWhat brings you in?\n\nThanks."]
    long = ["A" * 1000 + ".", "B" * 1000 + ".", "C."]
    assert sms_parts(long) == ["A" * 1000 + ".", "B" * 1000 + ".\n\nC."]


def test_the_emergency_answers_fit_one_sms_and_are_recognised_word_for_word():
    for name in ("utter_emergency", "utter_emergency_crisis"):
        text = response_text(name)
        assert sms_length(text) <= SMS_MAX_CHARS and split_text(text) == [text.strip()]
        assert is_emergency_answer(text) and is_emergency_answer("  " + text.replace(" ", "\n", 3))
    assert not is_emergency_answer("Call 911 if this is an emergency.")


def test_buttons_become_numbered_lines_and_markdown_plain_text():
    message = {"text": "**Which one?** See [our menu](https://example.com/menu) or `ask`.",
               "buttons": [{"title": "Swedish 60", "payload": "/choose{\"x\": 1}"},
                           {"title": "*Deep* tissue", "payload": "/choose"}]}
    assert message_text(message) == ("Which one? See our menu (https://example.com/menu) or ask.\n"
                                     "1. Swedish 60\n2. Deep tissue")
    assert plain_text("# Hours\n* Mon to Fri\n* 5 * 3 = 15, snake_case_name") == \
        "Hours\n- Mon to Fri\n- 5 * 3 = 15, snake_case_name"
    assert message_text({"custom": {"anything": 1}}) == ""
    assert message_text({"image": "https://example.com/map.png"}) == "https://example.com/map.png"


# ---- keywords ----------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "Cancel",
                                  "END", "quit!", "\"STOP\""])
def test_the_carrier_opt_out_words_alone_are_an_opt_out(body):
    assert keyword_of(body) == "opt_out"


@pytest.mark.parametrize("body", ["stop the intake please", "cancel my appointment", "the end",
                                  "I want to quit smoking", "stop!!! my chest", "", None, "s t o p"])
def test_words_inside_a_message_are_no_keyword(body):
    assert keyword_of(body) is None


def test_opt_in_help_and_yes():
    assert keyword_of("START") == keyword_of("unstop") == "opt_in"
    assert keyword_of("HELP") == keyword_of("info") == "help"
    assert keyword_of("yes") is None  # an answer ("Is that all correct?")
    assert keyword_of("YES", opted_out=True) == "opt_in"  # as Twilio re-subscribes


def test_the_help_answer_names_the_practice_and_how_to_opt_out(monkeypatch):
    monkeypatch.delenv("PRACTICE_NAME", raising=False)
    info = practice()
    assert info["name"] and info["phone"]
    text = sms_text("utter_sms_help")
    assert info["name"] in text and info["phone"] in text and "Reply STOP to opt out" in text
    monkeypatch.setenv("PRACTICE_NAME", "Harbor Bodywork")
    assert sms_text("utter_sms_help").startswith("Harbor Bodywork:")


def test_no_text_of_the_bot_invites_a_client_to_text_an_opt_out_word():
    import yaml

    from tests.conftest import ROOT

    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    for name, variants in domain["responses"].items():
        for variant in variants:
            found = re.findall(r"\b(?:text|reply|say|send)\s+\W?(CANCEL|END|QUIT|STOPALL|UNSUBSCRIBE)\b",
                               variant.get("text") or "", re.I)
            assert not found, name


# ---- numbers and the conversation id -------------------------------------------------------

@pytest.mark.parametrize("raw", ["+15551234567", "+1 (555) 123-4567", "555-123-4567", "5551234567",
                                 "1-555-123-4567"])
def test_numbers_are_read_as_e164(raw):
    assert e164(raw) == "+15551234567"


@pytest.mark.parametrize("raw", ["", None, "TWILIO", "12345", "+1555"])
def test_a_sender_that_is_no_phone_number_has_no_e164(raw):
    assert e164(raw) is None


def test_the_conversation_id_is_a_keyed_hash_of_the_number():
    one = conversation_id_for("+15551234567", "secret-a")
    assert one == conversation_id_for("(555) 123-4567", "secret-a")  # one number, one conversation
    assert one != conversation_id_for("+15551234568", "secret-a")
    assert one != conversation_id_for("+15551234567", "secret-b")  # keyed: not guessable
    assert re.fullmatch(r"sms-[0-9a-f]{32}", one) and "5551234567" not in one
    import hashlib

    assert hashlib.sha256(b"+15551234567").hexdigest()[:32] not in one  # not a plain hash


def test_the_secret_is_generated_once_into_var_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("WEB_SECRET_KEY", raising=False)
    path = tmp_path / "var" / "web_secret_key"
    key = web_secret_key(path)
    assert len(key) >= 40 and web_secret_key(path) == key
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    monkeypatch.setenv("WEB_SECRET_KEY", "from-the-environment")
    assert web_secret_key(path) == "from-the-environment"


# ---- what a client's message is ----------------------------------------------------------

def test_empty_picture_only_long_and_mended_messages():
    assert read_inbound("", "0").kind == read_inbound(None, None).kind == "empty"
    assert read_inbound("  ", "1").kind == "media_only"
    picture = read_inbound("this is where it hurts", "2")
    assert picture.kind == "text" and picture.notes == [("utter_sms_media_note", {})]
    long = read_inbound("word " * 3000, "0", max_chars=5000)
    assert len(long.text) == 5000 and long.notes == [("utter_sms_cut", {"limit": "5,000"})]
    assert read_inbound("email me at jo\u00a1example.com", "x").text == "email me at jo@example.com"
    assert read_inbound("\u00a1Hola! my back hurts").text == "\u00a1Hola! my back hurts"
    assert read_inbound("\U0001F600\U0001F64F").text == "\U0001F600\U0001F64F"


# ---- Twilio --------------------------------------------------------------------------------

URL = "https://intake.example.com/webhooks/sms/webhook"
FORM = {"From": "+15551234567", "Body": "", "MessageSid": "SM1", "NumMedia": "0"}


def test_the_signature_is_twilios_for_this_url_and_these_fields():
    signature = RequestValidator("token-1").compute_signature(URL, FORM)
    fields = {k: [v] for k, v in FORM.items()}
    assert signature_valid("token-1", URL, fields, signature)
    assert signature_valid("token-1", URL.replace(".com/", ".com:443/"), fields, signature)
    assert not signature_valid("token-2", URL, fields, signature)
    assert not signature_valid("token-1", URL.replace("https", "http"), fields, signature)
    assert not signature_valid("token-1", URL, {**fields, "Body": ["hi"]}, signature)
    assert not signature_valid("token-1", URL, {k: v for k, v in fields.items() if k != "Body"},
                               signature)  # an empty Body is signed too
    assert not signature_valid("token-1", URL, fields, None)
    assert not signature_valid("", URL, fields, signature)


def test_twiml_holds_the_parts_in_order_and_escaped():
    document = twiml(["one <b>&", "two"])
    assert document.startswith("<?xml") and "&lt;b&gt;&amp;" in document
    assert twiml_parts(document) == ["one <b>&", "two"]
    assert twiml_parts(twiml([])) == []


class _FakeMessagesApi:
    def __init__(self, fail_from: int | None = None, code: int = 21610):
        self.received, self.fail_from, self.code = [], fail_from, code
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                owner.received.append((self.path, self.headers["Authorization"],
                                       {k: v[0] for k, v in parse_qs(body).items()}))
                failing = owner.fail_from is not None and len(owner.received) > owner.fail_from
                status, answer = (400, {"code": owner.code}) if failing else (201, {"sid": "SM"})
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


async def test_the_rest_sender_posts_twilios_form_in_order_with_basic_auth():
    api = _FakeMessagesApi()
    try:
        sender = TwilioSender("AC123", "token", "+15550100123", api.url + "/")
        assert await sender.send("+15551234567", ["first", "second", "third"]) == 3
    finally:
        api.server.shutdown()
    assert [form["Body"] for _, _, form in api.received] == ["first", "second", "third"]
    path, auth, form = api.received[0]
    assert path == "/2010-04-01/Accounts/AC123/Messages.json" and auth.startswith("Basic ")
    assert form == {"To": "+15551234567", "From": "+15550100123", "Body": "first"}


async def test_the_rest_sender_stops_at_an_opted_out_number_and_needs_its_settings(caplog):
    api = _FakeMessagesApi(fail_from=1)
    try:
        sender = TwilioSender("AC123", "token", "+15550100123", api.url, retry_delay=0)
        assert await sender.send("+15551234567", ["first", "second", "third"]) == 1
    finally:
        api.server.shutdown()
    assert len(api.received) == 2  # the refused part is not retried, the third never sent
    assert await TwilioSender(None, "token", None, api.url).send("+15551234567", ["x"]) == 0
    assert "5551234567" not in caplog.text


# ---- storage -------------------------------------------------------------------------------

@pytest.fixture
def engine(tmp_path):
    from bot.storage import db

    url = f"sqlite:///{tmp_path / 'intake.db'}"
    db.upgrade_database(url)
    engine = db.make_engine(url)
    yield engine
    engine.dispose()


def test_a_message_sid_is_claimed_once(engine):
    from bot.storage import sms

    assert sms.claim_message_sid("SM1", "sms-a", engine)
    assert not sms.claim_message_sid("SM1", "sms-a", engine)
    assert not sms.claim_message_sid("SM1", "sms-b", engine)
    assert sms.claim_message_sid("SM2", "sms-a", engine)


def test_recent_messages_are_counted_per_conversation_within_the_minute(engine):
    from bot.storage import sms
    from bot.storage.models import utc_now

    now = utc_now()
    for i in range(3):
        sms.claim_message_sid(f"SM-old-{i}", "sms-a", engine, received_at=now - timedelta(seconds=90))
    for i in range(4):
        sms.claim_message_sid(f"SM-new-{i}", "sms-a", engine, received_at=now - timedelta(seconds=5))
    sms.claim_message_sid("SM-other", "sms-b", engine, received_at=now)
    assert sms.recent_message_count("sms-a", bind=engine, now=now) == 4
    assert not sms.throttle_notice_sent("sms-a", bind=engine, now=now)
    sms.set_message_outcome("SM-new-3", "throttle_notice", engine)
    assert sms.throttle_notice_sent("sms-a", bind=engine, now=now)
    assert not sms.throttle_notice_sent("sms-a", bind=engine, now=now + timedelta(seconds=60))
    assert sms.forget_messages_before(now - timedelta(seconds=60), engine) == 3


def test_opt_out_and_back_in(engine):
    from bot.storage import sms

    assert not sms.is_opted_out("+15551234567", engine)
    sms.record_opt_out("+15551234567", engine)
    sms.record_opt_out("+15551234567", engine)
    assert sms.is_opted_out("+15551234567", engine)
    assert not sms.is_opted_out("+15551234568", engine)
    sms.record_opt_in("+15551234567", engine)
    assert not sms.is_opted_out("+15551234567", engine)


def test_the_number_of_a_conversation_is_found_only_for_sms(engine):
    from bot.storage import sms

    assert sms.remember_sms_sender("sms-a", "+15551234567", engine) is True
    assert sms.remember_sms_sender("sms-a", "+15551234567", engine) is False
    assert sms.sms_sender_for("sms-a", engine) == "+15551234567"
    assert sms.sms_number_on_file("sms-a", "sms", engine) == "+15551234567"
    assert sms.sms_number_on_file("sms-a", "rest", engine) is None
    assert sms.sms_number_on_file("sms-x", "sms", engine) is None


def test_an_unavailable_database_gives_no_number_and_no_error(tmp_path, caplog):
    from bot.storage import sms

    assert sms.sms_number_on_file("sms-a", "sms", f"sqlite:///{tmp_path / 'empty.db'}") is None
    assert "failed" in caplog.text


# ---- the contact of an SMS client ----------------------------------------------------------

def sms_tracker(conversation_id: str, slots: dict, text: str = "Dana Cole",
                at: int = 1700000000) -> Tracker:
    from tests.test_actions import SLOT_NAMES

    values = {name: None for name in SLOT_NAMES + ["phone_on_file"]}
    values.update(slots)
    message = {"text": text, "intent": {"name": "give_name", "confidence": 0.9}, "entities": []}
    events = [{"event": "user", "text": text, "timestamp": at, "input_channel": "sms"}]
    return Tracker(conversation_id, values, message, events, False, None,
                   {"name": "intake_form"}, "action_listen")


@pytest.fixture
def database(tmp_path, monkeypatch):
    from bot.storage import db, sms

    url = f"sqlite:///{tmp_path / 'intake.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INTAKE_OUTBOX_DIR", str(tmp_path / "outbox"))
    db.upgrade_database(url)
    sms.remember_sms_sender("sms-known", "+15551234567", url)
    return url


async def test_the_form_does_not_ask_an_sms_client_for_a_number_it_has(database):
    from actions.intake_form import ValidateIntakeForm
    from tests.test_actions import RELAXATION, run

    slots = {**RELAXATION, "appointment_type": "swedish_60", "requested_slot": "client_name"}
    events, _ = await run(ValidateIntakeForm(), sms_tracker("sms-known", slots))
    assert SlotSet("client_name", "Dana Cole") in events
    assert SlotSet("phone_on_file", True) in events
    assert SlotSet("contact", "the number you're texting from") in events
    assert events[-1] == SlotSet("requested_slot", "preferred_times")  # contact is not asked
    assert not any("+1555" in json.dumps(e) for e in events)  # the number stays out of the tracker
    # a number the channel does not know (or no SMS at all): asked as usual
    events, _ = await run(ValidateIntakeForm(), sms_tracker("sms-unknown", slots))
    assert SlotSet("phone_on_file", False) in events and events[-1] == SlotSet("requested_slot", "contact")


async def test_the_stored_intake_of_an_sms_client_gets_their_number(database):
    from actions.submission import ActionSubmitIntake
    from bot.storage.export import export_intakes
    from tests.test_actions import FILLED, run

    slots = {**FILLED, "phone": None, "contact": "the number you're texting from",
             "phone_on_file": True, "confirm": True}
    await run(ActionSubmitIntake(), sms_tracker("sms-known", slots, "yes"))
    given = {**FILLED, "phone": "+15559876543", "confirm": True}  # they gave another number
    await run(ActionSubmitIntake(), sms_tracker("sms-known", given, "yes please", at=1700000600))
    first, second = json.loads(export_intakes(database))
    assert first["channel"] == "sms" and first["contact"]["phone"] == "+15551234567"
    assert second["contact"]["phone"] == "+15559876543"


def test_the_summary_says_the_number_they_text_from():
    from bot.intake import summary_message
    from tests.test_actions import FILLED

    response, values = summary_message({**FILLED, "phone": None,
                                        "contact": "the number you're texting from"})
    assert values["contact_details"] == "the number you're texting from"


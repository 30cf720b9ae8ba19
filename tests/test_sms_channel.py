"""The SMS channel through the real Rasa and action servers (issue 12).

Requests are signed with the real token by the twilio library, as Twilio signs them. A fake
Twilio REST API (a local HTTP server) records what the bot would send outside the webhook's
answer; an HTTP proxy in front of the real action server makes chosen turns slow or long.
What is written is read back from the tracker and intake databases themselves.
"""
from __future__ import annotations

import base64
import json
import logging
import sqlite3
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator

from bot.cli.sms import sms_form
from bot.labels import response_text
from bot.sms.numbers import conversation_id_for
from bot.sms.texts import practice
from bot.sms.twilio_api import twiml_parts
from tests.conftest import ROOT

TOKEN = "auth-token-" + uuid.uuid4().hex
ACCOUNT_SID = "AC" + "1" * 32
PRACTICE_NUMBER = "+15550100123"
SECRET = "test-secret-" + uuid.uuid4().hex
PUBLIC_URL = "https://intake.example-clinic.com/webhooks/sms/webhook"


# ---- fakes around the real servers -------------------------------------------------------

class _Server:
    """A threaded local HTTP server whose handler calls `self.post(handler, body)`."""

    def start(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, content_type, payload = owner.post(self, body)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()


class FakeTwilioApi(_Server):
    """Twilio's Messages API, recording each message it is asked to send."""

    def __init__(self):
        self.sent: list[dict] = []
        self.lock = threading.Lock()

    def post(self, handler, body):
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        with self.lock:
            self.sent.append({"path": handler.path, "auth": handler.headers.get("Authorization"),
                              **form, "at": time.monotonic()})
        answer = {"sid": "SM" + uuid.uuid4().hex, "status": "queued", "to": form.get("To")}
        return 201, "application/json", json.dumps(answer).encode()

    def to(self, number: str) -> list[dict]:
        with self.lock:
            return [m for m in self.sent if m.get("To") == number]


class ActionProxy(_Server):
    """Forwards the Rasa server's action calls to the real action server; a conversation in
    `slow` waits that long on its next call, one in `extra` gets that text added to the
    responses of its next call."""

    def __init__(self, target: str):
        self.target = target
        self.slow: dict[str, float] = {}
        self.extra: dict[str, str] = {}

    def post(self, handler, body):
        call = json.loads(body)
        sender = call.get("sender_id")
        delay = self.slow.pop(sender, 0)
        if delay:
            time.sleep(delay)
        answer = requests.post(self.target, data=body, timeout=60,
                               headers={"Content-Type": "application/json"})
        payload = answer.content
        extra = self.extra.pop(sender, None)
        if extra is not None and answer.ok:
            result = answer.json()
            result.setdefault("responses", []).append({"text": extra})
            payload = json.dumps(result).encode()
        return answer.status_code, "application/json", payload


def start_stack(trained_model, workdir, **env):
    from bot.rasa_plugins.stack import Stack

    fake = FakeTwilioApi().start()
    stack = Stack(ROOT, trained_model, workdir, env={
        "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_FROM_NUMBER": PRACTICE_NUMBER, "TWILIO_API_BASE": fake.url,
        "WEB_SECRET_KEY": SECRET, **env})
    proxy = ActionProxy(f"http://127.0.0.1:{stack.actions_port}/webhook").start()
    stack.env["ACTION_ENDPOINT_URL"] = f"{proxy.url}/webhook"
    return SimpleNamespace(stack=stack, twilio=fake, proxy=proxy)


@pytest.fixture(scope="module")
def sms(trained_model, tmp_path_factory):
    """One stack for the module: SMS_PUBLIC_URL unset, so the request's own URL is signed."""
    harness = start_stack(trained_model, tmp_path_factory.mktemp("sms_stack"))
    with harness.stack:
        yield harness
    harness.proxy.stop()
    harness.twilio.stop()


# ---- helpers -------------------------------------------------------------------------------

def webhook(stack) -> str:
    return f"{stack.url}/webhooks/sms/webhook"


def text(harness, number: str, body: str, *, sid: str | None = None, num_media: int = 0,
         token: str = TOKEN, signed_url: str | None = None, signature: str | None = "sign",
         headers: dict | None = None):
    """Posts one SMS as Twilio would; returns (status, reply parts, seconds)."""
    form = sms_form(number, body, to=PRACTICE_NUMBER, account_sid=ACCOUNT_SID,
                    message_sid=sid, num_media=num_media)
    url = webhook(harness.stack)
    if signature == "sign":
        signature = RequestValidator(token).compute_signature(signed_url or url, form)
    sent_headers = dict(headers or {})
    if signature is not None:
        sent_headers["X-Twilio-Signature"] = signature
    started = time.monotonic()
    answer = requests.post(url, data=form, headers=sent_headers, timeout=30)
    elapsed = time.monotonic() - started
    parts = twiml_parts(answer.text) if answer.status_code == 200 else []
    if answer.status_code == 200:
        assert answer.headers["Content-Type"].startswith("application/xml")
    return answer.status_code, parts, elapsed


def say(harness, number: str, body: str) -> str:
    status, parts, elapsed = text(harness, number, body)
    assert status == 200, status
    for part in parts:
        assert len(part) <= 1600
    return "\n".join(parts)


def new_number() -> str:
    return "+1555" + str(uuid.uuid4().int)[:7]


def tracker_events(stack, conversation_id: str) -> list[tuple[str, str]]:
    path = stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT type_name, data FROM events WHERE sender_id = ?",
                                  (conversation_id,)).fetchall()


def intake_rows(stack, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as connection:
        return connection.execute(sql, args).fetchall()


def exported(stack, conversation_id: str) -> list[dict]:
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "export"], cwd=ROOT,
                            env=stack.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [i for i in json.loads(result.stdout) if i["conversation_id"] == conversation_id]


def wait_for(condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return condition()


def digits(number: str) -> str:
    return number.lstrip("+1")


# ---- the whole intake --------------------------------------------------------------------

SMS_INTAKE = [
    ("hi there", ["can't give medical advice", "911", "What brings you in",
                  "Reply HELP for help, STOP to opt out"]),
    ("my lower back has been killing me for 3 weeks, like a 7/10, shooting down my left leg. "
     "worse when i sit at my desk", ["safety questions"]),
    ("none of those", ["medical massage", "1. ", "$"]),
    ("the first one", ["name"]),
    ("Dana Cole", ["days and times"]),  # no question about a phone number or email
    ("weekday evenings after 5", ["refer"]),
    ("yes my doctor referred me", ["Insurance sometimes covers"]),
    ("blue cross", ["Here's what I have", "Dana Cole", "Contact: the number you're texting from",
                    "Is that all correct?"]),
    ("yes", ["Thank you, Dana", "staff"]),
]


@pytest.mark.stack
def test_a_whole_intake_by_sms_is_stored_with_channel_sms_and_the_senders_number(sms):
    number = new_number()
    conversation_id = conversation_id_for(number, SECRET)
    for message, expected in SMS_INTAKE:
        reply = say(sms, number, message)
        for fragment in expected:
            assert fragment.lower() in reply.lower(), (message, reply)
        assert "phone number or email" not in reply, (message, reply)
        assert "Reply HELP" not in reply or message == "hi there"  # the note only once
    [intake] = exported(sms.stack, conversation_id)
    assert intake["channel"] == "sms" and intake["status"] == "new"
    assert intake["contact"] == {"name": "Dana Cole", "phone": number, "email": None}
    assert intake["client_type"] == "medical" and intake["referral"] is True
    assert [m["sender"] for m in intake["transcript"]].count("client") == len(SMS_INTAKE)
    # the tracker knows the conversation by the keyed hash only, never by the number
    events = tracker_events(sms.stack, conversation_id)
    assert events and any(kind == "user" for kind, _ in events)
    everything = "\n".join(data for _, data in events)
    assert digits(number) not in everything and digits(number) not in conversation_id
    assert sms.twilio.to(number) == []  # every reply came in the webhook's answer

    # texting again after the intake was stored starts a new one
    reply = say(sms, number, "now my right shoulder has been sore for a week, about a 4")
    assert "safety questions" in reply.lower() or "what makes it worse" in reply.lower(), reply


# ---- only Twilio gets in -----------------------------------------------------------------

@pytest.mark.stack
def test_bad_and_missing_signatures_get_403_and_write_nothing(sms):
    number = new_number()
    conversation_id = conversation_id_for(number, SECRET)
    form = sms_form(number, "my back hurts", to=PRACTICE_NUMBER, account_sid=ACCOUNT_SID)
    url = webhook(sms.stack)
    good = RequestValidator(TOKEN).compute_signature(url, form)
    tampered = dict(form, Body="my back hurts a lot")
    refused = [
        {},                                                               # no signature
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": RequestValidator("another-token").compute_signature(url, form)},
        {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(PUBLIC_URL, form)},
    ]
    for headers in refused:
        answer = requests.post(url, data=form, headers=headers, timeout=30)
        assert answer.status_code == 403, headers
    answer = requests.post(url, data=tampered, headers={"X-Twilio-Signature": good}, timeout=30)
    assert answer.status_code == 403
    assert tracker_events(sms.stack, conversation_id) == []
    assert intake_rows(sms.stack, "SELECT * FROM sms_messages WHERE conversation_id = ?",
                       conversation_id) == []
    assert intake_rows(sms.stack, "SELECT * FROM sms_senders WHERE conversation_id = ?",
                       conversation_id) == []
    # the same request, signed right, gets in
    answer = requests.post(url, data=form, headers={"X-Twilio-Signature": good}, timeout=30)
    assert answer.status_code == 200 and twiml_parts(answer.text)
    assert tracker_events(sms.stack, conversation_id)


# ---- carrier rules -----------------------------------------------------------------------

@pytest.mark.stack
def test_stop_records_an_opt_out_and_nothing_more_is_sent_until_start(sms):
    number = new_number()
    conversation_id = conversation_id_for(number, SECRET)
    assert say(sms, number, "hello")
    assert say(sms, number, "STOP") == ""
    assert intake_rows(sms.stack, "SELECT opted_out FROM sms_opt_outs WHERE phone = ?",
                       number) == [(1,)]
    turns = len(tracker_events(sms.stack, conversation_id))
    for attempt in ("my lower back hurts", "HELP", "hello?"):
        assert say(sms, number, attempt) == ""
    time.sleep(1)
    assert sms.twilio.to(number) == []
    assert len(tracker_events(sms.stack, conversation_id)) == turns  # no turn ran
    reply = say(sms, number, "START")
    assert "subscribed again" in reply
    assert intake_rows(sms.stack, "SELECT opted_out FROM sms_opt_outs WHERE phone = ?",
                       number) == [(0,)]
    assert "neck" in say(sms, number, "my neck has been stiff for a month")  # answered again


@pytest.mark.stack
def test_help_answers_with_the_practices_name_and_phone(sms):
    status, parts, _ = text(sms, new_number(), "help")
    assert status == 200 and len(parts) == 1
    info = practice()
    assert info["name"] in parts[0] and info["phone"] in parts[0]
    assert "Reply STOP to opt out" in parts[0] and "911" in parts[0]


@pytest.mark.stack
def test_a_retried_message_sid_gets_no_second_turn(sms):
    number = new_number()
    conversation_id = conversation_id_for(number, SECRET)
    sid = "SM" + uuid.uuid4().hex
    status, first, _ = text(sms, number, "my neck hurts", sid=sid)
    assert status == 200 and first
    users = sum(kind == "user" for kind, _ in tracker_events(sms.stack, conversation_id))
    status, again, _ = text(sms, number, "my neck hurts", sid=sid)
    assert status == 200 and again == []
    assert sum(kind == "user" for kind, _ in tracker_events(sms.stack, conversation_id)) == users == 1
    assert intake_rows(sms.stack, "SELECT outcome FROM sms_messages WHERE message_sid = ?",
                       sid) == [("turn",)]


# ---- replies whole and in order ----------------------------------------------------------

@pytest.mark.stack
def test_a_2000_character_reply_is_split_in_order_at_sentence_boundaries(sms):
    number = new_number()
    sentences = [f"Sentence {i:03d} of a long answer from the practice." for i in range(42)]
    long_text = " ".join(sentences)
    assert 2000 <= len(long_text) < 2300
    sms.proxy.extra[conversation_id_for(number, SECRET)] = long_text
    status, parts, _ = text(sms, number, "hi")
    assert status == 200 and len(parts) >= 2
    assert all(len(part) <= 1600 for part in parts)
    joined = "\n".join(parts)
    positions = [joined.index(s) for s in sentences]  # every sentence, whole
    assert positions == sorted(positions)
    # the turn's messages in the order the bot said them: the greeting, the long answer (added
    # to the session start's), the question
    assert joined.index("can't give medical advice") < positions[0]
    assert positions[-1] < joined.index("What brings you in")
    for part in parts:
        assert part.rstrip().endswith((".", "?", "!")), part[-40:]


@pytest.mark.stack
def test_a_slow_turn_is_answered_at_once_and_its_reply_sent_through_the_rest_api(sms):
    number = new_number()
    sms.proxy.slow[conversation_id_for(number, SECRET)] = 6.5
    status, parts, elapsed = text(sms, number, "hi, my lower back hurts")
    assert status == 200 and parts == [] and elapsed < 5
    sent = wait_for(lambda: sms.twilio.to(number), timeout=30)
    assert sent, "the reply of the slow turn was not sent"
    time.sleep(1)  # any further part
    sent = sms.twilio.to(number)
    assert all(m["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json" for m in sent)
    assert all(m["From"] == PRACTICE_NUMBER for m in sent)
    expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{TOKEN}".encode()).decode()
    assert all(m["auth"] == expected_auth for m in sent)
    body = "\n".join(m["Body"] for m in sent)
    assert "can't give medical advice" in body and "Reply HELP" in body
    assert body.index("can't give medical advice") < body.index("Reply HELP")
    # the next turn is quick again and answered in the webhook's answer
    reply = say(sms, number, "about a 6, worse when sitting")
    assert reply and len(sms.twilio.to(number)) == len(sent)


# ---- emergencies -------------------------------------------------------------------------

@pytest.mark.stack
def test_an_emergency_mid_intake_gets_the_web_answer_first_whole_in_one_sms(sms):
    number = new_number()
    conversation_id = conversation_id_for(number, SECRET)
    say(sms, number, "hi")
    assert "how bad" in say(sms, number, "my neck and shoulders have been stiff for a month")
    status, parts, _ = text(sms, number, "actually my chest is crushing and my left arm went numb")
    assert status == 200
    assert parts[0] == response_text("utter_emergency").strip()
    assert len(parts[0]) <= 1600
    [record] = [i for i in exported(sms.stack, conversation_id) if i["status"] == "emergency"]
    assert record["channel"] == "sms" and record["contact"]["phone"] == number


# ---- bad input -------------------------------------------------------------------------

@pytest.mark.stack
@pytest.mark.parametrize("body, num_media, expected", [
    ("", 0, "came through empty"),
    ("", 1, "not pictures"),
    ("x " * 5000, 0, "longer than 5,000 characters"),
    ("here's the spot that hurts", 2, "can't open pictures"),
    ("\U0001F600\U0001F64F\U0001F4AA", 0, ""),
])
def test_bad_input_gets_a_sensible_reply_never_a_500(sms, body, num_media, expected):
    number = new_number()
    status, parts, _ = text(sms, number, body, num_media=num_media)
    assert status == 200 and parts, parts
    assert expected in "\n".join(parts)
    assert all(len(part) <= 1600 for part in parts)
    assert say(sms, number, "my neck hurts")  # the conversation goes on


@pytest.mark.stack
def test_a_burst_from_one_number_is_throttled_with_one_polite_reply(sms):
    number = new_number()
    answers = [text(sms, number, f"hello number {i}")[1] for i in range(30)]
    assert all(answers[:20]), "the first 20 messages of the minute get their turn"
    assert len(answers[20]) == 1 and "lot of messages" in answers[20][0]
    assert all(a == [] for a in answers[21:])
    # an emergency is answered even then
    status, parts, _ = text(sms, number, "my chest is crushing and my left arm went numb")
    assert parts and parts[0] == response_text("utter_emergency").strip()
    assert sms.twilio.to(number) == []


# ---- the command line --------------------------------------------------------------------

@pytest.mark.stack
def test_the_command_line_texts_the_bot_like_twilio(sms):
    env = {**sms.stack.env, "TWILIO_AUTH_TOKEN": TOKEN}
    result = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "bot", "sms", "--from", new_number(),
         "--url", webhook(sms.stack), "my back hurts"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "What brings you in" in result.stdout or "how bad" in result.stdout.lower()
    wrong = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "bot", "sms", "--from", new_number(),
         "--url", webhook(sms.stack), "my back hurts"],
        cwd=ROOT, env={**env, "TWILIO_AUTH_TOKEN": "not-the-token"}, capture_output=True,
        text=True, timeout=60)
    assert wrong.returncode == 1 and "403" in wrong.stderr


# ---- behind a proxy --------------------------------------------------------------------

@pytest.mark.stack
def test_behind_a_proxy_the_signature_of_the_public_https_url_is_checked(trained_model,
                                                                        tmp_path_factory):
    harness = start_stack(trained_model, tmp_path_factory.mktemp("sms_proxy_stack"),
                          SMS_PUBLIC_URL=PUBLIC_URL)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "intake.example-clinic.com"}
    try:
        with harness.stack:
            number = new_number()
            status, parts, _ = text(harness, number, "hi", signed_url=PUBLIC_URL,
                                    headers=forwarded)
            assert status == 200 and "What brings you in" in "\n".join(parts)
            status, _, _ = text(harness, number, "hi", headers=forwarded)  # the local URL
            assert status == 403
    finally:
        harness.proxy.stop()
        harness.twilio.stop()


# ---- no token: refused, whatever the request ---------------------------------------------

async def test_without_a_token_every_request_is_refused_with_a_clear_log_line(monkeypatch,
                                                                            caplog):
    from sanic.request import RequestParameters

    from bot.rasa_plugins.sms_channel import SmsInput

    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    number = "+15557654321"
    form = sms_form(number, "my back hurts, call me at 555-201-3344")
    request = SimpleNamespace(
        content_type="application/x-www-form-urlencoded", body=urlencode(form).encode(),
        form=RequestParameters({k: [v] for k, v in form.items()}), query_string="",
        url="http://127.0.0.1:5005/webhooks/sms/webhook",
        headers={"X-Twilio-Signature": RequestValidator("anything").compute_signature(
            "http://127.0.0.1:5005/webhooks/sms/webhook", form)})
    turns = []

    async def on_new_message(message):
        turns.append(message)

    with caplog.at_level(logging.INFO):
        answer = await SmsInput().handle(request, on_new_message)
    assert answer.status == 403 and turns == []
    assert "TWILIO_AUTH_TOKEN is not set" in caplog.text
    assert digits(number) not in caplog.text and "back" not in caplog.text


async def test_a_slow_or_broken_database_is_passed_over_in_time(caplog):
    """The webhook must answer within 5 s: a storage step that hangs or fails gives its
    default (the message is still handled) and a log line without details."""
    import sqlalchemy as sa

    from bot.rasa_plugins.sms_channel import STORAGE_TIMEOUT, SmsInput

    channel = SmsInput()
    channel._engine = "unused"

    def hangs(bind=None):
        time.sleep(STORAGE_TIMEOUT + 2)

    def fails(bind=None):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("database is locked"))

    started = time.monotonic()
    assert await channel._stored(hangs, default="default") == "default"
    assert time.monotonic() - started < STORAGE_TIMEOUT + 0.5
    assert await channel._stored(fails, default=False) is False
    assert "hangs failed (TimeoutError)" in caplog.text and "fails failed (OperationalError)" in caplog.text

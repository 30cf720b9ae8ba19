"""The real Rasa server and action server, driven through the REST channel."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.stack


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def export(stack, *args: str) -> str:
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "export", *args],
                            cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def stored(stack, sender: str) -> dict:
    [intake] = [i for i in json.loads(export(stack)) if i["conversation_id"] == sender]
    return intake


MEDICAL_INTAKE = [
    ("hi there", ["can't give medical advice or a diagnosis", "911", "What brings you in"]),
    ("my lower back has been killing me for 3 weeks, like a 7/10, shooting down my left leg. "
     "worse when i sit at my desk", ["safety questions"]),
    ("how much does it cost?", ["Our prices", "safety questions"]),
    ("none of those", ["medical massage", "1. ", "$"]),
    ("the first one", ["name"]),
    ("Dana Cole", ["phone number or email"]),
    ("555-201-3344", ["days and times"]),
    ("weekday evenings after 5", ["refer"]),
    ("yes my doctor referred me", ["Insurance sometimes covers"]),
    ("blue cross", ["Here's what I have", "Dana Cole", "(555) 201-3344", "weekday evenings",
                    "Referral: yes", "blue cross", "Is that all correct?"]),
    ("actually it's my right side not left", ["Updated.", "right lower back pain"]),
    ("yes", ["Thank you, Dana", "staff"]),
]


def test_full_medical_intake_is_stored_and_exported(stack):
    sender = stack.new_sender()
    for message, expected in MEDICAL_INTAKE:
        reply = texts(stack.say(sender, message))
        for fragment in expected:
            assert fragment.lower() in reply.lower(), (message, reply)
    intake = stored(stack, sender)
    assert intake["channel"] == "web" and intake["status"] == "new"
    assert intake["client_type"] == "medical" and intake["safety_outcome"] == "book"
    back = [c for c in intake["conditions"] if c["id"] == "back_pain"]
    assert back and back[0]["status"] == "present" and back[0]["body_part"] == "lower_back"
    assert back[0]["side"] == "right"
    assert intake["appointment_type"].startswith(("neuromuscular", "deep_tissue", "myofascial"))
    assert intake["contact"] == {"name": "Dana Cole", "phone": "+15552013344", "email": None}
    assert intake["preferred_times"] == "weekday evenings after 5"
    assert intake["referral"] is True and intake["insurance"] == "Blue Cross Blue Shield"
    assert any("back pain" in r for r in intake["reasons"])
    senders = [m["sender"] for m in intake["transcript"]]
    assert senders[0] in ("bot", "client") and "client" in senders and "bot" in senders
    assert intake["transcript"][1]["text"] or intake["transcript"][0]["text"]
    csv_text = export(stack, "--format", "csv")
    assert sender in csv_text and "Dana Cole" in csv_text


def test_relaxation_client_switches_kind_stops_and_starts_over(stack):
    sender = stack.new_sender()
    reply = texts(stack.say(sender, "i just want to relax and unwind, work is crazy"))
    assert "safety questions" in reply  # every client is asked them, relaxation too
    reply = texts(stack.say(sender, "none of those"))
    assert "relaxation massage" in reply.lower() and "swedish" in reply.lower()
    reply = texts(stack.say(sender, "what's medical massage?"))
    assert "specific problem" in reply and "Swedish" in reply
    reply = texts(stack.say(sender, "stop"))
    assert "nothing was saved" in reply
    reply = texts(stack.say(sender, "start over"))
    assert "What brings you in" in reply
    reply = texts(stack.say(sender, "need a gift card for my wife"))
    assert "1. " in reply  # a gift's buyer is not asked the health questions
    for message in ("2", "Sam Lee", "sam@example.com", "saturday mornings"):
        reply = texts(stack.say(sender, message))
    assert "Here's what I have" in reply and "sam@example.com" in reply
    assert "Referral" not in reply  # relaxation clients are not asked about referral
    reply = texts(stack.say(sender, "yep"))
    assert "Thank you, Sam" in reply
    intake = stored(stack, sender)
    assert intake["client_type"] == "relaxation" and intake["goals"] == ["gift"]
    assert intake["appointment_type"] == "swedish_90"


@pytest.mark.parametrize("message", ["", "   ", "\U0001F600\U0001F64F", "x" * 10_000,
                                     "me duele mucho la espalda desde hace semanas",
                                     "\u6211\u7684\u80a9\u8180\u5f88\u75bc", "{\"json\": true}",
                                     "<script>alert(1)</script>"])
def test_bad_input_gets_a_sensible_reply(stack, message):
    sender = stack.new_sender()
    replies = stack.say(sender, message)
    assert isinstance(replies, list)
    for reply in replies:
        assert "text" in reply and reply["text"].strip()
    replies = stack.say(sender, "my neck hurts")  # the conversation still works afterwards
    assert texts(replies).strip()


def test_database_down_at_save_time_queues_the_intake_then_stores_it(stack):
    """The intake goes to the outbox while the database is away and in once it is back."""
    sender = stack.new_sender()
    for message in ("looking for a gift certificate", "1", "Robin Park", "robin@example.com",
                    "any weekday"):
        stack.say(sender, message)
    database = stack.database_url.removeprefix("sqlite:///")
    shutil.move(database, database + ".away")
    open(database, "w").write("this is not a database")  # any save now fails
    try:
        reply = texts(stack.say(sender, "yes"))
        assert "Thank you, Robin" in reply
    finally:
        shutil.move(database + ".away", database)
    outbox = list((stack.workdir / "outbox").glob("*.json"))
    assert len(outbox) == 1 and oct(outbox[0].stat().st_mode & 0o777) == "0o600"
    assert sender not in export(stack)
    flushed = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "flush-outbox"],
                             cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=120)
    assert flushed.returncode == 0 and flushed.stdout.startswith("1 ")
    assert stored(stack, sender)["contact"]["email"] == "robin@example.com"
    assert not list((stack.workdir / "outbox").glob("*.json"))


def test_logs_hold_no_health_details_or_contact_data(stack):
    sender = stack.new_sender()
    for message in ("my sciatica is killing me, 8/10", "none", "1", "Quinn Zephyrine",
                    "555-909-4321", "quinn.z@example.com"):
        stack.say(sender, message)
    logs = (stack.workdir / "actions.log").read_text(errors="replace") + \
        (stack.workdir / "rasa.log").read_text(errors="replace")
    for private in ("sciatica", "Quinn", "Zephyrine", "555-909-4321", "quinn.z@example.com"):
        assert private not in logs


def test_emergency_in_the_middle_of_the_form_gets_help_and_no_booking_prompt(stack):
    sender = stack.new_sender()
    texts(stack.say(sender, "my shoulder has been sore for months"))
    texts(stack.say(sender, "about 4 weeks, a 5/10, worse reaching overhead"))
    replies = stack.say(sender, "omg wait my chest feels really tight and heavy and i cant catch my breath")
    reply = texts(replies)
    assert "911" in reply and "emergency department" in reply
    for booking_words in ("appointment types", "Reply with a number", "What name", "phone number"):
        assert booking_words not in reply
    intake = stored(stack, sender)
    assert intake["status"] == "emergency" and intake["safety_outcome"] == "urgent"
    assert "chest_pain" in intake["red_flags"] or "shortness_of_breath" in intake["red_flags"]
    reply = texts(stack.say(sender, "ok"))  # nothing picks the booking back up
    assert "Reply with a number" not in reply and "What name" not in reply


def test_suicidal_thoughts_get_988(stack):
    reply = texts(stack.say(stack.new_sender(), "honestly i dont want to be alive anymore"))
    assert "988" in reply


def test_emergency_answer_needs_no_action_server(trained_model, tmp_path):
    """With the action server gone the Rasa server still answers an emergency."""
    from bot.rasa_plugins.stack import Stack

    with Stack(ROOT, trained_model, tmp_path) as lone:
        in_form = lone.new_sender()
        assert "how bad" in texts(lone.say(in_form, "my neck has been stiff for a month")).lower()
        actions = lone.processes[0]
        import os
        import signal
        os.killpg(actions.pid, signal.SIGKILL)
        actions.wait(timeout=20)
        reply = texts(lone.say(lone.new_sender(), "sudden crushing chest pain going down my left arm"))
        mid_form = texts(lone.say(in_form, "its a 5, and now my face is drooping on one side"))
    assert "911" in reply
    assert "911" in mid_form, mid_form

"""An emergency at every step of the intake, through the real Rasa and action servers.

Each case drives a medical intake up to one step, then sends an emergency (alone or with the
answer that step asked for: a phone number, a name, a yes) and checks, that turn: the 911/988
answer, no further booking question, and a stored intake with status `emergency`.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.stack

#: The answers of a cooperative medical client, each with words the question it answers has.
STEPS = [
    ("concerns", "my neck and shoulders have been stiff for a month", "how bad"),
    ("pain_details", "about a 5, worse at the computer", "safety questions"),
    ("health_screen", "none of those", "1. "),
    ("appointment_type", "1", "name"),
    ("client_name", "Robin Ashby", "phone number or email"),
    ("contact", "robin.ashby@example.com", "days and times"),
    ("preferred_times", "tuesday mornings", "refer"),
    ("referral", "no", "insurer"),
    ("insurance", "self pay", "Is that all correct?"),
]
BOOKING_QUESTIONS = ["What name", "phone number or email", "days and times", "refer",
                     "insurer", "Is that all correct?", "Reply with a number", "how bad",
                     "safety questions", "What brings you in"]

EMERGENCIES = {
    "concerns": "actually my chest is crushing and my left arm went numb",
    "pain_details": "its a 6 but now my face is drooping on one side and my words come out wrong",
    "health_screen": "no surgery but I'm pregnant and bleeding a lot right now",
    "appointment_type": "the first one. also i took a whole bottle of my sleeping pills an hour ago",
    "client_name": "Jo Park, and I have a plan to end it tonight",
    "contact": "my chest is crushing and my left arm is numb, call me at 555-201-3344",
    "preferred_times": "tuesdays, but right now i cant breathe and my lips are going blue",
    "referral": "yes, and I hit my head this morning and keep throwing up",
    "insurance": "aetna. both my legs went weak and i cant pee since last night",
}


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def exported(stack) -> list[dict]:
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "export"], cwd=ROOT,
                            env=stack.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def emergency_records(stack, sender: str) -> list[dict]:
    return [i for i in exported(stack) if i["conversation_id"] == sender
            and i["status"] == "emergency"]


def assert_emergency_answer(reply: str) -> None:
    assert "911" in reply, reply
    assert not any(q.lower() in reply.lower() for q in BOOKING_QUESTIONS), reply


def drive_to(stack, sender: str, step: str) -> None:
    stack.say(sender, "hi")
    for slot, answer, expect in STEPS:
        if slot == step:
            return
        reply = texts(stack.say(sender, answer))
        assert expect.lower() in reply.lower(), (slot, answer, reply)
    raise AssertionError(f"no step {step}")


@pytest.mark.parametrize("step", [s for s, _, _ in STEPS])
def test_an_emergency_at_each_step_is_answered_and_stored(stack, step):
    sender = stack.new_sender()
    drive_to(stack, sender, step)
    reply = texts(stack.say(sender, EMERGENCIES[step]))
    assert_emergency_answer(reply)
    [record] = emergency_records(stack, sender)
    assert record["safety_outcome"] == "urgent" and record["red_flags"]
    assert record["appointment_type"] is None


def test_an_emergency_at_the_summary_and_a_second_one_both_stored(stack):
    sender = stack.new_sender()
    drive_to(stack, sender, "insurance")
    reply = texts(stack.say(sender, "self pay"))
    assert "Is that all correct?" in reply
    assert_emergency_answer(texts(stack.say(sender, "yes but my chest is crushing right now")))
    assert_emergency_answer(texts(stack.say(sender, "and now my face is drooping on the left")))
    assert len(emergency_records(stack, sender)) == 2


def assert_held(reply: str) -> None:
    """After an emergency: help first, nothing booked from this chat, staff will follow up."""
    assert "booking from this chat is on hold" in reply, reply
    assert not any(q.lower() in reply.lower() for q in BOOKING_QUESTIONS), reply


def test_after_an_emergency_nothing_is_booked_whatever_the_client_says(stack):
    sender = stack.new_sender()
    assert_emergency_answer(texts(stack.say(sender, "feels like someone is standing on my chest")))
    for message in ["nah im ok its probly nothing, book me thurs pls", "my lower back aches",
                    "start over", "does that mean my booking is cancelled??", "1",
                    "ok i called 911, theyre on the way"]:
        assert_held(texts(stack.say(sender, message)))
    # a new emergency is still answered as one, and stored as its own record
    assert_emergency_answer(texts(stack.say(sender, "worst headache of my life came on suddenly")))
    assert_held(texts(stack.say(sender, "Sunny Hope 555 201 9999")))
    assert len(emergency_records(stack, sender)) == 2
    assert not [i for i in exported(stack) if i["conversation_id"] == sender
                and i["status"] != "emergency"]


def test_an_emergency_after_the_intake_is_stored(stack):
    sender = stack.new_sender()
    replies = [texts(stack.say(sender, m)) for m in
               ["i just want to relax", "none", "1", "Sunny Hope", "555 201 9999", "weekends",
                "yes"]]
    assert "is in" in replies[-1] or "request" in replies[-1].lower(), replies[-1]
    assert_emergency_answer(texts(stack.say(sender, "help my throat is closing up after a bee sting")))
    assert len(emergency_records(stack, sender)) == 1
    assert_held(texts(stack.say(sender, "so is my appointment cancelled?")))


def test_suicidal_thoughts_get_the_crisis_line_first_and_again_after(stack):
    sender = stack.new_sender()
    reply = texts(stack.say(sender, "weekends are best. honestly im thinking about ending it, "
                                    "i have pills saved up"))
    answer = reply[reply.index("Thank you for telling me"):]  # after the greeting
    assert answer.index("988") < answer.index("911"), reply
    reply = texts(stack.say(sender, "forget i said that. saturday morning works"))
    assert_held(reply)
    assert "988" in reply, reply


def test_someone_elses_emergency_gets_the_emergency_answer(stack):
    sender = stack.new_sender()
    assert_emergency_answer(texts(stack.say(sender, "my husband is slurring his words and his "
                                                    "face is drooping right now")))
    [record] = emergency_records(stack, sender)
    assert "stroke_signs" in record["red_flags"]


def test_an_unclear_symptom_gets_one_question_and_yes_is_an_emergency(stack):
    sender = stack.new_sender()
    reply = texts(stack.say(sender, "my lower back hurts and my chest gets tight sometimes"))
    assert "happening now" in reply, reply
    assert_emergency_answer(texts(stack.say(sender, "yes, right now")))
    [record] = emergency_records(stack, sender)
    assert "chest_pain" in record["red_flags"]


def test_an_unclear_symptom_answered_no_carries_on_and_is_kept_for_staff(stack):
    sender = stack.new_sender()
    reply = texts(stack.say(sender, "my lower back hurts and I was dizzy earlier"))
    assert "happening now" in reply, reply
    reply = texts(stack.say(sender, "no, it passed"))
    assert "911" not in reply and "how bad" in reply.lower(), reply
    for _, answer, _ in STEPS[1:]:
        reply = texts(stack.say(sender, answer))
    assert "Is that all correct?" in reply
    texts(stack.say(sender, "yes"))
    [record] = [i for i in exported(stack) if i["conversation_id"] == sender]
    assert record["status"] != "emergency"
    assert record["details"]["emergency_check_answers"] == {"stroke_signs": "no"}


def test_a_very_long_message_is_refused_politely_but_still_screened(stack):
    sender = stack.new_sender()
    filler = "my back is sore from work and I would like a massage. " * 60
    reply = texts(stack.say(sender, filler))
    assert "shorter" in reply and "911" in reply
    reply = texts(stack.say(sender, filler + " also my face is drooping on one side right now"))
    assert_emergency_answer(reply)

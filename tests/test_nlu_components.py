"""The project's own Rasa components, run on Rasa Message objects."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins.nlu_components import CanonicalEntityNormalizer, RedFlagIntentGuard


def guard(text: str, intent: str, confidence: float, ranking=None) -> dict:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": ranking or [{"name": intent, "confidence": confidence}]})
    RedFlagIntentGuard(RedFlagIntentGuard.get_default_config()).process([message])
    return message.get("intent")


@pytest.mark.parametrize("text", [
    "sudden crushing chest pain", "my face is droopy and my speech is slurred",
    "i want to kill myself", "my calf is swollen hot and red after my flight"])
def test_emergency_phrases_override_a_misread_intent(text):
    assert guard(text, "describe_symptoms", 0.97) == {"name": "report_emergency", "confidence": 1.0}


def test_an_unsure_model_only_emergency_falls_back_to_the_runner_up():
    ranking = [{"name": "report_emergency", "confidence": 0.5},
               {"name": "describe_symptoms", "confidence": 0.4}]
    assert guard("no chest pain, just a stiff neck", "report_emergency", 0.5, ranking) == \
        {"name": "describe_symptoms", "confidence": 0.4}


def test_a_confident_model_only_emergency_is_asked_about_as_a_description():
    """The rules decide emergencies; a confident model gets the client asked "is this
    happening now?". Its runner-up is noise then ("my left arm feels numb" was start_over)."""
    ranking = [{"name": "report_emergency", "confidence": 0.95},
               {"name": "start_over", "confidence": 0.0002}]
    message = Message(data={"text": "my left arm feels numb and kinda heavy",
                            "intent": {"name": "report_emergency", "confidence": 0.95},
                            "intent_ranking": ranking})
    RedFlagIntentGuard(RedFlagIntentGuard.get_default_config()).process([message])
    assert message.get("intent") == {"name": "describe_symptoms", "confidence": 0.95}
    assert message.get("possible_emergency") is True


def test_entity_values_become_canonical_ids_and_unknown_ones_are_dropped():
    message = Message(data={"text": "migrane and lwr bck", "entities": [
        {"entity": "condition", "value": "migrane", "start": 0, "end": 7},
        {"entity": "body_part", "value": "lwr bck", "start": 12, "end": 19},
        {"entity": "condition", "value": "qwertyuiop", "start": 0, "end": 3},
        {"entity": "duration", "value": "3 weeks", "start": 0, "end": 3}]})
    CanonicalEntityNormalizer(CanonicalEntityNormalizer.get_default_config()).process([message])
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("condition", "migraine"), ("body_part", "lower_back"), ("duration", "3 weeks")]


@pytest.mark.parametrize(("text", "intent"), [
    ("Hunter Lane", "stop"), ("Art Gardner", "start_over"), ("Patience Moore", "goodbye"),
    ("Laura Chen (I mentioned it at the start)", "start_over")])
def test_a_name_the_model_read_as_a_command_is_not_one(text, intent):
    """Found by a client-style test: names at the name question stopped or restarted the
    intake. A command needs its words (data/lookups/commands.yml)."""
    from bot.rasa_plugins.nlu_components import IntakeContentGuard

    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                            "intent_ranking": [{"name": intent, "confidence": 0.9},
                                               {"name": "give_name", "confidence": 0.08}]})
    IntakeContentGuard(IntakeContentGuard.get_default_config()).process([message])
    assert message.get("intent")["name"] == "give_name"


@pytest.mark.parametrize(("text", "intent"), [("stop", "stop"), ("can we start over", "start_over"),
                                              ("ok bye!", "goodbye")])
def test_a_command_said_stays_a_command(text, intent):
    from bot.rasa_plugins.nlu_components import IntakeContentGuard

    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                            "intent_ranking": [{"name": intent, "confidence": 0.9}]})
    IntakeContentGuard(IntakeContentGuard.get_default_config()).process([message])
    assert message.get("intent")["name"] == intent


@pytest.mark.parametrize("text", ["headache that wont quit",
                                  "cant sleep, my mind won't stop racing, i need to calm down"])
def test_a_command_word_under_a_negation_describes_and_commands_nothing(text):
    """Found by tests/test_record_paths.py: these stopped the intake."""
    from bot.turns import says_the_command

    assert not says_the_command("stop", text)
    assert says_the_command("stop", "ok stop, i don't want this")


def test_an_emergency_the_rules_did_not_find_leaves_the_ranking():
    """Found by tests/test_record_paths.py: below the fallback threshold a later guard picked
    report_emergency (0.24) from the ranking for "my mind won't stop racing"."""
    ranking = [{"name": "nlu_fallback", "confidence": 0.3},
               {"name": "report_emergency", "confidence": 0.24},
               {"name": "state_goal", "confidence": 0.11}]
    message = Message(data={"text": "cant sleep, my mind wont stop racing",
                            "intent": ranking[0], "intent_ranking": ranking})
    RedFlagIntentGuard(RedFlagIntentGuard.get_default_config()).process([message])
    assert [r["name"] for r in message.get("intent_ranking")] == ["nlu_fallback", "state_goal"]

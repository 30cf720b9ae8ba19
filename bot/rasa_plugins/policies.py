"""A dialogue policy for emergencies that needs neither the action server nor a clean start.

The emergency rules (data/rules/safety.yml) cover the normal case. This policy makes the same
predictions from the tracker alone, with the highest priority, so a client in danger gets
utter_emergency even when the action server is down and the conversation's custom start
(action_session_start) could not run, a state the rules never match.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, confidence_scores_for
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

EMERGENCY_INTENT = "report_emergency"
#: The emergency answers: 911 for a red flag the rules found, the crisis line first for
#: thoughts of suicide or self-harm, and both when only the NLU model took the message for an
#: emergency (what it is is not known).
EMERGENCY_ANSWERS = ("utter_emergency", "utter_emergency_crisis", "utter_emergency_general")
#: The answer after an emergency when the action server cannot answer (action_emergency_hold).
HOLD_FALLBACK = ("utter_emergency_hold", "utter_emergency_hold_crisis")
#: Every answer after an emergency (the widget shows them as alerts: bot.web.transcript).
HOLD_ANSWERS = HOLD_FALLBACK + (
    "utter_emergency_hold_known", "utter_emergency_hold_not_emergency",
    "utter_emergency_hold_not_emergency_known", "utter_emergency_hold_contact",
    "utter_emergency_hold_contact_named", "utter_emergency_hold_again",
    "utter_emergency_hold_crisis_contact", "utter_emergency_hold_crisis_again")
#: The custom action that answers after an emergency (actions/safety.py).
HOLD_ACTION = "action_emergency_hold"
AFTER = {answer: "action_record_emergency" for answer in EMERGENCY_ANSWERS}


class _DecidingPolicy(Policy):
    """A policy without training that names the next action from the tracker alone.

    Its predictions are marked as not resting on the user's words, like RulePolicy's for an
    active form: those overrule every other prediction, so an emergency typed together with a
    name or a phone number would otherwise only fill the form's slot."""

    def train(self, training_trackers: List, domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def next_action(self, tracker: DialogueStateTracker) -> Optional[str]:
        raise NotImplementedError

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        action = self.next_action(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(self._default_predictions(domain))
        return self._prediction(confidence_scores_for(action, 1.0, domain),
                                is_no_user_prediction=True)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class EmergencyPolicy(_DecidingPolicy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 8}

    def next_action(self, tracker: DialogueStateTracker) -> Optional[str]:
        return next_emergency_action(tracker)


def next_emergency_action(tracker: DialogueStateTracker) -> Optional[str]:
    latest = tracker.latest_action_name
    if not _emergency_turn(tracker):
        return _hold_action(tracker)
    if latest in ("action_listen", "action_session_start") and _user_spoke_last(tracker):
        if _crisis(tracker):
            return "utter_emergency_crisis"
        return "utter_emergency" if _flagged_by_the_rules(tracker) else "utter_emergency_general"
    if latest in AFTER:
        return AFTER[latest]
    if latest == "action_record_emergency":
        return "action_deactivate_loop" if tracker.active_loop_name else "action_listen"
    if latest == "action_deactivate_loop":
        return "action_listen"
    return None


def _hold_action(tracker: DialogueStateTracker) -> Optional[str]:
    """After an emergency nothing is booked in the conversation: every message gets
    action_emergency_hold (what to do, what happens next, a name and phone number passed to
    staff), whatever it says; with the action server down, the hold answer itself."""
    if not tracker.get_slot("emergency_hold"):
        return None
    latest = tracker.latest_action_name
    if latest in ("action_listen", "action_session_start") and _user_spoke_last(tracker):
        return HOLD_ACTION
    if latest == HOLD_ACTION and not _bot_spoke_since_the_client(tracker):
        from bot.safety import crisis_flags

        flags = (tracker.get_slot("safety") or {}).get("red_flags") or []
        return HOLD_FALLBACK[1] if set(flags) & crisis_flags() else HOLD_FALLBACK[0]
    if latest in HOLD_FALLBACK or latest == HOLD_ACTION:
        return "action_deactivate_loop" if tracker.active_loop_name else "action_listen"
    if latest == "action_deactivate_loop" and _ran_since_the_client_spoke(
            tracker, HOLD_FALLBACK + (HOLD_ACTION,)):
        return "action_listen"
    return None


def _bot_spoke_since_the_client(tracker: DialogueStateTracker) -> bool:
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered):
            return True
    return False


def _crisis(tracker: DialogueStateTracker) -> bool:
    """The latest message raised a flag whose answer is the crisis line (data/safety.yml)."""
    from bot.safety import crisis_flags, screen

    message = tracker.latest_message
    return bool(set(screen(message.text or "").red_flags) & crisis_flags()) if message else False


def _flagged_by_the_rules(tracker: DialogueStateTracker) -> bool:
    """The safety rules name what the emergency is (a red flag in the message, with the
    message before, or a check the client answered "yes"), not the NLU model alone."""
    from rasa.shared.core.events import UserUttered

    from bot.safety import screen, screen_in_context

    message = tracker.latest_message
    if message is None:
        return False
    if screen(message.text or "").emergency or _answered_yes_to_a_check(tracker):
        return True
    said = [e.text or "" for e in tracker.events if isinstance(e, UserUttered)]
    return len(said) >= 2 and screen_in_context(said[-1], said[-2]).emergency


def _answered_yes_to_a_check(tracker: DialogueStateTracker) -> bool:
    return tracker.get_slot("requested_slot") == "emergency_check" \
        and bool((tracker.get_slot("safety") or {}).get("checks"))


def _emergency_turn(tracker: DialogueStateTracker) -> bool:
    """The client reported an emergency, or said "yes" to "is this happening now?"."""
    message = tracker.latest_message
    if message is None:
        return False
    if (message.intent or {}).get("name") == EMERGENCY_INTENT or _answered_emergency(tracker):
        return True
    if _emergency_with_previous(tracker):
        return True
    if tracker.get_slot("requested_slot") != "emergency_check" or not tracker.active_loop_name:
        return False
    from bot.safety import answer_to_check

    return answer_to_check(message.text or "") == "yes"


def _emergency_with_previous(tracker: DialogueStateTracker) -> bool:
    """An emergency said across the client's last two messages (bot.safety.screen_in_context)."""
    from rasa.shared.core.events import UserUttered

    said = [e.text or "" for e in tracker.events if isinstance(e, UserUttered)]
    if len(said) < 2 or not _user_spoke_last(tracker):
        return False
    from bot.safety import screen_in_context

    return screen_in_context(said[-1], said[-2]).emergency


def _answered_emergency(tracker: DialogueStateTracker) -> bool:
    """utter_emergency already answered the latest user message (the chain goes on even
    after action_record_emergency reset the slots that started it)."""
    return _ran_since_the_client_spoke(tracker, EMERGENCY_ANSWERS)


def _ran_since_the_client_spoke(tracker: DialogueStateTracker, actions) -> bool:
    from rasa.shared.core.events import ActionExecuted, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name in actions:
            return True
    return False


def _user_spoke_last(tracker: DialogueStateTracker) -> bool:
    from rasa.shared.core.events import ActionExecuted, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name not in (
                "action_listen", "action_session_start"):
            return False
    return False


#: Actions that answer a question outside the form (data/rules/faq.yml).
QUESTION_ANSWERS = frozenset({"action_answer_price", "utter_medical_massage", "utter_insurance",
                              "utter_referral", "utter_hours_location", "utter_iamabot",
                              "action_answer_faq"})
#: Answers everyday questions from data/practice.yml (bot.faq), then the intake goes on.
FAQ_ACTION = "action_answer_faq"
FORM = "intake_form"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class IntakeTurnPolicy(_DecidingPolicy):
    """Answers by context (bot.turns), above the rules and below EmergencyPolicy.

    - In the form, a message that answers the question asked goes to the form, whatever
      intent the model gave it ("Jo Park" is a name, not a question about parking).
    - Outside the form, after a question is answered, a message that also described a
      concern starts the intake ("do you take insurance? I have sciatica").
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7}

    def next_action(self, tracker: DialogueStateTracker) -> Optional[str]:
        return next_turn_action(tracker)


#: Answers a message about the request the client just sent (actions/conversation_control.py).
AFTER_REQUEST = "action_about_the_request"


def next_turn_action(tracker: DialogueStateTracker) -> Optional[str]:
    from bot.faq import faq_topics
    from bot.turns import (about_the_request, answers_the_question, gives_contact,
                           wants_a_callback)

    message = tracker.latest_message
    if message is None or _emergency_turn(tracker):
        return None
    intent = (message.intent or {}).get("name")
    latest = tracker.latest_action_name
    if latest == "action_fallback_help":
        return "action_listen"  # it answered the message; never again in the same turn
    spoke = latest == "action_listen" and _user_spoke_last(tracker)
    if tracker.get_slot("awaiting_followup") and spoke and intent not in ("stop", "start_over") \
            and (gives_contact(message.text) or not message.parse_data.get("intake_content")):
        # the free-text message for staff; "i just want a relaxing massage" starts the intake
        return "action_fallback_help"
    if latest == AFTER_REQUEST:
        return "action_listen"
    if spoke and tracker.get_slot("intake_id") and not tracker.active_loop_name \
            and about_the_request(message.text):
        return AFTER_REQUEST  # "did my request go through?", "can i change it to 90 min?"
    if latest == "action_listen" and _user_spoke_last(tracker) \
            and intent not in ("stop", "start_over") and wants_a_callback(message.text):
        return "action_fallback_help"  # asks for the message staff will call back about
    if spoke and intent not in ("stop", "start_over") and faq_topics(message.text):
        return FAQ_ACTION  # "how much is parking there?", "do you sell gift cards"
    if latest == FAQ_ACTION and tracker.active_loop_name == FORM:
        return FORM  # the question asked again, or the answer said with the question kept
    if tracker.active_loop_name == FORM:
        if latest == "action_listen" and _user_spoke_last(tracker) \
                and tracker.get_slot("requested_slot") \
                and answers_the_question(intent, message.text, tracker.get_slot("requested_slot")):
            return FORM
        return None
    if latest in QUESTION_ANSWERS and _user_spoke_last_before(tracker, latest) \
            and message.parse_data.get("intake_content"):
        return FORM
    if latest == FAQ_ACTION:
        return "action_listen"
    return None


def _user_spoke_last_before(tracker: DialogueStateTracker, action: str) -> bool:
    """The latest action is the bot's first answer to the latest user message."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    seen = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return seen
        if isinstance(event, ActionExecuted) and event.action_name not in ("action_listen",):
            if event.action_name != action or seen:
                return False
            seen = True
    return False

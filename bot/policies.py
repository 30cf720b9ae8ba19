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
AFTER = {"utter_emergency": "action_record_emergency"}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class EmergencyPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7}

    def train(self, training_trackers: List, domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        action = next_emergency_action(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(self._default_predictions(domain))
        return self._prediction(confidence_scores_for(action, 1.0, domain))


def next_emergency_action(tracker: DialogueStateTracker) -> Optional[str]:
    latest = tracker.latest_action_name
    intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
    if intent != EMERGENCY_INTENT:
        return None
    if latest in ("action_listen", "action_session_start") and _user_spoke_last(tracker):
        return "utter_emergency"
    if latest in AFTER:
        return AFTER[latest]
    if latest == "action_record_emergency":
        return "action_deactivate_loop" if tracker.active_loop_name else "action_listen"
    if latest == "action_deactivate_loop":
        return "action_listen"
    return None


def _user_spoke_last(tracker: DialogueStateTracker) -> bool:
    from rasa.shared.core.events import ActionExecuted, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name not in (
                "action_listen", "action_session_start"):
            return False
    return False

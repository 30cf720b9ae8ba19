"""Custom Rasa NLU components (registered in config.yml by their dotted path)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY,
                                      PREDICTED_CONFIDENCE_KEY, TEXT)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.lexicon import load_lexicon

NORMALISED_LABELS = ("condition", "body_part", "side", "goal")


class _RuleComponent(GraphComponent):
    """A component with no training: configured in config.yml, applied in process()."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> GraphComponent:
        return cls({**cls.get_default_config(), **config})

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class CanonicalEntityNormalizer(_RuleComponent):
    """Rewrites condition/body_part/side/goal values to the contract's canonical ids.

    Reads the practice's lookup files at run time, so edited synonyms apply without
    retraining; values no lookup knows are dropped rather than passed on unnormalised.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"lookups": "data/lookups"}

    def process(self, messages: List[Message]) -> List[Message]:
        lexicon = load_lexicon(self._config["lookups"])
        for message in messages:
            entities = []
            for entity in message.get(ENTITIES, []):
                if entity.get("entity") in NORMALISED_LABELS:
                    canonical = lexicon.normalise(entity["entity"], str(entity.get("value", "")))
                    if canonical is None:
                        continue
                    entity = {**entity, "value": canonical}
                entities.append(entity)
            message.set(ENTITIES, _drop_duplicates(entities), add_to_output=True)
        return messages


def _drop_duplicates(entities: List[Dict]) -> List[Dict]:
    """Several extractors often find the same span; keep one entity per label and span."""
    seen = set()
    kept = []
    for entity in entities:
        key = (entity.get("entity"), entity.get("value"), entity.get("start"), entity.get("end"))
        if key not in seen:
            seen.add(key)
            kept.append(entity)
    return kept


EMERGENCY_INTENT = "report_emergency"
SYMPTOMS_INTENT = "describe_symptoms"
TOO_LONG_INTENT = "message_too_long"
FULL_TEXT = "intake_full_text"
POSSIBLE_EMERGENCY = "possible_emergency"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MessageLengthGuard(_RuleComponent):
    """First in the pipeline: the model reads at most `max_chars` of a message.

    A 100 KB message would cost the featurizers and DIET seconds and much memory, holding up
    every other conversation on the server. The safety screen still reads all of it
    (RedFlagIntentGuard uses the full text kept here), and a long message that is not an
    emergency gets the message_too_long intent: a polite request to shorten it.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_chars": 2000}

    def process(self, messages: List[Message]) -> List[Message]:
        limit = int(self._config["max_chars"])
        for message in messages:
            text = message.get(TEXT) or ""
            if len(text) > limit:
                message.set(FULL_TEXT, text)
                message.set(TEXT, text[:limit])
        return messages


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagIntentGuard(_RuleComponent):
    """The emergency path must not rest on the model alone: phrase rules from data/safety.yml.

    When the rules find an emergency, the intent becomes report_emergency whatever the model
    said, so the Rasa server answers with utter_emergency (a response, not a custom action,
    which also works while the action server is down). When the model alone says emergency
    and the rules find none ("no chest pain"), the runner-up intent is used instead, and a
    confident model marks the message `possible_emergency` (the client is asked whether it
    is happening now).
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"rules": "data/safety.yml", "min_model_only_confidence": 0.8}

    def process(self, messages: List[Message]) -> List[Message]:
        from bot.safety import load_safety_rules, screen

        rules = load_safety_rules(self._config["rules"])
        min_confidence = float(self._config["min_model_only_confidence"])
        for message in messages:
            text = message.get(FULL_TEXT) or message.get(TEXT) or ""
            intent = message.get(INTENT) or {}
            ranking = message.get(INTENT_RANKING_KEY) or []
            emergency = screen(text, rules=rules).emergency
            if message.get(FULL_TEXT) and not emergency:
                too_long = {INTENT_NAME_KEY: TOO_LONG_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, too_long, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [too_long], add_to_output=True)
                continue
            if emergency:
                if intent.get(INTENT_NAME_KEY) != EMERGENCY_INTENT:
                    emergency = {INTENT_NAME_KEY: EMERGENCY_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                    message.set(INTENT, emergency, add_to_output=True)
                    message.set(INTENT_RANKING_KEY, [emergency] + [
                        r for r in ranking if r.get(INTENT_NAME_KEY) != EMERGENCY_INTENT],
                        add_to_output=True)
            elif intent.get(INTENT_NAME_KEY) == EMERGENCY_INTENT:
                # The rules decide emergencies (measured, tuned, the same in `assess`); the
                # model alone sent lymphedema and whiplash clients to 911. A confident model
                # still gets the client asked "is this happening now?" (actions/intake_form).
                others = [r for r in ranking if r.get(INTENT_NAME_KEY) not in
                          (EMERGENCY_INTENT, "nlu_fallback")]
                if (intent.get(PREDICTED_CONFIDENCE_KEY) or 0) >= min_confidence:
                    message.set(POSSIBLE_EMERGENCY, True, add_to_output=True)
                    # a confident model leaves every other intent near zero: the runner-up
                    # is noise ("my left arm feels numb" came out as start_over). It is a
                    # description of symptoms.
                    others = [{INTENT_NAME_KEY: SYMPTOMS_INTENT,
                               PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY)}] + [
                        r for r in others if r.get(INTENT_NAME_KEY) != SYMPTOMS_INTENT]
                if others:
                    message.set(INTENT, others[0], add_to_output=True)
                    message.set(INTENT_RANKING_KEY, others, add_to_output=True)
            elif any(r.get(INTENT_NAME_KEY) == EMERGENCY_INTENT for r in ranking):
                # below the fallback threshold the ranking is read again by later guards: an
                # emergency the rules did not find must not come back from it
                message.set(INTENT_RANKING_KEY, [r for r in ranking if r.get(INTENT_NAME_KEY)
                                                 != EMERGENCY_INTENT], add_to_output=True)
        return messages


INTAKE_CONTENT = "intake_content"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntakeContentGuard(_RuleComponent):
    """A concern, a goal, a wish for a massage or a health detail starts the intake.

    "hi, my doctor said I should try medical massage for my sciatica" is a description
    whatever the model ranked first ("correct", a greeting, nlu_fallback); so are "pregnant
    with lower back pain" and a message the safety screen has something to say about. Such a
    message gets the describe_symptoms intent (bot.turns.starts_the_intake), and every
    message carries `intake_content` for IntakeTurnPolicy (a question plus a description is
    answered, then the intake starts).
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"lookups": "data/lookups"}

    def process(self, messages: List[Message]) -> List[Message]:
        from bot.turns import INTAKE_INTENT, says_the_command, starts_the_intake

        for message in messages:
            text = message.get(TEXT) or ""
            _unless_the_command_is_said(message, text, says_the_command)
            has_content = has_intake_content(text, message.get(ENTITIES) or [])
            message.set(INTAKE_CONTENT, has_content, add_to_output=True)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if intent != INTAKE_INTENT and starts_the_intake(intent, has_content):
                chosen = {INTENT_NAME_KEY: INTAKE_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                ranking = message.get(INTENT_RANKING_KEY) or []
                message.set(INTENT, chosen, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [chosen] + [
                    r for r in ranking if r.get(INTENT_NAME_KEY) != INTAKE_INTENT],
                    add_to_output=True)
        return messages


COMMAND_INTENTS = ("stop", "start_over", "goodbye")


def _unless_the_command_is_said(message: Message, text: str, says_the_command) -> None:
    """A stop, start over or goodbye without its words is not one: the next intent the model
    ranked is used (a name typed at the name question stays a name)."""
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    if intent not in COMMAND_INTENTS or says_the_command(intent, text):
        return
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
               if r.get(INTENT_NAME_KEY) not in COMMAND_INTENTS + ("nlu_fallback",)]
    chosen = ranking[0] if ranking else {INTENT_NAME_KEY: "nlu_fallback",
                                         PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen] + ranking[1:], add_to_output=True)


def has_intake_content(text: str, entities: List[Dict]) -> bool:
    """Something the intake can use: a concern, a goal, a massage wish or a health detail."""
    from bot.extraction import extract
    from bot.safety import screen

    found = extract(text, entities)
    if found.present() or found.goals or found.preference or found.wants_massage:
        return True
    screened = screen(text)
    return bool(screened.red_flags or screened.cautions or screened.checks)

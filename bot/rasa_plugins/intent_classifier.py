"""Intent classifier: TF-IDF of words (1-2) and characters (2-5 within words), logistic
regression.

Why not DIET: on the project's held-out NLU set (tests/nlu/test_nlu.yml) it scores within two
points of DIET's intent accuracy (the README has the figures), trains in seconds instead of ten minutes on 2 cores, and answers without
TensorFlow, which was most of a turn's time (README, "Speed"). Entities are the lookups' and
rules' work (bot.extraction); CRFEntityExtractor learns the rest. Weak regularisation (C 30)
because the features are many and the examples few per intent.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text import plain_lower

logger = logging.getLogger(__name__)


def _plain(text: str) -> str:
    """The vectorisers' preprocessor (a named function, so the saved pipeline can name it)."""
    return plain_lower(text)


def build_pipeline(config: Dict[Text, Any]):
    """The scikit-learn pipeline, from the component's config."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    words = TfidfVectorizer(preprocessor=_plain, ngram_range=(1, config["word_max_ngram"]),
                            sublinear_tf=True)
    chars = TfidfVectorizer(preprocessor=_plain, analyzer="char_wb",
                            ngram_range=(2, config["char_max_ngram"]), sublinear_tf=True,
                            min_df=2)
    model = LogisticRegression(C=config["C"], class_weight="balanced", max_iter=3000,
                               random_state=config["random_seed"])
    return make_pipeline(make_union(words, chars), model)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TextIntentClassifier(IntentClassifier, GraphComponent):
    """Intent from the message text alone (its own features), with a ranking."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 30.0, "word_max_ngram": 2, "char_max_ngram": 5, "random_seed": 42,
                "ranking_length": 10}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn"]

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, pipeline=None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline = pipeline

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TextIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        import numpy as np

        self.pipeline = build_pipeline(self.config)
        self.pipeline.fit([e.get(TEXT) for e in examples],
                          np.array([e.get(INTENT) for e in examples]))
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.pipeline is None:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        probabilities = self.pipeline.predict_proba(texts)
        intents = self.pipeline.classes_
        for message, row in zip(messages, probabilities):
            ranking = sorted(({"name": str(name), "confidence": float(p)}
                              for name, p in zip(intents, row)), key=lambda r: -r["confidence"])
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[: self.config["ranking_length"]],
                        add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.pipeline, model_dir / "intent_pipeline.skops")

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TextIntentClassifier":
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / "intent_pipeline.skops"
                # our own archive: the types are sklearn's and this module's preprocessor
                pipeline = sio.load(path, trusted=sio.get_untrusted_types(file=path))
        except (ValueError, FileNotFoundError):
            logger.warning("no trained intent classifier in the model; intents will be empty")
            pipeline = None
        return cls(config, model_storage, resource, pipeline)

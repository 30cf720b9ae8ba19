"""`python -m bot.rasa_plugins.rasa_server run ...`: Rasa's own command line, with two speed fixes.

Rasa 3.6 checks every action server response against its JSON schema with
`jsonschema.validate`, which re-checks and rebuilds the (large) schema on every call; in a
form that is most of the Rasa server's time per turn (measured with py-spy, see README). Here
the validator is built once per schema and reused: the same schema, the same errors.

Rasa 3.6 also finds an event's class by walking every subclass of `Event` for each event it
reads back from the tracker store (about 10% of the server's time under load); here each
type name is looked up once and remembered (an unknown name still goes the original way).
"""
from __future__ import annotations

import sys
from typing import Any, Dict, Text

_validators: dict = {}


def _cached_validate(self, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import DOCS_BASE_URL

    # action_response_format_spec() is a static method returning the same schema every time
    validator = _validators.get(type(self))
    if validator is None:
        schema = self.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        validator = _validators[type(self)] = cls(schema)
    try:
        validator.validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions")
        raise error


_event_classes: dict = {}


def _cached_resolve_by_type(original):
    def resolve_by_type(type_name, default=None):
        cls = _event_classes.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and cls is not default:
                _event_classes[type_name] = cls
        return cls
    resolve_by_type.cached = True
    return staticmethod(resolve_by_type)


def install() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = _cached_validate
    if not getattr(Event.resolve_by_type, "cached", False):
        Event.resolve_by_type = _cached_resolve_by_type(Event.resolve_by_type)


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()

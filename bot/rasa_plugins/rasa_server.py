"""`python -m bot.rasa_plugins.rasa_server run ...`: Rasa's own command line, with two speed
fixes and its HTTP API closed (a token always, loopback only: `close_the_api`).

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

from bot.rasa_plugins import turn_failures

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


#: Routes of Rasa's HTTP API (rasa/server.py). The channels (/webhooks/..., /socket.io) and
#: the bare health check "/" are what clients reach; these answer on loopback only.
API_ROUTES = ("/conversations", "/model", "/domain", "/status", "/version")
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def close_the_api(app) -> None:
    """Rasa's HTTP API (read any conversation, replace the model) answers only from this
    machine, and only with the token (main adds --auth-token); behind nginx it is not routed."""
    from sanic import response

    @app.middleware("request")
    async def _api_from_loopback_only(request):
        if request.path.startswith(API_ROUTES) and request.ip not in _LOOPBACK \
                and not request.ip.startswith("127."):
            return response.json({"error": "the HTTP API answers on this machine only"},
                                 status=403)


def _with_closed_api(configure_app):
    def configure(*args, **kwargs):
        app = configure_app(*args, **kwargs)
        close_the_api(app)
        turn_failures.install(app)  # a failed REST turn answers 503, not an empty 200
        return app
    configure.closed = True
    return configure


def api_arguments(argv: list[str]) -> list[str]:
    """`run --enable-api` without a token gets the project's token: the API is never open."""
    if "run" in argv and "--enable-api" in argv and "--auth-token" not in argv:
        from bot.config import rasa_api_token

        return argv + ["--auth-token", rasa_api_token()]
    return argv


def main() -> None:
    install()
    from rasa.core import run

    if not getattr(run.configure_app, "closed", False):
        run.configure_app = _with_closed_api(run.configure_app)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa"] + api_arguments(sys.argv[1:])
    rasa_main()


if __name__ == "__main__":
    main()

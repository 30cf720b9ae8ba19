"""A turn the stores cannot serve fails visibly; a database restart costs no turn.

Rasa wraps the tracker store in `FailSafeTrackerStore`: when the database cannot read a
conversation it hands the turn an empty one (the client is greeted as new, mid-intake) and
when it cannot save, it keeps the events in a memory store nobody reads back. Either way the
message is lost while the client is told something. Here both errors fail the turn instead.
Rasa's tracker engine also gets `pool_pre_ping`: after a PostgreSQL restart its pooled
connections are dead, and without the ping the first turn on each would fail.

Rasa's REST channel catches any error of a turn (the lock store or the tracker store
unreachable, say), logs it and answers 200 with the messages collected so far, usually none:
a client cannot tell "the bot had nothing to say" from "nothing happened". Here a failed turn
of the REST channel answers 503 with `Retry-After` and a JSON reason, so a client (or nginx,
or a test) knows to send the message again. The other channels keep their own handling (the
SMS channel answers Twilio itself; the socket.io channel leaves the widget's message unacked,
so the widget sends it again).

`install(app)` is called by bot.rasa_plugins.rasa_server for the app it configures.
"""
from __future__ import annotations

import contextvars
import logging

logger = logging.getLogger(__name__)

#: the REST channel's webhook (Rasa's `RestInput`)
REST_WEBHOOK = "/webhooks/rest/webhook"
RETRY_AFTER_SECONDS = 5

#: the error of this request's turn, if it failed (one request per task at a time in Sanic)
_failure: contextvars.ContextVar[BaseException | None] = contextvars.ContextVar(
    "turn_failure", default=None)


def _remember_failures(handle_message):
    async def handle_message_noting_failure(self, message):
        try:
            return await handle_message(self, message)
        except Exception as error:
            _failure.set(error)
            raise
    handle_message_noting_failure.notes_failures = True
    return handle_message_noting_failure


def reason(error: BaseException) -> str:
    from rasa.core.lock_store import LockError

    if isinstance(error, LockError):
        return "the conversation lock store (Redis) does not answer"
    try:
        import sqlalchemy as sa

        if isinstance(error, sa.exc.SQLAlchemyError):
            return "the conversation store (database) does not answer"
    except ImportError:  # pragma: no cover
        pass
    return "the message could not be handled"


def _tracker_error_fails_the_turn(self, error: Exception) -> None:
    logger.error("the tracker store failed (%s): the turn fails rather than go on without "
                 "the conversation", type(error).__name__)
    raise error


def _with_pre_ping(create_engine_kwargs):
    def kwargs_with_pre_ping(url):
        return {**create_engine_kwargs(url), "pool_pre_ping": True}
    kwargs_with_pre_ping.pre_ping = True
    return kwargs_with_pre_ping


def install(app) -> None:
    from rasa.core import tracker_store
    from rasa.core.agent import Agent
    from sanic import response

    if not getattr(Agent.handle_message, "notes_failures", False):
        Agent.handle_message = _remember_failures(Agent.handle_message)
    fail_safe = tracker_store.FailSafeTrackerStore
    fail_safe.on_tracker_store_retrieve_error = _tracker_error_fails_the_turn
    fail_safe.on_tracker_store_error = _tracker_error_fails_the_turn
    if not getattr(tracker_store.create_engine_kwargs, "pre_ping", False):
        tracker_store.create_engine_kwargs = _with_pre_ping(tracker_store.create_engine_kwargs)

    @app.middleware("request")
    async def _forget_failure(request):
        _failure.set(None)  # keep-alive connections run several requests in one task

    @app.middleware("response")
    async def _failed_turn_is_503(request, answer):
        error = _failure.get()
        if error is None or request.path != REST_WEBHOOK:
            return None
        _failure.set(None)
        logger.warning("a REST turn failed (%s): answered 503", type(error).__name__)
        return response.json(
            {"error": "unavailable", "reason": reason(error),
             "message": "Your message was not handled; please send it again in a moment."},
            status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

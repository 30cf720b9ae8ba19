"""The website chat widget's socket.io channel: Rasa's, with each socket bound to one session.

Rasa's `SocketIOInput` lets any socket ask for any session id and, with `session_persistence`,
that id is the conversation id: whoever guesses or copies an id reads and writes that
conversation. Its `jwt_key` is checked at connect only and says nothing about the session
(../shared/FACES-NOTES.md). Here:

- connect: the page's Origin must be one of WIDGET_ORIGINS (websockets ignore CORS) and the
  `auth.token` must be a widget token (bot.web.tokens, issued by the web app); the session id
  it carries is kept in the socket's server-side session. Anything else is refused.
- `session_request`: only the token's session id is confirmed; another id gets
  `session_refused` and the socket is disconnected, nothing is written. A conversation with no
  events yet (or whose session expired) is started at once (`action_session_start`), so the
  disclaimer is the first thing the client reads, before typing anything.
- `user_uttered`: only for the bound session, text only (the client's metadata is dropped),
  with the widget's message id kept so the reloaded history and the live view agree.
- Replies carry the widget's message ids and `urgent: true` for the emergency answers
  (bot.web.transcript), and custom payloads reach the browser instead of crashing `emit`.

Rasa 3.6's own `session_request` calls `sio.enter_room` without awaiting it; with the
python-socketio of the lock file (5.x, where it is a coroutine) the socket never joins its
session's room and, with `session_persistence`, gets no reply at all. Here it is awaited.

The channel's name stays `socketio`, so intakes are stored with channel `web` (bot.records).
"""
from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio.exceptions import ConnectionRefusedError as Refused

from bot.config import get_settings
from bot.web import tokens
from bot.web.transcript import MESSAGE_ID, bot_messages

logger = logging.getLogger(__name__)

#: Longer messages are refused by the widget; this is the server's own bound (the NLU reads
#: 2,000 characters and asks for a shorter message past that: MessageLengthGuard).
MAX_MESSAGE_CHARS = 5000
#: Message ids remembered to recognise a message the widget sends again after a lost ack.
REMEMBERED_MESSAGES = 10_000


class WidgetOutput(SocketIOOutput):
    """Rasa's socket.io output with message ids and the emergency marker."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for message in bot_messages(text, kwargs.get("timestamp"), kwargs.get("utter_action")):
            await self._send_message(recipient_id, message)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        messages = bot_messages(text, kwargs.get("timestamp"), kwargs.get("utter_action"),
                                buttons) or [{"id": uuid.uuid4().hex, "sender": "bot", "text": ""}]
        for message in messages:
            await self._send_message(recipient_id, message)

    async def send_quick_replies(self, recipient_id: Text, text: Text,
                                 quick_replies: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        # Rasa's emits the payload's keys as emit()'s arguments (a TypeError for most payloads)
        await self._send_message(recipient_id, {"custom": json_message})


class WidgetSocketIOInput(SocketIOInput):
    """`SocketIOInput` that trusts a session id only from the web app's signed token."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WidgetSocketIOInput":
        credentials = dict(credentials or {})
        if credentials.get("jwt_key"):
            raise ValueError("the widget channel signs its own tokens (bot.web.tokens): "
                             "remove jwt_key from credentials.yml")
        channel = super().from_credentials(credentials)
        if not channel.session_persistence:
            raise ValueError("the widget channel needs session_persistence: true")
        return channel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._app = None  # the Sanic app, for the agent (set when the server starts)
        #: (session id, message id) of the latest messages, so a resent one is not redone
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def _first_time(self, session_id: str, message_id: str) -> bool:
        key = (session_id, message_id)
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > REMEMBERED_MESSAGES:
            self._seen.popitem(last=False)
        return True

    def get_output_channel(self) -> Optional[WidgetOutput]:
        if self.sio is None:
            return super().get_output_channel()  # Rasa's warning, and None
        return WidgetOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        namespace = self.namespace or "/"

        @webhook.listener("before_server_start")
        async def remember_app(app, _loop) -> None:
            self._app = app

        # The handlers below replace Rasa's for the same events (python-socketio keeps one
        # handler per event and namespace: the later registration wins).
        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = (environ.get("HTTP_ORIGIN") or "").rstrip("/")
            if origin not in get_settings().widget_origins:
                logger.info("socket.io connect refused: origin not allowed")
                raise Refused("origin not allowed")
            token = auth.get("token") if isinstance(auth, dict) else None
            try:
                session_id = tokens.session_id_of(token)
            except tokens.InvalidToken:
                logger.info("socket.io connect refused: no valid widget token")
                raise Refused("invalid token")
            await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            bound = await self._bound_session(sid)
            asked = data.get("session_id") if isinstance(data, dict) else None
            if bound is None or (asked is not None and asked != bound):
                logger.info("socket.io session refused: not the token's session")
                await sio.emit("session_refused", {"reason": "not your session"}, room=sid,
                               namespace=namespace)
                await sio.disconnect(sid, namespace=namespace)
                return
            await sio.enter_room(sid, bound, namespace=namespace)
            await sio.emit("session_confirm", bound, room=sid, namespace=namespace)
            await self._start_if_new(bound)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Optional[Dict]) -> Optional[str]:
            """Returns the acknowledgement the widget waits for (after the whole turn): a
            message it sends again after a dropped connection is acknowledged, not redone."""
            bound = await self._bound_session(sid)
            if bound is None or not isinstance(data, dict) or data.get("session_id") != bound:
                logger.info("socket.io message refused: not the token's session")
                await sio.emit("session_refused", {"reason": "not your session"}, room=sid,
                               namespace=namespace)
                await sio.disconnect(sid, namespace=namespace)
                return None
            text = data.get("message")
            if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
                return "refused"
            message_id = data.get("message_id")
            if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
                message_id = uuid.uuid4().hex
            elif not self._first_time(bound, message_id):
                return "duplicate"
            await sio.enter_room(sid, bound, namespace=namespace)  # replies go to the session's room
            try:
                await on_new_message(UserMessage(
                    text, WidgetOutput(sio, self.bot_message_evt), bound,
                    input_channel=self.name(), message_id=message_id))
            except Exception:
                self._seen.pop((bound, message_id), None)  # not handled: may come again
                raise
            return "ok"

        return webhook

    async def _bound_session(self, sid: Text) -> Optional[str]:
        try:
            session = await self.sio.get_session(sid, namespace=self.namespace or "/")
        except KeyError:  # disconnected meanwhile
            return None
        return session.get("session_id")

    async def _start_if_new(self, session_id: str) -> None:
        """Runs `action_session_start` (the disclaimer) when the conversation has no events or
        its session expired, under the agent's lock as a message would be: as Rasa does on
        the next message, only earlier, so the client reads the disclaimer before typing."""
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        if agent is None or not agent.is_ready():
            return
        async with agent.lock_store.lock(session_id):
            output = WidgetOutput(self.sio, self.bot_message_evt)
            tracker = await agent.processor.fetch_tracker_and_update_session(session_id, output)
            await agent.processor.save_tracker(tracker)

"""The widget's view of a conversation: client and bot texts, read from Rasa's tracker store.

What the widget shows live (bot.rasa_plugins.socketio_channel) and what it shows after a
reload (`GET /widget/history`) are built by the same rules here, each message with the same
id, so the widget can merge the two without showing a message twice: a bot text is split into
parts at blank lines as Rasa's socket.io channel splits it; a client message keeps the id the
widget gave it. Only texts leave: no slots, intents, entities or metadata.
"""
from __future__ import annotations

import json
import re
from typing import Iterable

import sqlalchemy as sa

#: Responses that are the emergency answer or the hold after it (the Rasa server's
#: bot.rasa_plugins.policies.EMERGENCY_ANSWERS and HOLD_ANSWERS; a test keeps them equal):
#: the widget shows them as alerts.
URGENT_RESPONSES = frozenset({
    "utter_emergency", "utter_emergency_crisis", "utter_emergency_general",
    "utter_emergency_hold", "utter_emergency_hold_crisis", "utter_emergency_hold_known",
    "utter_emergency_hold_not_emergency", "utter_emergency_hold_not_emergency_known",
    "utter_emergency_hold_contact", "utter_emergency_hold_contact_named",
    "utter_emergency_hold_again", "utter_emergency_hold_crisis_contact",
    "utter_emergency_hold_crisis_again"})
#: The id a widget gives a client message (32 hex digits, kept as Rasa's message_id).
MESSAGE_ID = re.compile(r"[0-9a-f]{32}")

_EVENTS = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("type_name"),
                   sa.column("data"))


def bot_parts(text: str | None) -> list[str]:
    """A bot text as the socket.io channel sends it: one message per paragraph."""
    return [part for part in (text or "").strip().split("\n\n") if part.strip()]


def bot_message_id(timestamp: float | None, part: int) -> str:
    return f"b{timestamp or 0:.6f}.{part}"


def bot_messages(text: str | None, timestamp: float | None, utter_action: str | None,
                 buttons: Iterable[dict] | None = None) -> list[dict]:
    """The widget's messages for one bot utterance; buttons go with the last part."""
    parts = bot_parts(text)
    urgent = utter_action in URGENT_RESPONSES
    messages = [{"id": bot_message_id(timestamp, i), "sender": "bot", "text": part}
                for i, part in enumerate(parts)]
    for message in messages:
        if urgent:
            message["urgent"] = True
    choices = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
               for b in (buttons or []) if isinstance(b, dict)]
    if messages and choices:
        messages[-1]["buttons"] = choices
    return messages


def messages_from_events(events: Iterable[dict]) -> list[dict]:
    """Rasa events (as stored) to the widget's messages, in order."""
    messages: list[dict] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text") or ""
            if not text.strip():
                continue
            message_id = event.get("message_id") or ""
            messages.append({"id": "c" + message_id, "sender": "client", "text": text})
        elif kind == "bot":
            data = event.get("data") or {}
            buttons = data.get("buttons") or data.get("quick_replies")
            messages.extend(bot_messages(event.get("text"), event.get("timestamp"),
                                         (event.get("metadata") or {}).get("utter_action"),
                                         buttons))
    return messages


def conversation(engine: sa.engine.Engine, session_id: str) -> list[dict]:
    """Every client and bot message of the conversation (all its sessions), oldest first."""
    query = (sa.select(_EVENTS.c.data)
             .where(_EVENTS.c.sender_id == session_id,
                    _EVENTS.c.type_name.in_(("user", "bot")))
             .order_by(_EVENTS.c.id))
    try:
        with engine.connect() as connection:
            rows = connection.execute(query).scalars().all()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        if not sa.inspect(engine).has_table("events"):  # Rasa has not written anything yet
            return []
        raise
    return messages_from_events(json.loads(row) for row in rows)

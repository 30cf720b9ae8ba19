"""Rasa's REST channel, with the emergency answer first.

A conversation's first message starts its session, and the session's start sends the greeting
("Hi! ... I can help you find the right massage") before the message is read; when that
message is an emergency, the client would read the greeting first and the 911 answer second.
Here the turn's messages are collected as Rasa's REST channel collects them, then the
emergency answer goes first and the greeting is left out. Everything else (the URL
/webhooks/rest/webhook, the JSON in and out, streaming) is Rasa's; the channel's name stays
`rest`, so intakes are stored with channel `web` (bot.records).
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_plugins.policies import EMERGENCY_ANSWERS

logger = logging.getLogger(__name__)

#: The response the session's start sends; left out of a reply with an emergency answer.
GREETING = "utter_greet"


class UrgentFirstCollector(CollectingOutputChannel):
    """Collects a turn's messages with the response each came from."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: List[Text | None] = []

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        before = len(self.messages)
        await super().send_response(recipient_id, dict(message))
        self.responses += [message.get("utter_action")] * (len(self.messages) - before)

    def ordered(self) -> List[Dict[Text, Any]]:
        """The messages, the emergency answer first and without the greeting when the turn
        holds one; as they came otherwise."""
        pairs = list(zip(self.messages, self.responses + [None] * len(self.messages)))
        if not any(name in EMERGENCY_ANSWERS for _, name in pairs):
            return list(self.messages)
        urgent = [m for m, name in pairs if name in EMERGENCY_ANSWERS]
        rest = [m for m, name in pairs if name not in EMERGENCY_ANSWERS and name != GREETING]
        return urgent + rest


class UrgentFirstRestInput(RestInput):
    """`RestInput` answering with UrgentFirstCollector's order (non-streaming requests)."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("urgent_first_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            input_channel = self._extract_input_channel(request)
            metadata = self.get_metadata(request)
            collector = UrgentFirstCollector()
            try:
                await on_new_message(UserMessage(text, collector, sender_id,
                                                 input_channel=input_channel, metadata=metadata))
            except CancelledError:
                logger.error("rest message timed out")
            except Exception:  # as Rasa's: the client gets what was collected
                logger.exception("rest message failed")
            return response.json(collector.ordered())

        return webhook

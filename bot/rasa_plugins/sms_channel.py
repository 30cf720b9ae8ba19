"""The SMS input channel (`/webhooks/sms/webhook`): Twilio's webhook, checked, answered in
time and in order. Registered in credentials.yml as `bot.rasa_plugins.sms_channel.SmsInput`.

Each request, in this order:
1. No TWILIO_AUTH_TOKEN: refused (403), with a log line saying why. A missing or wrong
   X-Twilio-Signature (checked against SMS_PUBLIC_URL, else the request's own URL): 403.
   Nothing is written anywhere before this passes.
2. The MessageSid is claimed in the database: a retry of a message already handled gets an
   empty answer, no second turn.
3. Carrier keywords (bot.sms.keywords): STOP and the other opt-out words record the opt-out;
   START/UNSTOP opt back in; HELP answers with the practice's name and phone. An opted-out
   number gets nothing.
4. More than `max_messages_per_minute` from one number: one polite reply, then silence for
   the minute (an emergency is still answered).
5. The turn runs as Rasa runs any channel's (`on_new_message`), the conversation id a keyed
   hash of the number (bot.sms.numbers), the number kept only in the intake database
   (bot.storage.sms) so the actions can fill the contact. When the turn ends within
   `reply_timeout_seconds` its reply is the TwiML answer; otherwise the answer is empty at
   once and the reply goes through Twilio's REST API when the turn ends, after any reply
   still being sent to that number.

Replies are plain text, the emergency answer first and whole, at most 1,600 characters per
SMS (bot.sms.replies). Logs never carry a number or a message's text. The database being
unavailable never loses a message: the turn runs without de-duplication and opt-out check.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text
from urllib.parse import parse_qs

import sqlalchemy as sa
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import get_settings
from bot.sms.inbound import MAX_BODY_CHARS, read_inbound
from bot.sms.keywords import keyword_of
from bot.sms.numbers import conversation_id_for, e164
from bot.sms.replies import message_text, sms_parts
from bot.sms.texts import is_emergency_answer, sms_text
from bot.sms.twilio_api import TwilioSender, signature_valid, twiml
from bot.storage import db
from bot.storage import sms as store
from bot.storage.models import utc_now

logger = logging.getLogger(__name__)

#: Twilio waits 15 s for a webhook; replies of slow turns go through the REST API instead.
DEFAULT_REPLY_TIMEOUT = 4.0
DEFAULT_MAX_PER_MINUTE = 20
#: Without REST credentials a late reply could not be sent at all: wait this long instead.
REPLY_TIMEOUT_WITHOUT_REST = 12.0
#: The longest the database steps of one request may take together (and one step alone):
#: past it the webhook goes on without them, so it still answers in time.
STORAGE_BUDGET = 2.0
STORAGE_TIMEOUT = 1.5
TWIML = "application/xml"
#: Message ids are needed for minutes (Twilio's retries, the throttle's minute): older ones
#: are deleted, at most once an hour, by the server that handles a message.
KEEP_MESSAGE_IDS = timedelta(days=7)
PRUNE_EVERY_SECONDS = 3600
#: When the current request's database steps must be done by (event-loop time).
_storage_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("sms_storage_deadline")


class SmsCollector(CollectingOutputChannel):
    """Collects a turn's messages whole (Rasa's collector cuts texts at blank lines); named
    "sms" so domain responses may have SMS variations (`channel: sms`)."""

    @classmethod
    def name(cls) -> Text:
        return "sms"

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text))


class SmsInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SmsInput":
        """Behaviour from credentials.yml; secrets only from the environment."""
        credentials = credentials or {}
        return cls(
            reply_timeout=float(credentials.get("reply_timeout_seconds", DEFAULT_REPLY_TIMEOUT)),
            max_per_minute=int(credentials.get("max_messages_per_minute", DEFAULT_MAX_PER_MINUTE)),
            max_body_chars=int(credentials.get("max_body_chars", MAX_BODY_CHARS)),
            send_opt_out_confirmation=bool(credentials.get("send_opt_out_confirmation", False)),
        )

    def __init__(self, reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
                 max_per_minute: int = DEFAULT_MAX_PER_MINUTE,
                 max_body_chars: int = MAX_BODY_CHARS,
                 send_opt_out_confirmation: bool = False) -> None:
        self.reply_timeout = reply_timeout
        self.max_per_minute = max_per_minute
        self.max_body_chars = max_body_chars
        self.send_opt_out_confirmation = send_opt_out_confirmation
        self._engine: Optional[sa.engine.Engine] = None
        # per conversation: replies still being sent through the REST API, and their order
        self._sending: Dict[str, int] = {}
        self._send_locks: Dict[str, asyncio.Lock] = {}
        self._background: set = set()
        self._pruned_at: Optional[float] = None

    # ---- HTTP ----------------------------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sms_webhook = Blueprint("sms_webhook", __name__)

        @sms_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sms_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                return await self.handle(request, on_new_message)
            except Exception as error:  # never a 500 to Twilio, never the text in the log
                logger.error("SMS webhook failed (%s); answered with an apology",
                             type(error).__name__)
                return _twiml_response([sms_text("utter_sms_error")])

        return sms_webhook

    async def handle(self, request: Request,
                     on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        started = asyncio.get_running_loop().time()
        _storage_deadline.set(started + STORAGE_BUDGET)
        settings = get_settings()
        if not settings.twilio_auth_token:
            logger.error("SMS webhook refused a request: TWILIO_AUTH_TOKEN is not set, so no "
                         "request can be checked as Twilio's (set it to the account's token)")
            return response.text("SMS channel not configured", status=403)
        fields = _form_fields(request)
        if not signature_valid(settings.twilio_auth_token, self._signed_url(request, settings),
                               fields, request.headers.get("X-Twilio-Signature")):
            logger.warning("SMS webhook refused a request: X-Twilio-Signature missing or wrong "
                           "(is SMS_PUBLIC_URL the URL Twilio calls?)")
            return response.text("invalid signature", status=403)

        def field(name: str) -> str:
            return (fields.get(name) or [""])[0]

        sender = field("From").strip()
        if not sender:
            return response.text("From is missing", status=400)
        phone = e164(sender) or sender[:32]
        conversation_id = conversation_id_for(sender)
        message_sid = field("MessageSid") or field("SmsSid")
        inbound = read_inbound(field("Body"), field("NumMedia"), self.max_body_chars)

        self._prune_now_and_then(started)
        if message_sid and not await self._stored(store.claim_message_sid, message_sid,
                                                  conversation_id, default=True):
            logger.info("SMS webhook: a retried MessageSid, no second turn")
            return _twiml_response([])
        outcome, parts = await self._before_turn(message_sid, conversation_id, phone, inbound)
        if outcome is not None:
            await self._set_outcome(message_sid, outcome)
            return _twiml_response(parts)

        first_time = e164(sender) is not None and await self._stored(
            store.remember_sms_sender, conversation_id, phone, default=False)
        notes = [sms_text(name, **values) for name, values in inbound.notes]
        if first_time:
            notes.append(sms_text("utter_sms_first_note"))
        await self._set_outcome(message_sid, "turn")
        collector = SmsCollector()
        turn = asyncio.ensure_future(on_new_message(UserMessage(
            inbound.text, collector, conversation_id, input_channel=self.name(),
            message_id=message_sid or None)))
        budget = self._reply_timeout() - (asyncio.get_running_loop().time() - started)
        try:
            await asyncio.wait_for(asyncio.shield(turn), timeout=max(budget, 0.05))
        except asyncio.TimeoutError:
            self._deliver_later(turn, collector, conversation_id, phone, notes)
            return _twiml_response([])
        except Exception as error:
            logger.error("SMS turn failed (%s)", type(error).__name__)
            return _twiml_response([sms_text("utter_sms_error")])
        if self._sending.get(conversation_id):
            # a slower earlier reply is still going out: this one follows it, in order
            self._deliver_later(turn, collector, conversation_id, phone, notes)
            return _twiml_response([])
        return _twiml_response(self._reply_parts(collector, notes))

    async def _before_turn(self, message_sid: str, conversation_id: str, phone: str,
                           inbound) -> tuple[Optional[str], List[str]]:
        """(outcome, parts) when the message is answered without a turn, else (None, [])."""
        opted_out = await self._stored(store.is_opted_out, phone, default=False)
        keyword = keyword_of(inbound.text, opted_out=opted_out)
        if keyword == "opt_out":
            await self._stored(store.record_opt_out, phone, default=None)
            return "keyword", [sms_text("utter_sms_opted_out")] \
                if self.send_opt_out_confirmation else []
        if keyword == "opt_in":
            await self._stored(store.record_opt_in, phone, default=None)
            return "keyword", [sms_text("utter_sms_opted_in")]
        if opted_out:
            return "opted_out", []  # nothing is sent to a number that opted out
        if keyword == "help":
            return "keyword", [sms_text("utter_sms_help")]
        if message_sid:
            count = await self._stored(store.recent_message_count, conversation_id, default=0)
            if count > self.max_per_minute and not _emergency(inbound.text):
                if await self._stored(store.throttle_notice_sent, conversation_id,
                                      default=False):
                    return "throttled", []
                return "throttle_notice", [sms_text("utter_sms_throttled")]
        if inbound.kind != "text":
            return inbound.kind, [sms_text(f"utter_sms_{inbound.kind}")]
        return None, []

    # ---- replies -------------------------------------------------------------------------
    def _reply_parts(self, collector: SmsCollector, notes: List[str]) -> List[str]:
        texts = [message_text(m) for m in collector.messages] + notes
        return sms_parts(texts, urgent=is_emergency_answer)

    def _deliver_later(self, turn: asyncio.Future, collector: SmsCollector,
                       conversation_id: str, to: str, notes: List[str]) -> None:
        """Sends the turn's reply through the REST API once it ends, after the replies of
        earlier turns to this number (one lock per conversation, taken in turn order)."""
        self._sending[conversation_id] = self._sending.get(conversation_id, 0) + 1
        lock = self._send_locks.setdefault(conversation_id, asyncio.Lock())

        async def deliver() -> None:
            try:
                try:
                    await turn
                    parts = self._reply_parts(collector, notes)
                except Exception as error:
                    logger.error("SMS turn failed (%s)", type(error).__name__)
                    parts = [sms_text("utter_sms_error")]
                async with lock:
                    await self._sender().send(to, parts)
            finally:
                self._sending[conversation_id] -= 1
                if not self._sending[conversation_id]:
                    del self._sending[conversation_id]
                    self._send_locks.pop(conversation_id, None)

        task = asyncio.ensure_future(deliver())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ---- settings and storage ------------------------------------------------------------
    @staticmethod
    def _signed_url(request: Request, settings) -> str:
        """The URL Twilio signed: SMS_PUBLIC_URL behind a proxy (with this request's query
        string when it has none), else the URL the request came to."""
        if not settings.sms_public_url:
            return request.url
        url = settings.sms_public_url
        if request.query_string and "?" not in url:
            url += "?" + request.query_string
        return url

    def _reply_timeout(self) -> float:
        return self.reply_timeout if self._sender().configured \
            else max(self.reply_timeout, REPLY_TIMEOUT_WITHOUT_REST)

    @staticmethod
    def _sender() -> TwilioSender:
        settings = get_settings()
        return TwilioSender(settings.twilio_account_sid, settings.twilio_auth_token,
                            settings.twilio_from_number, settings.twilio_api_base)

    def _database(self) -> sa.engine.Engine:
        if self._engine is None:
            self._engine = db.make_engine()
        return self._engine

    async def _stored(self, function: Callable, *args: Any, default: Any) -> Any:
        """A bot.storage.sms call off the event loop; when the database fails or is slow,
        `default` (logged, no details): the message is handled rather than lost."""
        loop = asyncio.get_running_loop()
        remaining = _storage_deadline.get(loop.time() + STORAGE_BUDGET) - loop.time()
        try:
            if remaining <= 0:
                raise asyncio.TimeoutError
            return await asyncio.wait_for(
                asyncio.to_thread(function, *args, bind=self._database()),
                min(STORAGE_TIMEOUT, remaining))
        except (sa.exc.SQLAlchemyError, asyncio.TimeoutError, OSError) as error:
            logger.warning("SMS storage step %s failed (%s); going on without it",
                           function.__name__, type(error).__name__)
            return default

    def _prune_now_and_then(self, now: float) -> None:
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = now

        async def prune() -> None:
            try:
                await asyncio.to_thread(store.forget_messages_before,
                                        utc_now() - KEEP_MESSAGE_IDS, self._database())
            except sa.exc.SQLAlchemyError as error:
                logger.warning("SMS message ids not pruned (%s)", type(error).__name__)

        task = asyncio.ensure_future(prune())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _set_outcome(self, message_sid: str, outcome: str) -> None:
        if message_sid:
            await self._stored(store.set_message_outcome, message_sid, outcome, default=None)


def _form_fields(request: Request) -> Dict[str, List[str]]:
    """The posted form, blank values kept: Twilio signs an empty Body too (Sanic's
    request.form drops it, and the signature would not match)."""
    if (request.content_type or "").startswith("application/x-www-form-urlencoded"):
        return parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: request.form.getlist(name) for name in request.form}


def _emergency(text: str) -> bool:
    """The safety rules flag an emergency: such a message is never throttled."""
    from bot.safety import screen

    return bool(text) and screen(text).outcome == "urgent"


def _twiml_response(parts: List[str]) -> HTTPResponse:
    return response.text(twiml(parts), content_type=TWIML)

"""Twilio's side of SMS: the webhook signature, TwiML answers and the REST API.

The REST sender speaks exactly Twilio's Messages API (POST form fields To, From, Body to
{base}/2010-04-01/Accounts/{sid}/Messages.json with basic auth), so TWILIO_API_BASE can
point at a local fake in tests. Logs carry status codes and counts, never a number or text.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping

import aiohttp
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

logger = logging.getLogger(__name__)

#: Twilio errors after which the rest of a reply is not sent: the number opted out (21610),
#: is not a mobile number (21614) or cannot be reached (21211, 21612).
UNREACHABLE = frozenset({21211, 21610, 21612, 21614})


class FormParams:
    """Form fields as RequestValidator reads them (several values per name are allowed)."""

    def __init__(self, fields: Mapping[str, Iterable[str] | str]):
        self._fields = {name: [values] if isinstance(values, str) else list(values)
                        for name, values in fields.items()}

    def __iter__(self):
        return iter(self._fields)

    def getall(self, name: str) -> list[str]:
        return self._fields[name]


def signature_valid(auth_token: str, url: str, fields: Mapping[str, Iterable[str] | str],
                    signature: str | None) -> bool:
    """True when `signature` (X-Twilio-Signature) is Twilio's for this URL and these fields,
    checked by the twilio library (with and without the default port, as Twilio signs)."""
    if not signature or not auth_token:
        return False
    return RequestValidator(auth_token).validate(url, FormParams(fields), signature)


def twiml(parts: Iterable[str]) -> str:
    """The TwiML answer of a webhook: one <Message> per SMS part, in order (none: empty)."""
    response = MessagingResponse()
    for part in parts:
        response.message(part)
    return str(response)


def twiml_parts(document: str) -> list[str]:
    """The message bodies of a TwiML answer, in order (the command line prints them)."""
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.fromstring(document)
    return ["".join(message.itertext()) for message in root.iter("Message")]


class TwilioSender:
    """Sends a reply through Twilio's REST API, part after part, each only once the one
    before was accepted (so they are queued in order)."""

    def __init__(self, account_sid: str | None, auth_token: str | None,
                 from_number: str | None, api_base: str, *, timeout: float = 10.0,
                 retries: int = 2, retry_delay: float = 1.0):
        self.account_sid, self.auth_token, self.from_number = account_sid, auth_token, from_number
        self.api_base = api_base.rstrip("/")
        self.timeout, self.retries, self.retry_delay = timeout, retries, retry_delay

    @property
    def configured(self) -> bool:
        return bool(self.account_sid and self.auth_token and self.from_number)

    @property
    def messages_url(self) -> str:
        return f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    async def send(self, to: str, parts: Iterable[str]) -> int:
        """Sends the parts in order; returns how many Twilio accepted. Stops at the first
        part that cannot be sent, so a later part never arrives without an earlier one."""
        parts = [p for p in parts if p]
        if not parts:
            return 0
        if not self.configured:
            logger.error("SMS reply not sent: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                         "TWILIO_FROM_NUMBER are needed to send replies of slow turns")
            return 0
        auth = aiohttp.BasicAuth(self.account_sid, self.auth_token)
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        sent = 0
        async with aiohttp.ClientSession(auth=auth, timeout=timeout) as session:
            for part in parts:
                if not await self._send_one(session, to, part):
                    break
                sent += 1
        if sent < len(parts):
            logger.error("SMS reply: %d of %d part(s) sent", sent, len(parts))
        return sent

    async def _send_one(self, session: aiohttp.ClientSession, to: str, body: str) -> bool:
        form = {"To": to, "From": self.from_number, "Body": body}
        for attempt in range(self.retries + 1):
            try:
                async with session.post(self.messages_url, data=form) as answer:
                    if answer.status < 300:
                        return True
                    code = await _error_code(answer)
                    logger.warning("Twilio refused an SMS part: HTTP %d, error %s",
                                   answer.status, code)
                    if code in UNREACHABLE or (answer.status < 500 and answer.status != 429):
                        return False
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                logger.warning("Twilio REST API not reachable (%s)", type(error).__name__)
            if attempt < self.retries:
                await asyncio.sleep(self.retry_delay * (attempt + 1))
        return False


async def _error_code(answer: aiohttp.ClientResponse) -> int | None:
    try:
        return (await answer.json(content_type=None)).get("code")
    except (ValueError, aiohttp.ClientError, AttributeError):
        return None

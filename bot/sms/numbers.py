"""A texting client's number: E.164, and the keyed hash that is their conversation id.

The tracker store never sees a phone number: the conversation id is an HMAC-SHA256 of the
number under a key derived from the project's secret (bot.config.web_secret_key), so the
same number always reaches the same conversation and the id alone does not give the number
back. Only the intake database keeps the number (bot.storage.sms), beside the contact data
it already holds.
"""
from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

import phonenumbers

from bot.config import web_secret_key
from bot.intake import DEFAULT_PHONE_REGION

#: Prefix of SMS conversation ids, so staff and logs can tell the channel at a glance.
CONVERSATION_PREFIX = "sms-"
#: Key derivation label: the project's secret signs other things too (web sessions).
_KEY_PURPOSE = b"intake-bot/sms-conversation-id/v1"


def e164(raw: str | None) -> str | None:
    """The number in E.164 ("+15551234567"), or None when it is not a possible phone number
    (an alphanumeric sender, a short code, garbage)."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def conversation_key(secret: str | None = None) -> bytes:
    """The HMAC key of conversation ids, derived from the project's secret."""
    return _derived_key(secret if secret is not None else web_secret_key())


@lru_cache(maxsize=8)
def _derived_key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()


def conversation_id_for(sender: str, secret: str | None = None) -> str:
    """The conversation id of a sender: "sms-" and 32 hex digits of HMAC-SHA256 of its E.164
    form (of the raw sender when it is not a phone number)."""
    canonical = e164(sender) or (sender or "").strip()
    digest = hmac.new(conversation_key(secret), canonical.encode("utf-8"), hashlib.sha256)
    return CONVERSATION_PREFIX + digest.hexdigest()[:32]

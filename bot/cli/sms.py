"""`python -m bot sms --from +15551234567 "my back hurts"`: texts the bot as Twilio would.

Posts the form fields of Twilio's SMS webhook (From, To, Body, MessageSid, AccountSid,
NumMedia), signed with TWILIO_AUTH_TOKEN by the twilio library, to the running Rasa server
and prints the reply parts of the TwiML answer, so staff can rehearse the SMS flow without a
phone. A slow turn's reply goes through Twilio's REST API instead (to TWILIO_API_BASE).
"""
from __future__ import annotations

import sys
import uuid

DEFAULT_TO = "+15550100123"


def sms_form(sender: str, text: str, *, to: str = DEFAULT_TO, account_sid: str | None = None,
             message_sid: str | None = None, num_media: int = 0) -> dict:
    """The form fields Twilio posts for one incoming SMS."""
    message_sid = message_sid or "SM" + uuid.uuid4().hex
    return {
        "MessageSid": message_sid, "SmsSid": message_sid,
        "AccountSid": account_sid or "AC" + "0" * 32,
        "From": sender, "To": to, "Body": text, "NumMedia": str(num_media), "NumSegments": "1",
    }


def sign(auth_token: str, url: str, form: dict) -> str:
    """X-Twilio-Signature of a request, computed as Twilio computes it."""
    from twilio.request_validator import RequestValidator

    return RequestValidator(auth_token).compute_signature(url, form)


def main(args) -> int:
    import requests

    from bot.config import get_settings
    from bot.sms.twilio_api import twiml_parts

    settings = get_settings()
    if not settings.twilio_auth_token:
        print("error: set TWILIO_AUTH_TOKEN (the Rasa server must have the same one)",
              file=sys.stderr)
        return 2
    form = sms_form(args.sender, args.text, to=args.to or settings.twilio_from_number
                    or DEFAULT_TO, account_sid=settings.twilio_account_sid,
                    message_sid=args.message_sid, num_media=args.num_media)
    # Twilio signs the URL it was given: behind a proxy, the public one
    signed_url = args.signed_url or settings.sms_public_url or args.url
    headers = {"X-Twilio-Signature": sign(settings.twilio_auth_token, signed_url, form)}
    try:
        answer = requests.post(args.url, data=form, headers=headers, timeout=30)
    except requests.RequestException as error:
        print(f"error: could not reach {args.url} ({type(error).__name__}); is the bot "
              "running (make run)?", file=sys.stderr)
        return 1
    if answer.status_code != 200:
        print(f"error: HTTP {answer.status_code}: {answer.text[:200]}", file=sys.stderr)
        return 1
    parts = twiml_parts(answer.text)
    for number, part in enumerate(parts, start=1):
        if len(parts) > 1:
            print(f"--- SMS {number} of {len(parts)} ---")
        print(part)
    if not parts:
        print("(no reply in the answer: a retried message, an opted-out number, or a slow "
              "turn whose reply goes through Twilio's REST API)", file=sys.stderr)
    return 0

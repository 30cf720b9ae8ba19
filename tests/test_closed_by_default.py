"""Closed by default (issue 15): Rasa's HTTP API needs the token and answers on this machine
only; the action server listens on loopback only; the client-facing channels stay reachable."""
from __future__ import annotations

import pytest
import requests

from tests.conftest import this_machines_other_address

pytestmark = pytest.mark.stack


def test_the_api_needs_the_token(stack):
    assert requests.get(f"{stack.url}/status", timeout=5).status_code == 401
    assert requests.get(f"{stack.url}/conversations/x/tracker", timeout=5).status_code == 401
    assert requests.get(f"{stack.url}/status", params={"token": "guess"},
                        timeout=5).status_code == 401
    assert requests.get(f"{stack.url}/status", params={"token": stack.api_token},
                        timeout=5).ok


def test_from_another_host_the_api_is_refused_and_the_channels_answer(stack):
    address = this_machines_other_address()
    if address is None:
        pytest.fail("this machine has no non-loopback address to test from")
    outside = stack.url.replace("127.0.0.1", address)
    for path in ("/status", "/conversations/x/tracker", "/model", "/domain", "/version"):
        answer = requests.get(f"{outside}{path}", params={"token": stack.api_token}, timeout=5)
        assert answer.status_code == 403, path
    reply = requests.post(f"{outside}/webhooks/rest/webhook",
                          json={"sender": "closed-by-default", "message": "hi"}, timeout=30)
    assert reply.ok and reply.json()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{address}:{stack.actions_port}/health", timeout=5)
    assert requests.get(f"http://127.0.0.1:{stack.actions_port}/health", timeout=5).ok

"""The web app's request limits (bot/web/limits.py): 429 with Retry-After per client, the
sensitive limit on new widget sessions and staff sign-ins, X-Forwarded-For believed only
behind a configured proxy, counts shared through Redis by several workers, let through when
Redis is away; and request bodies capped (413)."""
from __future__ import annotations

import uuid

import pytest

from bot.web import create_app
from bot.web.limits import Rate

REDIS_URL = "redis://127.0.0.1:6379/0"


def make_app(tmp_path, **config):
    return create_app({"TESTING": True, "SECRET_KEY": "limits-test",
                       "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'intake.db'}",
                       "PRACTICE_ID": "main-street", "WEB_RATE_LIMIT_STORAGE": "memory",
                       "RATELIMIT_ENABLED": True, **config})


def new_session(client, address="198.51.100.7", **headers):
    return client.post("/widget/session", json={"practice": "main-street"},
                       headers=headers, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("text, count, seconds", [
    ("300/minute", 300, 60), ("30 per minute", 30, 60), ("5/10 seconds", 5, 10),
    ("1000/second", 1000, 1), ("2 per hour", 2, 3600)])
def test_rates_are_read_as_written(text, count, seconds):
    assert Rate.parse(text) == Rate(count, seconds)


@pytest.mark.parametrize("text", ["", "fast", "10", "10/fortnight", "-1/minute"])
def test_a_rate_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        Rate.parse(text)


def test_past_the_limit_a_client_gets_429_with_retry_after_and_others_do_not(tmp_path):
    client = make_app(tmp_path, WEB_RATE_LIMIT="5/minute").test_client()
    answers = [client.get("/widget.js", environ_base={"REMOTE_ADDR": "198.51.100.1"})
               for _ in range(7)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store"
    other = client.get("/widget.js", environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert other.status_code == 200


def test_new_widget_sessions_have_their_own_lower_limit_answered_in_json(tmp_path):
    client = make_app(tmp_path, WEB_SENSITIVE_RATE_LIMIT="3/minute").test_client()
    statuses = [new_session(client).status_code for _ in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    refused = new_session(client)
    assert refused.status_code == 429 and refused.json["error"] == "rate_limited"
    # the widget's other requests from that address still go through
    assert client.get("/widget.js", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200


def test_staff_sign_in_attempts_count_against_the_sensitive_limit(tmp_path):
    from bot.storage import db

    db.upgrade_database(f"sqlite:///{tmp_path / 'intake.db'}")
    app = make_app(tmp_path, WEB_SENSITIVE_RATE_LIMIT="2/minute", WTF_CSRF_ENABLED=False)
    client = app.test_client()
    statuses = [client.post("/staff/login", data={"email": "a@b.example", "password": "x"},
                            environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code
                for _ in range(4)]
    assert 429 not in statuses[:2] and statuses[2:] == [429, 429]


def test_a_forged_x_forwarded_for_changes_nothing_without_a_proxy(tmp_path):
    client = make_app(tmp_path, WEB_SENSITIVE_RATE_LIMIT="2/minute").test_client()
    statuses = [new_session(client, address="198.51.100.3",
                            **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in range(4)]
    assert statuses == [201, 201, 429, 429]


def test_behind_one_proxy_the_forwarded_address_is_the_client(tmp_path):
    client = make_app(tmp_path, WEB_SENSITIVE_RATE_LIMIT="2/minute",
                      WEB_PROXY_HOPS=1).test_client()
    proxy = "127.0.0.1"
    first = [new_session(client, address=proxy, **{"X-Forwarded-For": "203.0.113.1"}).status_code
             for _ in range(3)]
    second = new_session(client, address=proxy, **{"X-Forwarded-For": "203.0.113.2"})
    assert first == [201, 201, 429] and second.status_code == 201
    # only the proxy's own entry counts: a client cannot prepend addresses of its own
    spoofed = new_session(client, address=proxy,
                          **{"X-Forwarded-For": "192.0.2.99, 203.0.113.1"})
    assert spoofed.status_code == 429


def test_workers_sharing_redis_count_together(tmp_path):
    config = dict(WEB_RATE_LIMIT="4/minute", WEB_RATE_LIMIT_STORAGE=REDIS_URL)
    first = make_app(tmp_path, **config).test_client()
    second = make_app(tmp_path, **config).test_client()
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    statuses = [client.get("/widget.js", environ_base={"REMOTE_ADDR": address}).status_code
                for client in (first, second, first, second, first, second)]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_requests_go_through_when_redis_does_not_answer(tmp_path, caplog):
    client = make_app(tmp_path, WEB_RATE_LIMIT="1/minute",
                      WEB_RATE_LIMIT_STORAGE="redis://127.0.0.1:1/0").test_client()
    statuses = [client.get("/widget.js").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert "Redis does not answer" in caplog.text


def test_limits_are_on_unless_switched_off_and_off_in_apps_built_for_tests(tmp_path):
    assert create_app({"SECRET_KEY": "s"}).config["RATELIMIT_ENABLED"] is True
    assert create_app({"SECRET_KEY": "s", "TESTING": True}).config["RATELIMIT_ENABLED"] is False
    client = make_app(tmp_path, WEB_RATE_LIMIT="1/minute", RATELIMIT_ENABLED=False).test_client()
    assert [client.get("/widget.js").status_code for _ in range(3)] == [200, 200, 200]


def test_a_body_over_the_cap_is_refused_with_413(tmp_path):
    client = make_app(tmp_path).test_client()
    too_big = client.post("/widget/session", data=b"{" + b" " * (64 * 1024 + 1) + b"}",
                          content_type="application/json")
    assert too_big.status_code == 413
    assert new_session(client).status_code == 201

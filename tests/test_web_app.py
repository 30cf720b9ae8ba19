"""The web app (bot/web) with Flask's test client, a fresh app per test, and the socket.io
channel's side of the widget's token (bot/rasa_plugins/socketio_channel.py) without a server.
The whole widget in a browser against the real stack: tests/test_widget_browser.py."""
from __future__ import annotations

import json
import re
import time

import jwt
import pytest
import sqlalchemy as sa

from bot.web import create_app, tokens, transcript
from tests.conftest import ROOT

SECRET = "test-secret-for-the-web-app"
ORIGIN = "https://clinic.example"
SOCKET_URL = "https://chat.clinic.example"


@pytest.fixture
def tracker_url(tmp_path):
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def app(tracker_url):
    return create_app({"TESTING": True, "SECRET_KEY": SECRET, "TRACKER_STORE_URL": tracker_url,
                       "WIDGET_ORIGINS": (ORIGIN,), "WIDGET_SOCKET_URL": SOCKET_URL,
                       "PRACTICE_ID": "main-street"})


@pytest.fixture
def client(app):
    return app.test_client()


def new_session(client, practice="main-street", **headers):
    return client.post("/widget/session", json={"practice": practice}, headers=headers)


def history(client, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.get("/widget/history", headers=headers)


def store_events(url: str, sender_id: str, events: list[dict]) -> None:
    """Rows as Rasa's SQLTrackerStore writes them (the same table and columns)."""
    engine = sa.create_engine(url, future=True)
    metadata = sa.MetaData()
    table = sa.Table("events", metadata,
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("sender_id", sa.String(255), nullable=False, index=True),
                     sa.Column("type_name", sa.String(255), nullable=False),
                     sa.Column("timestamp", sa.Float), sa.Column("intent_name", sa.String(255)),
                     sa.Column("action_name", sa.String(255)), sa.Column("data", sa.Text))
    metadata.create_all(engine)
    with engine.begin() as connection:
        for event in events:
            connection.execute(table.insert().values(
                sender_id=sender_id, type_name=event["event"], timestamp=event.get("timestamp"),
                data=json.dumps(event)))
    engine.dispose()


def bot(text, at, action="utter_x", buttons=None):
    return {"event": "bot", "timestamp": at, "text": text,
            "metadata": {"utter_action": action, "model_id": "m"},
            "data": {"buttons": buttons, "quick_replies": None, "custom": None}}


def user(text, at, message_id="0" * 32):
    return {"event": "user", "timestamp": at, "text": text, "message_id": message_id,
            "parse_data": {"intent": {"name": "describe_symptoms"}, "entities": [
                {"entity": "body_part", "value": "neck"}]}, "input_channel": "socketio"}


# ------------------------------------------------------------------ POST /widget/session

def test_sessions_are_random_128_bit_ids_bound_in_tokens_that_verify(client):
    issued = [new_session(client) for _ in range(40)]
    assert {r.status_code for r in issued} == {201}
    bodies = [r.get_json() for r in issued]
    ids = [b["session_id"] for b in bodies]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)  # 128 bits
    assert len({b["token"] for b in bodies}) == len(bodies)
    key = tokens.signing_key(SECRET)
    for body in bodies:
        assert tokens.session_id_of(body["token"], key=key) == body["session_id"]
        claims = jwt.decode(body["token"], key, algorithms=["HS256"], audience=tokens.AUDIENCE)
        assert set(claims) == {"sid", "aud", "iat", "exp"}  # nothing about the visitor
        assert claims["exp"] - claims["iat"] == tokens.LIFETIME_SECONDS
        assert body["socket_url"] == SOCKET_URL and body["socket_path"] == "/socket.io"
        assert body["expires_in"] == tokens.LIFETIME_SECONDS
    # the bits are spread: no hex digit position is constant across 40 ids
    assert all(len({i[k] for i in ids}) > 1 for k in range(32))
    assert all(r.headers["Cache-Control"] == "no-store" for r in issued)
    assert not any("Set-Cookie" in r.headers for r in issued)


def test_a_session_needs_the_practice_of_the_script_tag(client):
    assert new_session(client, practice="another-practice").status_code == 404
    assert client.post("/widget/session").status_code == 404
    assert client.post("/widget/session", data="not json").status_code == 404
    assert "data-practice" in new_session(client, practice=None).get_json()["error"]


def test_tokens_signed_otherwise_or_expired_or_for_something_else_are_refused():
    key = tokens.signing_key(SECRET)
    token, session_id = tokens.issue(key=key)
    assert tokens.session_id_of(token, key=key) == session_id
    with pytest.raises(tokens.InvalidToken):
        tokens.session_id_of(token, key=tokens.signing_key("another secret"))
    expired, _ = tokens.issue(key=key, now=time.time() - tokens.LIFETIME_SECONDS - 5)
    with pytest.raises(tokens.InvalidToken):
        tokens.session_id_of(expired, key=key)
    other_audience = jwt.encode({"sid": session_id, "aud": "staff", "exp": time.time() + 60},
                                key, algorithm="HS256")
    unsigned = jwt.encode({"sid": session_id, "aud": tokens.AUDIENCE,
                           "exp": time.time() + 60}, None, algorithm="none")
    no_expiry = jwt.encode({"sid": session_id, "aud": tokens.AUDIENCE}, key, algorithm="HS256")
    bad_id = jwt.encode({"sid": "../../etc", "aud": tokens.AUDIENCE,
                         "exp": time.time() + 60}, key, algorithm="HS256")
    for forged in (other_audience, unsigned, no_expiry, bad_id, "", None, 42, "x" * 2000,
                   token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
        with pytest.raises(tokens.InvalidToken):
            tokens.session_id_of(forged, key=key)
    with pytest.raises(ValueError):
        tokens.issue("not-a-session-id", key=key)


def test_the_signing_key_is_derived_from_web_secret_key_in_both_processes(monkeypatch):
    monkeypatch.setenv("WEB_SECRET_KEY", "shared-by-rasa-and-the-web-app")
    app = create_app({"TESTING": True})  # SECRET_KEY from the environment, as in production
    assert app.config["SECRET_KEY"] == "shared-by-rasa-and-the-web-app"
    token = app.test_client().post("/widget/session", json={"practice": "main-street"}) \
        .get_json()["token"]
    tokens.session_id_of(token)  # the channel's default key: bot.config.web_secret_key()
    assert tokens.signing_key() != b"shared-by-rasa-and-the-web-app"  # derived, not the secret


# ------------------------------------------------------------------ GET /widget/history

def test_history_goes_to_the_holder_of_the_token_only(client, tracker_url):
    alice = new_session(client).get_json()
    bob = new_session(client).get_json()
    store_events(tracker_url, alice["session_id"], [
        bot("Hi! I can't give medical advice or a diagnosis.", 1.0),
        user("my neck hurts, call me at 555-201-3344", 2.0, "a" * 32)])
    store_events(tracker_url, bob["session_id"], [user("Bob's own words", 3.0, "b" * 32)])

    response = history(client, alice["token"])
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["session_id"] == alice["session_id"]
    assert [m["text"] for m in body["messages"]] == [
        "Hi! I can't give medical advice or a diagnosis.", "my neck hurts, call me at 555-201-3344"]
    assert "Bob" not in response.get_data(as_text=True)
    assert [m["text"] for m in history(client, bob["token"]).get_json()["messages"]] == \
        ["Bob's own words"]

    assert history(client).status_code == 401
    assert history(client, "not-a-token").status_code == 401
    assert history(client, Authorization=alice["token"]).status_code == 401  # no Bearer
    assert history(client, Authorization=f"Basic {alice['token']}").status_code == 401
    forged = jwt.encode({"sid": alice["session_id"], "aud": tokens.AUDIENCE,
                         "exp": time.time() + 60}, tokens.signing_key("guessed"), "HS256")
    assert history(client, forged).status_code == 401
    assert client.get(f"/widget/history?session_id={alice['session_id']}").status_code == 401


def test_history_holds_texts_only_split_as_the_channel_sends_them(client, tracker_url):
    session = new_session(client).get_json()
    store_events(tracker_url, session["session_id"], [
        {"event": "action", "timestamp": 0.5, "name": "action_session_start"},
        bot("First part.\n\nSecond part.", 1.25),
        {"event": "session_started", "timestamp": 1.3},
        {"event": "slot", "timestamp": 1.4, "name": "phone", "value": "+15552013344"},
        user("<img src=x onerror=alert(1)>", 2.0, "c" * 32),
        user("   ", 2.5),
        bot("This needs urgent medical help now. Call 911.", 3.0, "utter_emergency"),
        bot("If you still need help, call 911 now.", 4.0, "utter_emergency_hold"),
        bot("Pick one", 5.0, buttons=[{"title": "Medical", "payload": "medical"}]),
    ])
    messages = history(client, session["token"]).get_json()["messages"]
    assert messages == [
        {"id": "b1.250000.0", "sender": "bot", "text": "First part."},
        {"id": "b1.250000.1", "sender": "bot", "text": "Second part."},
        {"id": "c" + "c" * 32, "sender": "client", "text": "<img src=x onerror=alert(1)>"},
        {"id": "b3.000000.0", "sender": "bot", "urgent": True,
         "text": "This needs urgent medical help now. Call 911."},
        {"id": "b4.000000.0", "sender": "bot", "urgent": True,
         "text": "If you still need help, call 911 now."},
        {"id": "b5.000000.0", "sender": "bot", "text": "Pick one",
         "buttons": [{"title": "Medical", "payload": "medical"}]},
    ]
    raw = history(client, session["token"]).get_data(as_text=True)
    assert "+15552013344" not in raw and "describe_symptoms" not in raw and "neck" not in raw


def test_history_of_a_conversation_not_started_yet_is_empty(client):
    session = new_session(client).get_json()  # Rasa has not even made its table
    response = history(client, session["token"])
    assert response.status_code == 200 and response.get_json()["messages"] == []


def test_the_emergency_answers_are_the_ones_the_rasa_server_gives():
    from bot.rasa_plugins.policies import EMERGENCY_ANSWERS, HOLD_ANSWERS

    assert transcript.URGENT_RESPONSES == set(EMERGENCY_ANSWERS) | set(HOLD_ANSWERS)


# ------------------------------------------------------------------ pages, headers, CORS

def test_demo_page_has_the_one_tag_and_strict_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<script src="http://localhost/widget.js" data-practice="main-street" defer>' in page
    assert "<script>" not in page and "style=" not in page  # nothing inline: the CSP forbids it
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp
    assert f"connect-src 'self' {SOCKET_URL} wss://chat.clinic.example;" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_practice_name_is_escaped_on_the_demo_page(client, monkeypatch):
    monkeypatch.setenv("PRACTICE_NAME", "<b>Evil & Co</b>")
    page = client.get("/").get_data(as_text=True)
    assert "<b>Evil" not in page and "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in page


def test_widget_files_are_served_for_other_sites_to_load(client):
    script = client.get("/widget.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    assert script.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=300" in script.headers["Cache-Control"]
    style = client.get("/widget.css")
    assert style.status_code == 200 and style.mimetype == "text/css"
    vendor = client.get("/widget/vendor/socket.io.min.js")
    if (ROOT / "bot/web/static/vendor/socket.io.min.js").exists():
        assert vendor.status_code == 200 and b"Socket.IO v4" in vendor.data[:400]
    else:
        assert vendor.status_code == 404 and b"make web-assets" in vendor.data


def test_only_the_named_origins_may_call_the_widget_api(client):
    allowed = new_session(client, Origin=ORIGIN)
    assert allowed.status_code == 201
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in allowed.headers["Vary"]

    elsewhere = new_session(client, Origin="https://evil.example")
    assert elsewhere.status_code == 403 and "Access-Control-Allow-Origin" not in elsewhere.headers
    token = allowed.get_json()["token"]
    assert history(client, token, Origin="https://evil.example").status_code == 403
    assert history(client, token, Origin=ORIGIN).status_code == 200

    preflight = client.options("/widget/history", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    refused = client.options("/widget/session", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "*" not in allowed.headers.get("Access-Control-Allow-Origin", "")


def test_widget_origins_come_from_the_environment(monkeypatch):
    from bot.config import WIDGET_ORIGINS, get_settings

    monkeypatch.delenv("WIDGET_ORIGINS", raising=False)
    assert get_settings().widget_origins == WIDGET_ORIGINS
    monkeypatch.setenv("WIDGET_ORIGINS", "https://a.example/, https://b.example")
    assert get_settings().widget_origins == ("https://a.example", "https://b.example")
    assert create_app({"SECRET_KEY": "x"}).config["WIDGET_ORIGINS"] == get_settings().widget_origins


def test_the_widget_script_writes_text_only_and_keeps_only_the_token():
    source = (ROOT / "bot/web/static/widget.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)  # comments may name them
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "localStorage", "document.cookie"):
        assert sink not in code, sink
    assert code.count("sessionStorage.setItem") == 1
    assert "textContent" in code


# ------------------------------------------------------------------ the channel's side

class FakeServer:
    def __init__(self):
        self.emitted = []

    async def emit(self, event, data=None, room=None, **kwargs):
        self.emitted.append((event, data, room))


async def test_replies_carry_ids_and_the_emergency_marker():
    from bot.rasa_plugins.socketio_channel import WidgetOutput

    sio = FakeServer()
    output = WidgetOutput(sio, "bot_uttered")
    await output.send_response("s1", {"text": "Call 911 now.\n\nWe won't book.",
                                      "timestamp": 7.5, "utter_action": "utter_emergency"})
    await output.send_response("s1", {"text": "What brings you in?", "timestamp": 8.0,
                                      "utter_action": "utter_ask_concerns",
                                      "custom": {"kind": "note"}})
    assert sio.emitted == [
        ("bot_uttered", {"id": "b7.500000.0", "sender": "bot", "text": "Call 911 now.",
                         "urgent": True}, "s1"),
        ("bot_uttered", {"id": "b7.500000.1", "sender": "bot", "text": "We won't book.",
                         "urgent": True}, "s1"),
        ("bot_uttered", {"id": "b8.000000.0", "sender": "bot", "text": "What brings you in?"},
         "s1"),
        ("bot_uttered", {"custom": {"kind": "note"}}, "s1"),
    ]
    # the same ids as the history after a reload
    assert transcript.bot_messages("Call 911 now.\n\nWe won't book.", 7.5, "utter_emergency") \
        == [data for _, data, _ in sio.emitted[:2]]


def test_the_channel_signs_its_own_tokens_and_needs_session_persistence():
    from bot.rasa_plugins.socketio_channel import WidgetSocketIOInput

    channel = WidgetSocketIOInput.from_credentials({"session_persistence": True})
    assert channel.name() == "socketio"  # stored with channel "web" (bot.records.CHANNELS)
    with pytest.raises(ValueError):
        WidgetSocketIOInput.from_credentials({"session_persistence": True, "jwt_key": "k"})
    with pytest.raises(ValueError):
        WidgetSocketIOInput.from_credentials({"session_persistence": False})
    import yaml

    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert "socketio" not in credentials  # Rasa's own, unbound channel is not served
    entry = credentials["bot.rasa_plugins.socketio_channel.WidgetSocketIOInput"]
    assert entry["session_persistence"] is True


def test_the_demo_page_gives_the_practice_s_own_hours_and_address(app):
    """One home for the practice's facts (data/practice.yml): the page and the bot agree."""
    import yaml

    from bot.config import DATA_DIR

    facts = yaml.safe_load((DATA_DIR / "practice.yml").read_text(encoding="utf-8"))
    page = app.test_client().get("/").get_data(as_text=True)
    for key in ("address", "hours", "phone"):
        assert str(facts[key]) in page

"""Faults against the real production profile (bot/prod), started here on free ports: nginx
with TLS in front of two Rasa servers, two action servers and gunicorn, on a PostgreSQL and a
Redis of this module's own (so restarting or stopping them disturbs nothing else on the
machine: the same binaries as the system's services, on their own ports and folders).

Every conversation goes through nginx over HTTPS, checked against the profile's self-signed
certificate. Cases: only the channels and the web app are routed, bodies capped (413), limits
(429); socket.io through nginx; one Rasa server killed mid-conversation; one action server
killed; turns of one conversation at once through both Rasa servers; PostgreSQL restarted
mid-intake; Redis stopped (a clear 503, then recovery); 50 simultaneous intakes.
`pytest -m prod` runs only these (about three minutes).
"""
from __future__ import annotations

import dataclasses
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot.config import ProdSettings
from bot.rasa_plugins.stack import free_port
from tests.conftest import ROOT, this_machines_other_address

pytestmark = [pytest.mark.prod, pytest.mark.stack]

#: a medical intake, turn by turn (bench/bench.py's); the last turn stores it
INTAKE = ["hi", "my lower back has been killing me for 3 weeks, 7/10, worse when i sit",
          "none of those", "the first one", "Dana Cole", "555-201-3344", "weekday evenings",
          "yes my doctor referred me", "blue cross", "yes"]


# ---- a PostgreSQL and a Redis of this module's own ---------------------------------------

def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary folder on a free port (Debian's binaries)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                       key=lambda p: int(Path(p).parts[-3]))
        initdb = found[-1] if found else shutil.which("initdb")
        if not initdb:
            pytest.fail("PostgreSQL's server binaries (initdb, pg_ctl) are needed: "
                        "apt-get install -y postgresql")
        self.bindir = Path(initdb).parent
        self.folder = Path(tempfile.mkdtemp(prefix="intake-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.port = free_port()
        subprocess.run(_as_postgres() + [str(self.bindir / "initdb"), "-D", str(self.data),
                                         "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                         "--no-sync"], check=True, capture_output=True)
        self.start()

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres() + [str(self.bindir / "pg_ctl"), "-D", str(self.data),
                                         "-l", str(self.folder / "postgres.log"), "-w",
                                         "-t", "60", *args], check=True, capture_output=True)

    def start(self) -> None:
        self.pg_ctl("-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                          "-c fsync=off -c max_connections=200", "start")

    def restart(self) -> None:
        self.pg_ctl("-m", "fast", "restart")

    def running(self) -> bool:
        return subprocess.run(_as_postgres() + [str(self.bindir / "pg_ctl"), "-D",
                                                str(self.data), "status"],
                              capture_output=True).returncode == 0

    def destroy(self) -> None:
        try:
            self.pg_ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="intake-faults-redis-"))
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server") or pytest.fail("redis-server is needed")
        log = open(self.folder / "redis.log", "ab")
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT)
        for _ in range(100):
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.2).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """As an operator would: `redis-cli shutdown nosave` (every lock is gone with it)."""
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
                       capture_output=True)
        if self.process:
            self.process.wait(timeout=10)

    def destroy(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres():
    server = PrivatePostgres()
    yield server
    server.destroy()


@pytest.fixture(scope="module")
def redis_server():
    server = PrivateRedis()
    yield server
    server.destroy()


@pytest.fixture(scope="module")
def profile(trained_model, postgres, redis_server):
    from bot.prod.profile import Profile

    workdir = Path(tempfile.mkdtemp(prefix="intake-faults-"))
    settings = dataclasses.replace(
        ProdSettings(), https_port=free_port(), http_port=free_port(),
        rasa_ports=(free_port(), free_port()), action_ports=(free_port(), free_port()),
        action_balancer_port=free_port(), web_port=free_port(),
        database_url=postgres.url("intake_prod"), tracker_store_url=postgres.url("tracker_prod"),
        redis_url=redis_server.url, workdir=str(workdir),
        # this machine's own turns are not limited (50 intakes at once come from here);
        # the limits are tested from its other address
        rate_exempt=("127.0.0.1",))
    running = Profile(settings, ROOT, trained_model)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(autouse=True)
def every_server_up(profile):
    """Each case starts with every server running (a case that killed one restarts it)."""
    for service in profile.services.values():
        if not service.alive():
            profile.restart(service.name)
    yield


# ---- helpers --------------------------------------------------------------------------------

def turn(profile, sender: str, message: str, session=None) -> list[dict]:
    answer = profile.say(sender, message, session=session)
    assert answer.status_code == 200, (message, answer.status_code, answer.text[:300])
    replies = answer.json()
    assert replies, f"no reply to {message!r}"
    return replies


def stored(profile) -> list[dict]:
    from bot.storage.export import export_intakes

    return json.loads(export_intakes(profile.settings.database_url))


def intakes_of(profile, senders) -> dict[str, list[dict]]:
    wanted = set(senders)
    found: dict[str, list[dict]] = {s: [] for s in wanted}
    for record in stored(profile):
        if record["conversation_id"] in wanted:
            found[record["conversation_id"]].append(record)
    return found


def assert_whole_intake(record: dict) -> None:
    """Every answer of INTAKE is in the stored record."""
    assert record["contact"]["name"] == "Dana Cole"
    assert record["contact"]["phone"] == "+15552013344"
    assert record["preferred_times"] == "weekday evenings"
    assert record["referral"] is True and record["insurance"]
    assert record["client_type"] == "medical" and record["appointment_type"]
    assert any(c["id"] == "back_pain" for c in record["conditions"])


def access_log(profile) -> list[str]:
    return (profile.nginx_folder / "logs" / "nginx-access.log").read_text().splitlines()


def upstreams_since(profile, mark: int, path: str, wait: float = 0,
                    agent: str = "", status: str = "", settle: float = 0) -> list[str]:
    """The upstream address(es) nginx used for each request to `path` since line `mark`
    (a websocket's line is written when it closes: `wait` up to that many seconds), only
    the requests of the client with user agent `agent` when given (another test's socket
    may close after `mark`)."""
    deadline = time.monotonic() + wait
    while True:
        lines = [line for line in access_log(profile)[mark:]
                 if (f'"POST {path} ' in line or f'"GET {path}' in line)
                 and f'"{agent}' in line and f'" {status}' in line]
        if lines or time.monotonic() >= deadline:
            if lines and settle:  # another connection of the same client may still close
                time.sleep(settle)
                return upstreams_since(profile, mark, path, 0, agent, status)
            return [line.rsplit("upstream=", 1)[1] for line in lines]
        time.sleep(0.1)


def rasa_address(profile, name: str) -> str:
    index = int(name.split("-")[1]) - 1
    return f"127.0.0.1:{profile.settings.rasa_ports[index]}"


def new_sender(kind: str) -> str:
    return f"faults-{kind}-{uuid.uuid4().hex[:10]}"


# ---- what is routed, capped and limited -----------------------------------------------------

def test_only_the_channels_and_the_web_app_are_reachable_and_only_over_tls(profile):
    url, cert = profile.url, str(profile.tls_cert)
    assert requests.get(f"{url}/widget.js", verify=cert).ok
    for path in ("/status", "/version", "/model", "/domain", "/conversations/x/tracker",
                 "/webhooks/rest/", "/webhooks/twilio/webhook", "/webhook", "/health"):
        answer = requests.get(f"{url}{path}", params={"token": "x"}, verify=cert)
        assert answer.status_code == 404, path
    redirect = requests.get(f"http://127.0.0.1:{profile.settings.http_port}/staff",
                            allow_redirects=False)
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == f"{profile.settings.public_url}/staff"
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{url}/widget.js", verify=True)  # self-signed: not in the system's store
    # the servers behind nginx answer on loopback only
    other = this_machines_other_address()
    assert other, "this machine has no non-loopback address to test from"
    for port in (*profile.settings.rasa_ports, *profile.settings.action_ports,
                 profile.settings.action_balancer_port, profile.settings.web_port):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://{other}:{port}/", timeout=3)


def test_bodies_are_capped_and_clients_past_their_rate_get_429(profile):
    url, cert = profile.url, str(profile.tls_cert)
    big = {"sender": "x", "message": "a" * 70_000}
    assert requests.post(f"{url}/webhooks/rest/webhook", json=big, verify=cert).status_code == 413
    assert requests.post(f"{url}/widget/session", data=b"{" + b" " * 70_000 + b"}",
                         headers={"Content-Type": "application/json"},
                         verify=cert).status_code == 413
    other = this_machines_other_address()
    assert other, "this machine has no non-loopback address to test from"
    outside = f"https://{other}:{profile.settings.https_port}"
    insecure = {"verify": False}  # the certificate names localhost, not this address
    with requests.Session() as session, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        statuses = [session.get(f"{outside}/widget.js", **insecure).status_code
                    for _ in range(100)]
        assert statuses[0] == 200 and 429 in statuses  # nginx: 20 a second, burst 60
        time.sleep(3)
        # the web app's own limit on new widget sessions (30 a minute), by the client's address
        created = [session.post(f"{outside}/widget/session", json={"practice": "main-street"},
                                **insecure).status_code
                   for _ in range(35)]
    assert created[:30] == [201] * 30 and set(created[30:]) == {429}
    # this machine (exempt at nginx, another address for the web app) is not affected
    assert requests.post(f"{url}/widget/session", json={"practice": "main-street"},
                         verify=cert).status_code == 201


def socket_conversation(profile, token: str, session_id: str, messages: list[str],
                        agent: str = "fault-test") -> list[str]:
    """The widget's side of socket.io through nginx: connect with the token, join the
    session, send each message and collect the bot's texts."""
    import socketio

    http = requests.Session()
    http.verify = str(profile.tls_cert)
    client = socketio.Client(http_session=http, handle_sigint=False, reconnection=False,
                             websocket_extra_options={"origin": profile.settings.public_url})
    replies: list[str] = []
    confirmed = threading.Event()
    client.on("session_confirm", lambda *_: confirmed.set())
    client.on("bot_uttered", lambda data: replies.append(data.get("text", "")))
    for attempt in range(3):  # as the widget's client does: try again when a connect fails
        try:
            client.connect(profile.url, transports=["websocket"], socketio_path="/socket.io",
                           auth={"token": token}, wait_timeout=10,
                           headers={"User-Agent": agent})
            break
        except socketio.exceptions.ConnectionError:
            if attempt == 2:
                raise
            time.sleep(1)
    try:
        client.emit("session_request", {"session_id": session_id})
        assert confirmed.wait(10), "no session_confirm"
        for message in messages:
            before = len(replies)
            answer = client.call("user_uttered", {"session_id": session_id, "message": message,
                                                  "message_id": uuid.uuid4().hex}, timeout=60)
            assert answer == "ok", answer
            deadline = time.monotonic() + 10
            while len(replies) == before and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(replies) > before, f"no reply to {message!r}"
    finally:
        client.disconnect()
    return replies


def test_the_widget_talks_through_nginx_over_a_websocket(profile):
    created = requests.post(f"{profile.url}/widget/session", json={"practice": "main-street"},
                            headers={"Origin": profile.settings.public_url},
                            verify=str(profile.tls_cert))
    assert created.status_code == 201
    body = created.json()
    assert body["socket_url"] == profile.settings.public_url
    mark = len(access_log(profile))
    replies = socket_conversation(profile, body["token"], body["session_id"],
                                  ["my neck has been stiff for a week"])
    assert any("neck" in text.lower() for text in replies)
    assert upstreams_since(profile, mark, "/socket.io/", wait=10)
    upgrades = [line for line in access_log(profile)[mark:] if "/socket.io/" in line]
    assert any('" 101 ' in line for line in upgrades), upgrades


# ---- servers dying ----------------------------------------------------------------------------

def test_a_rasa_server_killed_mid_conversation_the_other_carries_on_with_every_slot(profile):
    sender = new_sender("rasa-killed")
    mark = len(access_log(profile))
    with requests.Session() as session:
        for message in INTAKE[:6]:
            turn(profile, sender, message, session)
        used = upstreams_since(profile, mark, "/webhooks/rest/webhook")
        assert set(used) == {rasa_address(profile, "rasa-1"), rasa_address(profile, "rasa-2")}
        profile.kill("rasa-1")
        mark = len(access_log(profile))
        for message in INTAKE[6:]:
            replies = turn(profile, sender, message, session)
    assert "Thank you, Dana" in replies[-1]["text"]
    survivor = rasa_address(profile, "rasa-2")
    assert all(used.split(", ")[-1] == survivor
               for used in upstreams_since(profile, mark, "/webhooks/rest/webhook"))
    [record] = intakes_of(profile, [sender])[sender]
    assert_whole_intake(record)


def test_the_widget_reconnects_to_the_other_rasa_server_when_its_own_dies(profile):
    created = requests.post(f"{profile.url}/widget/session", json={"practice": "main-street"},
                            verify=str(profile.tls_cert)).json()
    agent = f"fault-test-{uuid.uuid4().hex[:10]}"
    mark = len(access_log(profile))
    socket_conversation(profile, created["token"], created["session_id"],
                        ["my lower back has been killing me for 3 weeks, 7/10"], agent)
    # the connection that talked is the upgraded one (101) that closed last: a try that
    # failed (the connect retried, after the fault of the test before) closed before it
    first = upstreams_since(profile, mark, "/socket.io/", wait=10, agent=agent, status="101",
                            settle=2)[-1]
    first = first.split(", ")[-1]
    own = next(name for name in ("rasa-1", "rasa-2") if rasa_address(profile, name) == first)
    profile.kill(own)
    mark = len(access_log(profile))
    replies = socket_conversation(profile, created["token"], created["session_id"],
                                  ["none of those"], agent)
    second = upstreams_since(profile, mark, "/socket.io/", wait=10, agent=agent, status="101",
                             settle=2)[-1]
    assert second.split(", ")[-1] != first
    assert any("massage fits" in text or "medical massage" in text for text in replies), replies


def test_an_action_server_killed_the_other_runs_the_actions(profile):
    profile.kill("actions-1")
    sender = new_sender("actions-killed")
    with requests.Session() as session:
        for message in INTAKE:
            replies = turn(profile, sender, message, session)
    assert "Thank you, Dana" in replies[-1]["text"]
    [record] = intakes_of(profile, [sender])[sender]
    assert_whole_intake(record)


def test_turns_of_one_conversation_at_once_on_both_servers_run_one_after_the_other(profile):
    """The Redis lock store serialises them. With Rasa 3.6's own lock store the same case
    lost one of the six messages in one round of five (its tickets race)."""
    questions = ["what are your hours", "how much is a massage", "where are you located",
                 "do you take insurance", "what is medical massage", "do i need a referral"]
    engine = sa.create_engine(profile.settings.tracker_store_url, future=True)
    try:
        for _ in range(3):
            sender = new_sender("same-time")
            turn(profile, sender, "hi")
            with ThreadPoolExecutor(len(questions)) as pool:
                answers = list(pool.map(lambda q: profile.say(sender, q), questions))
            assert all(a.status_code == 200 and a.json() for a in answers)
            with engine.connect() as connection:
                rows = connection.execute(sa.text(
                    "SELECT type_name, action_name, data FROM events WHERE sender_id = :s "
                    "ORDER BY id"), {"s": sender}).all()
            texts = [json.loads(r.data).get("text") for r in rows if r.type_name == "user"]
            assert sorted(texts[1:]) == sorted(questions)  # each once, none lost
            # one turn at a time: every message's turn ends (action_listen) before the next
            open_turn = False
            for row in rows:
                if row.type_name == "user":
                    assert not open_turn, "two turns of one conversation ran at the same time"
                    open_turn = True
                elif row.type_name == "action" and row.action_name == "action_listen":
                    open_turn = False
    finally:
        engine.dispose()


def test_postgresql_restarted_mid_intake_loses_no_intake_and_stores_none_twice(profile, postgres):
    senders = [new_sender("pg-restart") for _ in range(3)]
    for sender in senders:
        for message in INTAKE[:5]:
            turn(profile, sender, message)
    try:
        postgres.restart()
        for sender in senders:
            for message in INTAKE[5:8]:
                turn(profile, sender, message)
        # a turn while PostgreSQL is down fails visibly (Rasa would greet the client as new)
        postgres.pg_ctl("-m", "fast", "stop")
        refused = profile.say(senders[0], INTAKE[8])
        assert refused.status_code == 503, refused.text
        assert refused.json()["reason"] == "the conversation store (database) does not answer"
    finally:
        if not postgres.running():
            postgres.start()
    for sender in senders:
        for message in INTAKE[8:]:  # the refused message again, then the rest
            replies = turn(profile, sender, message)
        assert "Thank you, Dana" in replies[-1]["text"]
    found = intakes_of(profile, senders)
    assert all(len(records) == 1 for records in found.values()), found
    for [record] in found.values():
        assert_whole_intake(record)
    assert not list(Path(profile.env["INTAKE_OUTBOX_DIR"]).glob("*.json"))


def test_redis_stopped_a_clear_error_then_the_conversation_goes_on_when_it_returns(
        profile, redis_server):
    sender = new_sender("redis-stopped")
    for message in INTAKE[:4]:
        turn(profile, sender, message)
    try:
        redis_server.stop()
        refused = profile.say(sender, INTAKE[4])
        assert refused.status_code == 503, refused.text
        assert refused.json()["reason"] == "the conversation lock store (Redis) does not answer"
        assert refused.headers["Retry-After"]
        # the web app still serves the widget (its limits let requests through meanwhile)
        assert requests.post(f"{profile.url}/widget/session", json={"practice": "main-street"},
                             verify=str(profile.tls_cert)).status_code == 201
    finally:
        if not redis_server.ping():
            redis_server.start()
    logs = "".join((profile.folder / "logs" / f"rasa-{n}.log").read_text(errors="replace")
                   for n in (1, 2))
    assert re.search(r"the Redis lock store at 127\.0\.0\.1:\d+/0 does not answer", logs)
    for message in INTAKE[4:]:  # the refused message again, then the rest
        replies = turn(profile, sender, message)
    assert "Thank you, Dana" in replies[-1]["text"]
    [record] = intakes_of(profile, [sender])[sender]
    assert_whole_intake(record)


def test_fifty_simultaneous_intakes_end_in_exactly_fifty_stored(profile):
    senders = [new_sender(f"fifty-{n}") for n in range(50)]
    failures: list[str] = []

    def intake(sender: str) -> None:
        with requests.Session() as session:
            for message in INTAKE:
                answer = profile.say(sender, message, timeout=120, session=session)
                if answer.status_code != 200 or not answer.json():
                    failures.append(f"{sender} {message!r}: {answer.status_code}")
                    return

    with ThreadPoolExecutor(len(senders)) as pool:
        list(pool.map(intake, senders))
    assert not failures, failures[:5]
    found = intakes_of(profile, senders)
    assert sum(len(records) for records in found.values()) == 50
    assert all(len(records) == 1 for records in found.values())
    for [record] in found.values():
        assert_whole_intake(record)

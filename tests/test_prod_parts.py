"""Parts of the production profile, without starting it (tests/test_prod_faults.py starts it):
the database engines' options and reuse, the endpoints file, the atomic Redis lock store."""
from __future__ import annotations

import shutil
import threading
import uuid

import pytest
import sqlalchemy as sa
import yaml

from bot.storage import db

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"


# ---- engines --------------------------------------------------------------------------------

def test_postgres_connections_get_a_statement_timeout_and_sslmode(monkeypatch):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "300")
    monkeypatch.setenv("DATABASE_SSLMODE", "disable")
    engine = db.make_engine(f"{POSTGRES}/test")
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SHOW statement_timeout")).scalar() == "300ms"
            assert connection.execute(sa.text("SELECT ssl FROM pg_stat_ssl "
                                              "WHERE pid = pg_backend_pid()")).scalar() is False
            with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
                connection.execute(sa.text("SELECT pg_sleep(2)"))
    finally:
        engine.dispose()


def test_the_url_wins_over_the_settings_and_zero_means_no_timeout(monkeypatch):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "300")
    url = sa.engine.make_url(f"{POSTGRES}/test?sslmode=require&options=-c%20work_mem%3D8MB")
    options = db.postgres_options(url)
    assert "sslmode" not in options and "options" not in options
    assert "options" not in db.postgres_options(sa.engine.make_url(f"{POSTGRES}/test"), 0)
    engine = db.make_engine(f"{POSTGRES}/test", statement_timeout_ms=0)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
    finally:
        engine.dispose()


def test_the_tracker_url_carries_the_same_options(monkeypatch):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "4000")
    monkeypatch.delenv("DATABASE_SSLMODE", raising=False)
    url = sa.engine.make_url(db.url_with_postgres_options("postgresql://u:p%40ss@db:5432/tracker"))
    assert url.password == "p@ss" and url.database == "tracker"
    assert url.query["options"] == "-c statement_timeout=4000"
    assert url.query["sslmode"] == "prefer" and url.query["connect_timeout"] == "5"
    assert db.url_with_postgres_options("sqlite:///var/tracker.db") == "sqlite:///var/tracker.db"


def test_one_engine_per_database_and_process_is_reused(tmp_path, monkeypatch):
    first, second = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    assert db.shared_engine(first) is db.shared_engine(first)
    assert db.shared_engine(first) is not db.shared_engine(second)
    monkeypatch.setenv("DATABASE_URL", second)
    assert db.shared_engine() is db.shared_engine(second)
    with db.engine_scope(first) as engine:
        assert engine is db.shared_engine(first)
    with db.engine_scope(None) as engine:
        assert engine is db.shared_engine(second)


def test_migrations_run_without_the_statement_timeout(monkeypatch):
    """A migration may take longer than a turn's query: it gets no statement timeout."""
    name = f"intake_parts_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{POSTGRES}/test", isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    seen = []
    try:
        monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "1")

        def listener(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("SHOW statement_timeout")
            seen.append(cursor.fetchone()[0])
            cursor.close()

        sa.event.listen(sa.pool.Pool, "connect", listener)
        try:
            db.upgrade_database(f"{POSTGRES}/{name}")
        finally:
            sa.event.remove(sa.pool.Pool, "connect", listener)
        assert seen and set(seen) == {"0"}
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---- the endpoints file ---------------------------------------------------------------------

def test_endpoints_name_the_atomic_lock_store_and_the_tracker_options(tmp_path, monkeypatch):
    from bot.rasa_plugins.endpoints import write_endpoints

    monkeypatch.setenv("REDIS_URL", "redis://:secret@cache.internal:6380/2")
    monkeypatch.setenv("TRACKER_STORE_URL", f"{POSTGRES}/tracker_prod")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "5000")
    config = yaml.safe_load(write_endpoints(tmp_path / "endpoints.yml").read_text())
    assert config["lock_store"] == {
        "type": "bot.rasa_plugins.lock_store.AtomicRedisLockStore", "url": "cache.internal",
        "port": 6380, "db": 2, "password": "secret"}
    monkeypatch.setenv("REDIS_URL", "rediss://app:secret@cache.internal:6380/2")
    tls = yaml.safe_load(write_endpoints(tmp_path / "tls.yml").read_text())["lock_store"]
    assert tls["use_ssl"] is True and tls["username"] == "app"
    tracker = sa.engine.make_url(config["tracker_store"]["url"])
    assert tracker.database == "tracker_prod"
    assert tracker.query["options"] == "-c statement_timeout=5000"


# ---- the lock store -------------------------------------------------------------------------

def lock_stores(count: int):
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_plugins.lock_store import AtomicRedisLockStore

    return [AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=6379, db=0))
            for _ in range(count)]


def test_servers_asking_for_tickets_at_once_never_get_the_same_one():
    """Rasa 3.6's RedisLockStore hands out duplicate tickets here (about 5 in 8 on this
    machine), so two servers run two turns of one conversation at the same time."""
    stores = lock_stores(8)
    for _ in range(20):
        conversation = f"race-{uuid.uuid4().hex}"
        barrier, tickets = threading.Barrier(len(stores)), []

        def ask(store):
            barrier.wait()
            tickets.append(store.issue_ticket(conversation, 10))

        threads = [threading.Thread(target=ask, args=(store,)) for store in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(tickets) == list(range(len(stores)))
        for ticket in tickets:
            stores[0].cleanup(conversation, ticket)
        assert stores[0].get_lock(conversation) is None  # the last one out deleted it


async def test_turns_of_one_conversation_on_two_servers_run_one_at_a_time():
    import asyncio

    first, second = lock_stores(2)
    conversation, inside, most = f"turns-{uuid.uuid4().hex}", [0], [0]

    async def turn(store):
        async with store.lock(conversation):
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            await asyncio.sleep(0.02)
            inside[0] -= 1

    await asyncio.gather(*(turn(store) for store in [first, second] * 10))
    assert most[0] == 1


def test_an_unreachable_redis_is_a_lock_error_and_a_finished_turn_stands(caplog):
    from rasa.core.lock_store import LockError
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_plugins.lock_store import AtomicRedisLockStore

    store = AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=1, db=0))
    with pytest.raises(LockError, match="does not answer"):
        store.issue_ticket("someone")
    store.cleanup("someone", 0)  # no error: the ticket would expire by itself
    assert "the Redis lock store at 127.0.0.1:1/0 does not answer" in caplog.text


# ---- nginx's configuration and the certificate ----------------------------------------------

def test_the_rendered_nginx_configuration_is_one_nginx_accepts(tmp_path):
    import dataclasses

    from bot.config import ProdSettings
    from bot.prod import certificate, nginx

    settings = dataclasses.replace(ProdSettings(), rate_exempt=("127.0.0.1", "10.0.0.0/8"),
                                   trusted_proxies=("192.0.2.0/24",), max_body="32k",
                                   https_port=9443, http_port=9080)
    cert, key = certificate.ensure_certificate(tmp_path / "tls", settings.host)
    text = nginx.render(settings, tmp_path, cert, key, self_signed=True)
    assert "limit_req_status 429;" in text and "client_max_body_size 32k;" in text
    assert "        10.0.0.0/8 0;" in text and "set_real_ip_from 192.0.2.0/24;" in text
    assert "hash $binary_remote_addr consistent;" in text
    assert "Strict-Transport-Security" not in text  # not with a self-signed certificate
    assert "return 301 https://localhost:9443$request_uri;" in text
    # one server line per Rasa server in both upstreams, on loopback
    assert text.count("server 127.0.0.1:5006 ") == 2 and text.count("server 127.0.0.1:5007 ") == 2
    narrowed = nginx.render(settings, tmp_path, cert, key, rasa_ports=(5006,))
    assert "127.0.0.1:5007" not in narrowed
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    assert binary, "nginx is needed: apt-get install -y nginx"
    nginx.check(binary, nginx.write_config(text, tmp_path), tmp_path)


def test_the_self_signed_certificate_is_made_once_per_host_and_a_configured_one_wins(tmp_path):
    from cryptography import x509

    from bot.prod import certificate

    cert, key = certificate.ensure_certificate(tmp_path, "chat.clinic.example")
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    made = cert.read_bytes()
    names = x509.load_pem_x509_certificate(made).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert {"chat.clinic.example", "localhost"} <= set(names.get_values_for_type(x509.DNSName))
    assert certificate.ensure_certificate(tmp_path, "chat.clinic.example")[0].read_bytes() == made
    assert certificate.ensure_certificate(tmp_path, "other.example")[0].read_bytes() != made
    assert certificate.ensure_certificate(tmp_path, "x", str(cert), str(key)) == (cert, key)
    with pytest.raises(ValueError):
        certificate.ensure_certificate(tmp_path, "x", str(cert), None)

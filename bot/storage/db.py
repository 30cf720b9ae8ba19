"""Engines and schema upgrades for the intake database.

Nothing here connects at import: engines are built when a caller asks, from the URL it passes
or from ``DATABASE_URL`` (read through ``bot.config``). The schema is only ever created and
changed by the Alembic migrations in ``bot/migrations``.

One engine per database and process (``shared_engine``): storage functions given a URL, or
nothing, borrow it rather than opening a pool per call. On PostgreSQL every connection has a
statement timeout (``DATABASE_STATEMENT_TIMEOUT_MS``) and an ``sslmode``
(``DATABASE_SSLMODE``) unless the URL names its own; migrations run without the timeout.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path
from typing import Iterator, Union

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from bot.config import PROJECT_ROOT, get_settings

logger = logging.getLogger(__name__)

ALEMBIC_INI = PROJECT_ROOT / "bot" / "alembic.ini"

#: A PostgreSQL server that does not answer should turn into a queued intake within seconds,
#: not hang the conversation.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5

#: What storage functions accept as their database: a URL, an engine, or None for the default.
Bind = Union[str, sa.engine.Engine, None]


def database_url(url: str | None = None) -> str:
    """The intake database URL: the argument, else DATABASE_URL, else the embedded SQLite file."""
    return url or get_settings().database_url


def make_engine(url: str | None = None, *, statement_timeout_ms: int | None = None,
                **engine_options) -> sa.engine.Engine:
    """A 2.0-style engine for the intake database; connects lazily, on first use.

    For a SQLite file the parent folder is created (``var/`` on a fresh checkout). When it
    cannot be created the engine is still returned, so the failure surfaces as the
    ``OperationalError`` of the first connection, which the outbox knows how to handle.
    On PostgreSQL, ``statement_timeout_ms`` (default DATABASE_STATEMENT_TIMEOUT_MS, 0 for
    none) and DATABASE_SSLMODE apply unless the URL or ``connect_args`` set their own.
    Most callers want ``shared_engine``; this builds a new pool each call.
    """
    resolved = sa.engine.make_url(database_url(url))
    backend = resolved.get_backend_name()
    connect_args = dict(engine_options.pop("connect_args", {}))
    if backend == "sqlite":
        _create_sqlite_folder(resolved.database)
    else:
        engine_options.setdefault("pool_pre_ping", True)  # survive a database restart
    if resolved.drivername in POSTGRES_DRIVERS:
        for name, value in postgres_options(resolved, statement_timeout_ms).items():
            connect_args.setdefault(name, value)
    engine = sa.create_engine(resolved, future=True, connect_args=connect_args, **engine_options)
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


POSTGRES_DRIVERS = ("postgresql", "postgresql+psycopg2")


def postgres_options(url: sa.engine.URL, statement_timeout_ms: int | None = None) -> dict:
    """psycopg2 connection options the URL does not set itself: connect timeout, statement
    timeout (``options=-c statement_timeout=...``) and ``sslmode``, from the settings."""
    settings = get_settings()
    timeout = (settings.database_statement_timeout_ms if statement_timeout_ms is None
               else statement_timeout_ms)
    options: dict = {}
    if "connect_timeout" not in url.query:
        options["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_SECONDS
    if timeout and "options" not in url.query:
        options["options"] = f"-c statement_timeout={int(timeout)}"
    if settings.database_sslmode and "sslmode" not in url.query:
        options["sslmode"] = settings.database_sslmode
    return options


def url_with_postgres_options(url: str) -> str:
    """The URL with ``postgres_options`` in its query, for engines built elsewhere (Rasa's
    tracker store reads only a URL). Other databases' URLs come back unchanged."""
    resolved = sa.engine.make_url(url)
    if resolved.drivername not in POSTGRES_DRIVERS:
        return url
    options = {name: str(value) for name, value in postgres_options(resolved).items()}
    if not options:
        return url
    return resolved.update_query_dict(options).render_as_string(hide_password=False)


_shared: dict[tuple[int, str], sa.engine.Engine] = {}
_shared_lock = threading.Lock()


def shared_engine(url: str | None = None) -> sa.engine.Engine:
    """This process's one engine for a database (the URL, else DATABASE_URL): built on first
    use, then reused, so a pool outlives the call. A forked child builds its own."""
    key = (os.getpid(), database_url(url))
    engine = _shared.get(key)
    if engine is None:
        with _shared_lock:
            engine = _shared.get(key)
            if engine is None:
                engine = _shared[key] = make_engine(key[1])
    return engine


def dispose_shared_engines() -> None:
    """Close every shared pool of this process (tests, shutdown)."""
    with _shared_lock:
        for engine in _shared.values():
            engine.dispose()
        _shared.clear()


@contextlib.contextmanager
def engine_scope(bind: Bind = None) -> Iterator[sa.engine.Engine]:
    """The caller's engine as it is, or this process's shared engine for a URL (or the
    default database); neither is disposed of here."""
    if isinstance(bind, sa.engine.Engine):
        yield bind
        return
    yield shared_engine(bind)


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration from bot/alembic.ini, aimed at the given (or default) database."""
    config = Config(str(ALEMBIC_INI))
    # ConfigParser interpolation would read a percent-encoded password as a variable.
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    config.attributes["configure_logger"] = False  # leave the caller's logging alone
    return config


def upgrade_database(url: Bind = None, revision: str = "head") -> None:
    """Bring the schema up to date (``alembic upgrade head``); safe to call on every start.
    A URL gets its own connection without the statement timeout: a migration may be long."""
    engine = url if isinstance(url, sa.engine.Engine) else make_engine(
        url, statement_timeout_ms=0, poolclass=sa.pool.NullPool)
    try:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if engine is not url:
            engine.dispose()
    logger.info("intake database schema is at %s", revision)


def _create_sqlite_folder(database: str | None) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        logger.warning("cannot create the folder for the SQLite intake database")


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked, per connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

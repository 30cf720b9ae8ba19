"""Engines and schema upgrades for the intake database.

Nothing here connects at import: engines are built when a caller asks, from the URL it passes
or from ``DATABASE_URL`` (read through ``bot.config``). The schema is only ever created and
changed by the Alembic migrations in ``bot/migrations``.
"""
from __future__ import annotations

import contextlib
import logging
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


def make_engine(url: str | None = None, **engine_options) -> sa.engine.Engine:
    """A 2.0-style engine for the intake database; connects lazily, on first use.

    For a SQLite file the parent folder is created (``var/`` on a fresh checkout). When it
    cannot be created the engine is still returned, so the failure surfaces as the
    ``OperationalError`` of the first connection, which the outbox knows how to handle.
    """
    resolved = sa.engine.make_url(database_url(url))
    backend = resolved.get_backend_name()
    connect_args = dict(engine_options.pop("connect_args", {}))
    if backend == "sqlite":
        _create_sqlite_folder(resolved.database)
    else:
        engine_options.setdefault("pool_pre_ping", True)  # survive a database restart
    if resolved.drivername in ("postgresql", "postgresql+psycopg2"):
        if "connect_timeout" not in resolved.query:
            connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT_SECONDS)
    engine = sa.create_engine(resolved, future=True, connect_args=connect_args, **engine_options)
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


@contextlib.contextmanager
def engine_scope(bind: Bind = None) -> Iterator[sa.engine.Engine]:
    """Use the caller's engine as it is, or build one for a URL and dispose of it afterwards."""
    if isinstance(bind, sa.engine.Engine):
        yield bind
        return
    engine = make_engine(bind)
    try:
        yield engine
    finally:
        engine.dispose()


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration from bot/alembic.ini, aimed at the given (or default) database."""
    config = Config(str(ALEMBIC_INI))
    # ConfigParser interpolation would read a percent-encoded password as a variable.
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    config.attributes["configure_logger"] = False  # leave the caller's logging alone
    return config


def upgrade_database(url: Bind = None, revision: str = "head") -> None:
    """Bring the schema up to date (``alembic upgrade head``); safe to call on every start."""
    if isinstance(url, sa.engine.Engine):
        config = alembic_config(url.url.render_as_string(hide_password=False))
        with url.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    else:
        command.upgrade(alembic_config(url), revision)
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

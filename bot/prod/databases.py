"""The profile's PostgreSQL databases: created when missing (intake and tracker), the intake
schema migrated, intakes queued in the outbox stored. Rasa creates its own tracker table.

A managed PostgreSQL usually comes with its databases made and a user without CREATEDB:
then nothing is created here, and a missing database is an error that names it.
"""
from __future__ import annotations

import sqlalchemy as sa

from bot.storage import db


def ensure_database(url: str) -> bool:
    """Create the database of a PostgreSQL URL when it does not exist; True when created.
    Other databases (SQLite) are left to their engines."""
    target = sa.engine.make_url(url)
    if target.get_backend_name() != "postgresql" or not target.database:
        return False
    maintenance = target.set(database="postgres")
    engine = db.make_engine(maintenance.render_as_string(hide_password=False),
                            isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                        {"n": target.database}).scalar()
            if exists:
                return False
            name = connection.dialect.identifier_preparer.quote(target.database)
            try:
                connection.execute(sa.text(f"CREATE DATABASE {name}"))
            except sa.exc.ProgrammingError as error:
                if "already exists" in str(error):  # another launcher was quicker
                    return False
                raise RuntimeError(f"cannot create database {target.database!r} on "
                                   f"{target.host}: create it, or give the user CREATEDB "
                                   f"({error.orig})") from error
            return True
    finally:
        engine.dispose()


def prepare(database_url: str, tracker_store_url: str, outbox_dir: str | None = None) -> list[str]:
    """Both databases there, the intake schema at head, the outbox flushed; returns the
    names of the databases made."""
    from bot.storage.outbox import flush_outbox

    made = [sa.engine.make_url(url).database for url in (database_url, tracker_store_url)
            if ensure_database(url)]
    db.upgrade_database(database_url)
    flush_outbox(database_url, outbox_dir)
    return made

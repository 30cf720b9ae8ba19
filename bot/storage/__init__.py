"""Intake storage: SQLAlchemy models, an Alembic-managed schema, a repository of
question-shaped functions, an outbox for when the database is down, and export.

Import the submodule you need (``bot.storage.repository``, ``.db``, ``.outbox``, ``.export``);
importing this package connects to nothing.
"""

"""Keep intakes that cannot be stored right now, and store them once the database is back.

``save_or_queue`` first re-sends anything queued, then saves the new intake; when the
database is unavailable the intake is written as JSON to the outbox folder
(``INTAKE_OUTBOX_DIR``, default ``var/outbox``), readable by its owner only. Each queued file
is deleted only after its intake was committed; re-sending is safe because ``save_intake`` is
idempotent per conversation_id.

Logs carry counts and intake ids only: file names and conversation ids can contain a phone
number (SMS), and file contents are health and contact details.
"""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import date, datetime, timezone
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.config import get_settings
from bot.storage import db, repository

logger = logging.getLogger(__name__)

#: Errors that mean "the database cannot take this now", so the intake is queued.
UNAVAILABLE = (sa.exc.DBAPIError, sa.exc.TimeoutError)
#: Suffix of queued files that can never be stored (malformed); kept for a person to look at.
REJECTED_SUFFIX = ".rejected"


def outbox_path(outbox_dir: str | os.PathLike | None = None) -> Path:
    """The outbox folder: the argument, else INTAKE_OUTBOX_DIR, else var/outbox."""
    return Path(outbox_dir or get_settings().outbox_dir)


def save_or_queue(
    record: Mapping, url: db.Bind = None, outbox_dir: str | os.PathLike | None = None
) -> dict:
    """Store an intake, or queue it when the database is unavailable; never drops it.

    ``url`` is a database URL or an engine (default DATABASE_URL); creating the schema is the
    caller's job (``db.upgrade_database``). Returns ``{"status": "saved", "id", ...}`` or
    ``{"status": "queued", "path", ...}``, both with ``conversation_id`` and ``flushed`` (how
    many earlier queued intakes went in first). A malformed record raises ValueError before
    anything else happens, so only storable records are ever queued.
    """
    repository.validate_record(record)
    payload = dict(record)
    # Keep the moment of the conversation, not the moment the queue is flushed.
    payload.setdefault("created_at", datetime.now(timezone.utc).isoformat())
    directory = outbox_path(outbox_dir)
    conversation_id = payload["conversation_id"]
    with db.engine_scope(url) as engine:
        flushed, reachable = _flush(engine, directory)
        if reachable:
            try:
                with so.Session(engine, future=True) as session:
                    intake_id = repository.save_intake(session, payload)
                return {"status": "saved", "id": intake_id,
                        "conversation_id": conversation_id, "flushed": flushed}
            except UNAVAILABLE:
                pass
    path = _write(directory, payload)
    logger.warning("intake database unavailable; intake queued (%d in the outbox)",
                   len(_queued_files(directory)))
    return {"status": "queued", "path": str(path),
            "conversation_id": conversation_id, "flushed": flushed}


def flush_outbox(url: db.Bind = None, outbox_dir: str | os.PathLike | None = None) -> int:
    """Store every queued intake the database will take now; returns how many went in."""
    with db.engine_scope(url) as engine:
        flushed, _reachable = _flush(engine, outbox_path(outbox_dir))
    return flushed


def queued_count(outbox_dir: str | os.PathLike | None = None) -> int:
    """How many intakes wait in the outbox (for a health check or the staff page)."""
    return len(_queued_files(outbox_path(outbox_dir)))


def _flush(engine: sa.engine.Engine, directory: Path) -> tuple[int, bool]:
    """Re-send queued files oldest first. Returns (stored, database reachable); stops at the
    first sign that the database is down, and skips files it cannot store."""
    files = _queued_files(directory)
    stored = 0
    reachable = True
    for path in files:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue  # another process stored it meanwhile
        except (OSError, ValueError):
            _set_aside(path)
            continue
        try:
            with so.Session(engine, future=True) as session:
                intake_id = repository.save_intake(session, record)
        except ValueError:
            _set_aside(path)
            continue
        except (sa.exc.OperationalError, sa.exc.TimeoutError):
            reachable = False
            break
        except sa.exc.DBAPIError:
            logger.error("a queued intake was refused by the database; it stays queued")
            continue
        path.unlink(missing_ok=True)
        stored += 1
        logger.info("stored queued intake as %s", intake_id)
    if files:
        logger.info("outbox flush: %d stored, %d still queued",
                    stored, len(_queued_files(directory)))
    return stored, reachable


def _queued_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    files = []
    for path in directory.glob("*.json"):
        try:
            files.append((path.stat().st_mtime, path.name, path))
        except FileNotFoundError:
            continue
    return [path for _mtime, _name, path in sorted(files)]


def _write(directory: Path, payload: dict) -> Path:
    """Write atomically (temp file, then rename) so a flush never reads half a record."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    safe_id = re.sub(r"[^A-Za-z0-9_.-]", "_", str(payload["conversation_id"]))[:100]
    final = directory / f"{safe_id}-{stamp}.json"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(payload, stream, default=_json_default, ensure_ascii=False)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return final


def _set_aside(path: Path) -> None:
    """A queued file that can never be stored is renamed, not deleted: a person decides."""
    try:
        path.replace(path.with_name(path.name + REJECTED_SUFFIX))
    except FileNotFoundError:
        return
    logger.error("a queued intake cannot be stored and was set aside as *%s", REJECTED_SUFFIX)


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot queue a value of type {type(value).__name__}")

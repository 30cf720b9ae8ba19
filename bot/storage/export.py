"""Every stored intake as JSON (the contract's export shape), JSON lines or CSV (one row per
intake); or the staff-corrected intakes as labelled examples (`--corrections`)."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import sqlalchemy.orm as so

from bot.storage import db
from bot.storage.repository import intake_to_record, list_intakes

FORMATS = ("json", "csv", "jsonl")
#: Labelled examples are JSON lines (what `evaluate --file` reads) or one JSON array.
CORRECTION_FORMATS = ("jsonl", "json")
LIST_SEPARATOR = "; "

CSV_COLUMNS = (
    "id", "conversation_id", "channel", "created_at", "status", "client_type", "confidence",
    "reasons", "conditions", "goals", "red_flags", "cautions", "safety_outcome",
    "appointment_type", "preferred_times", "contact_name", "contact_phone", "contact_email",
    "referral", "insurance", "severity", "duration", "transcript",
)

#: A spreadsheet runs a cell starting with one of these as a formula; clients type the text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_intakes(url: db.Bind = None, fmt: str = "json", since: date | None = None) -> str:
    """Stored intakes, oldest first, as a JSON array or a CSV table.

    ``url`` is a database URL or an engine (default DATABASE_URL); ``since`` keeps intakes
    created on or after that day (UTC). Reads only: the schema must already exist.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    with db.engine_scope(url) as engine, so.Session(engine, future=True) as session:
        records = [intake_to_record(intake) for intake in list_intakes(session, since)]
    return render_records(records, fmt)


def export_corrections(url: db.Bind = None, fmt: str = "jsonl", since: date | None = None
                       ) -> tuple[str, list[int]]:
    """(text, intake ids): every intake whose client type or conditions staff corrected, as a
    labelled example in the shape of tests/nlu/eval.jsonl (bot.storage.staff.labelled_example),
    for `python -m bot evaluate --file`."""
    from bot.storage import staff

    if fmt not in CORRECTION_FORMATS:
        raise ValueError(f"--corrections writes {' or '.join(CORRECTION_FORMATS)}; got {fmt!r}")
    with db.engine_scope(url) as engine, so.Session(engine, future=True) as session:
        wanted = set(staff.corrected_intake_ids(session))
        intakes = [i for i in list_intakes(session, since) if i.id in wanted]
        examples = [staff.labelled_example(i, staff.mentions_of(session, i.id)) for i in intakes]
    if fmt == "json":
        return json.dumps(examples, indent=2, ensure_ascii=False), [i.id for i in intakes]
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples), \
        [i.id for i in intakes]


def render_records(records: list[dict], fmt: str = "json") -> str:
    """Export records (``intake_to_record`` output) as JSON, JSON lines or CSV text."""
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False)
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if fmt == "csv":
        return _to_csv(records)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")


def _to_csv(records: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for record in records:
        writer.writerow({column: _cell(value) for column, value in _flatten(record).items()})
    return buffer.getvalue()


def _flatten(record: dict) -> dict:
    """Lists joined with "; ", conditions as "sciatica (present, lower_back, left)", the
    contact split into three columns, the transcript one "[at] sender: text" line per message."""
    contact = record.get("contact") or {}
    return {
        **{column: record.get(column) for column in CSV_COLUMNS if column in record},
        "reasons": LIST_SEPARATOR.join(record["reasons"]),
        "conditions": LIST_SEPARATOR.join(_condition_label(c) for c in record["conditions"]),
        "goals": LIST_SEPARATOR.join(record["goals"]),
        "red_flags": LIST_SEPARATOR.join(record["red_flags"]),
        "cautions": LIST_SEPARATOR.join(record["cautions"]),
        "contact_name": contact.get("name"),
        "contact_phone": contact.get("phone"),
        "contact_email": contact.get("email"),
        "referral": "" if record["referral"] is None else str(record["referral"]).lower(),
        "transcript": "\n".join(_message_line(m) for m in record["transcript"]),
    }


def _condition_label(condition: dict) -> str:
    qualifiers = [condition[key] for key in ("status", "body_part", "side") if condition.get(key)]
    return f"{condition['id']} ({', '.join(qualifiers)})"


def _message_line(message: dict) -> str:
    when = f"[{message['at']}] " if message.get("at") else ""
    return f"{when}{message['sender']}: {message['text']}"


def _cell(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; None is empty."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value

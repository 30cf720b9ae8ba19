"""Command line: `python -m bot COMMAND` (see ../shared/CONTRACT.md and the README)."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}")


def cmd_assess(args) -> int:
    from bot.assess import assess_lines
    from bot.rasa_plugins.nlu_model import NluParser

    try:
        parser = NluParser(args.model)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    lines = [json.dumps({"id": "text", "text": args.text})] if args.text is not None else sys.stdin
    for result in assess_lines(lines, parser):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


def cmd_export(args) -> int:
    from bot.storage import db
    from bot.storage.export import export_corrections, export_intakes

    db.upgrade_database()
    if args.corrections:
        try:
            text, ids = export_corrections(fmt=args.format, since=args.since)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    else:
        text, ids = export_intakes(fmt=args.format, since=args.since), None
    sys.stdout.write(text)
    if args.format == "json":
        sys.stdout.write("\n")
    _audit_export(args, ids)
    return 0


def _audit_export(args, ids: list[int] | None) -> None:
    """An export is an audit row per intake (bot.storage.staff), by the command line."""
    import sqlalchemy.orm as so

    from bot.storage import db, staff
    from bot.storage.repository import list_intakes

    with db.engine_scope(None) as engine, so.Session(engine, future=True) as session:
        if ids is None:
            ids = [intake.id for intake in list_intakes(session, args.since)]
        field = "corrections" if args.corrections else args.format
        staff.audit(session, staff.CLI, "export", ids or [None], field)


def cmd_build_spacy(args) -> int:
    from bot.rasa_plugins.spacy_pipeline import ensure_pipeline

    built = ensure_pipeline(force=args.force)
    print("spaCy pipeline built in models/spacy_intake" if built else "spaCy pipeline up to date")
    return 0


def cmd_db(args) -> int:
    from bot.storage import db

    db.upgrade_database()
    print("database schema up to date")
    return 0


def cmd_flush_outbox(args) -> int:
    from bot.storage.outbox import flush_outbox

    print(f"{flush_outbox()} queued intake(s) stored")
    return 0


def cmd_endpoints(args) -> int:
    from bot.rasa_plugins.endpoints import write_endpoints

    print(write_endpoints(args.out))
    return 0


def cmd_evaluate(args) -> int:
    from bot.cli.evaluate import main as evaluate_main

    args.file_given = args.data is not None
    args.data = args.data or "tests/nlu/eval.jsonl"
    return evaluate_main(args)


SMS_WEBHOOK_URL = "http://127.0.0.1:5005/webhooks/sms/webhook"


def cmd_sms(args) -> int:
    from bot.cli.sms import main as sms_main

    return sms_main(args)


def cmd_web(args) -> int:
    """The web app (widget, demo page) on Werkzeug's threaded server; gunicorn in production."""
    from werkzeug.serving import run_simple

    from bot.web import create_app

    run_simple(args.host, args.port, create_app(), threaded=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    assess = sub.add_parser("assess", help="assess JSON lines {id, text} from stdin, or --text")
    assess.add_argument("--text", help="assess this one text instead of reading stdin")
    assess.add_argument("--model", help="model archive (default: newest in models/)")
    assess.set_defaults(func=cmd_assess)
    export = sub.add_parser("export", help="print every stored intake")
    export.add_argument("--format", choices=("json", "csv", "jsonl"), default="json")
    export.add_argument("--since", type=_date, help="only intakes created on or after YYYY-MM-DD")
    export.add_argument("--corrections", action="store_true",
                        help="staff-corrected intakes as labelled examples (for evaluate --file)")
    export.set_defaults(func=cmd_export)
    spacy_cmd = sub.add_parser("build-spacy", help="build models/spacy_intake from data/lookups")
    spacy_cmd.add_argument("--force", action="store_true")
    spacy_cmd.set_defaults(func=cmd_build_spacy)
    sub.add_parser("db-upgrade", help="create or migrate the intake database").set_defaults(func=cmd_db)
    sub.add_parser("flush-outbox", help="store intakes queued while the database was down") \
        .set_defaults(func=cmd_flush_outbox)
    endpoints = sub.add_parser("endpoints", help="write the Rasa endpoints file for this environment")
    endpoints.add_argument("--out", default="var/endpoints.yml")
    endpoints.set_defaults(func=cmd_endpoints)
    evaluate = sub.add_parser("evaluate", help="measure extraction and classification")
    evaluate.add_argument("--file", "--data", dest="data", default=None,
                          help="labelled JSON lines (default: tests/nlu/eval.jsonl, and the "
                               "red-flag sets tests/safety/emergencies_*.yml)")
    evaluate.add_argument("--model", help="model archive (default: newest in models/)")
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")
    evaluate.add_argument("--figures-only", action="store_true",
                          help="no example texts in the report (for sets measured, not tuned on)")
    evaluate.add_argument("--no-model", action="store_true",
                          help="skip the trained model (lexicon and rules only)")
    evaluate.set_defaults(func=cmd_evaluate)
    sms = sub.add_parser("sms", help="text the running bot as Twilio would; prints the replies")
    sms.add_argument("--from", dest="sender", required=True, help="the client's number")
    sms.add_argument("text", help="the message")
    sms.add_argument("--url", default=SMS_WEBHOOK_URL, help=f"default {SMS_WEBHOOK_URL}")
    sms.add_argument("--to", help="the practice's number (default TWILIO_FROM_NUMBER)")
    sms.add_argument("--signed-url", help="the URL to sign (default SMS_PUBLIC_URL, else --url)")
    sms.add_argument("--message-sid", help="reuse a MessageSid (to try a retry)")
    sms.add_argument("--num-media", type=int, default=0, help="pictures attached (MMS)")
    sms.set_defaults(func=cmd_sms)
    # staff: accounts for the staff pages; purge: the retention window (bot/cli/staff.py)
    from bot.cli import staff as staff_cli

    staff_cli.add_arguments(sub)
    # web: the chat widget and its demo page (bot/web)
    web = sub.add_parser("web", help="serve the web app (chat widget, demo page) on :8000")
    web.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    web.add_argument("--port", type=int, default=8000, help="default 8000")
    web.set_defaults(func=cmd_web)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

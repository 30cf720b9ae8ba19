"""`python -m bot staff ...` (accounts for the staff pages) and `python -m bot purge`.

    python -m bot staff add-user EMAIL --role admin|therapist|front_desk   # asks the password
    python -m bot staff list
    python -m bot staff set-password EMAIL
    python -m bot staff deactivate EMAIL
    python -m bot purge --older-than DAYS [--dry-run]

The password is asked twice on a terminal (never an argument: it would stay in the shell's
history); from a pipe, the first line of standard input is the password.
"""
from __future__ import annotations

import getpass
import sys

#: bot.storage.models.STAFF_ROLES (a test keeps them equal): the parser imports no database.
STAFF_ROLES = ("admin", "therapist", "front_desk")


def add_arguments(sub) -> None:
    """The `staff` and `purge` subcommands of python -m bot."""
    accounts = sub.add_parser("staff", help="staff accounts for the review pages (/staff)")
    actions = accounts.add_subparsers(dest="staff_command", required=True)
    add = actions.add_parser("add-user", help="create a staff account (asks for the password)")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=STAFF_ROLES)
    add.set_defaults(func=cmd_add_user)
    actions.add_parser("list", help="list staff accounts").set_defaults(func=cmd_list)
    password = actions.add_parser("set-password", help="set a new password (signs it out)")
    password.add_argument("email")
    password.set_defaults(func=cmd_set_password)
    deactivate = actions.add_parser("deactivate", help="block an account (signs it out)")
    deactivate.add_argument("email")
    deactivate.set_defaults(func=cmd_deactivate)
    purge = sub.add_parser("purge", help="remove intakes and conversations past retention")
    purge.add_argument("--older-than", dest="days", type=int, required=True, metavar="DAYS",
                       help="remove what is older than this many days (at least 1)")
    purge.add_argument("--dry-run", action="store_true", help="count, remove nothing")
    purge.set_defaults(func=cmd_purge)


def _password(prompt: str = "Password: ") -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _session(engine):
    import sqlalchemy.orm as so

    return so.Session(engine, future=True)


def cmd_add_user(args) -> int:
    from bot.storage import db, staff

    db.upgrade_database()
    try:
        password = _password()
        with db.engine_scope(None) as engine, _session(engine) as session:
            user = staff.add_user(session, args.email, args.role, password, staff.CLI)
            print(f"staff account {user.email} ({user.role}) created")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def cmd_list(args) -> int:
    from bot.storage import db, staff

    db.upgrade_database()
    with db.engine_scope(None) as engine, _session(engine) as session:
        for user in staff.list_users(session):
            state = "active" if user.active else "deactivated"
            print(f"{user.email}\t{user.role}\t{state}")
    return 0


def _change(email: str, **change) -> int:
    from bot.storage import db, staff

    db.upgrade_database()
    with db.engine_scope(None) as engine, _session(engine) as session:
        user = staff.user_by_email(session, email)
        if user is None:
            print("error: no staff account with that email", file=sys.stderr)
            return 2
        try:
            staff.change_user(session, user.id, staff.CLI, **change)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print("saved")
    return 0


def cmd_set_password(args) -> int:
    try:
        password = _password("New password: ")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return _change(args.email, password=password)


def cmd_deactivate(args) -> int:
    return _change(args.email, active=False)


def cmd_purge(args) -> int:
    from bot.storage import db, staff

    db.upgrade_database()
    try:
        counts = staff.purge_older_than(args.days, dry_run=args.dry_run)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} {counts['intakes']} intake(s), {counts['conversations']} conversation(s) "
          f"({counts['events']} event(s)), {counts['outbox_files']} queued file(s), "
          f"{counts['sms_rows']} SMS row(s) older than {args.days} days")
    return 0

"""The queue: every intake, emergencies and clearances pinned on top, then newest first;
filters, search by name or phone, counts per status, pages; export of what is shown.

Filters are in the query string (ids only); the name or phone searched for is posted and kept
in the signed session instead, so it never lands in a URL, an access log or a proxy's."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask_login import current_user

from bot import vocabulary
from bot.safety.result import OUTCOMES
from bot.storage import staff
from bot.storage.export import render_records
from bot.storage.repository import intake_to_record
from bot.web.staff import CLINICAL_ROLES, actor, db_session, roles_required

bp = Blueprint("queue", __name__)

PER_PAGE = 25
EXPORT_FORMATS = {"json": "application/json", "csv": "text/csv"}


def wanted_from(args) -> staff.QueueFilter:
    """The filters in the query string; a value not in its fixed list is ignored."""
    def choice(name, allowed):
        value = args.get(name) or None
        return value if value in allowed else None

    def day(name):
        try:
            return date.fromisoformat(args.get(name) or "")
        except ValueError:
            return None

    return staff.QueueFilter(
        status=choice("status", vocabulary.INTAKE_STATUSES),
        safety_outcome=choice("outcome", OUTCOMES),
        client_type=choice("client_type", vocabulary.CLIENT_TYPES),
        channel=choice("channel", vocabulary.CHANNELS),
        date_from=day("from"), date_to=day("to"),
        search=session.get(SEARCH_KEY) or None)


#: Where the session keeps the name or phone searched for.
SEARCH_KEY = "staff_search"


def _query(wanted: staff.QueueFilter, **more) -> dict:
    return {key: value for key, value in {
        "status": wanted.status, "outcome": wanted.safety_outcome,
        "client_type": wanted.client_type, "channel": wanted.channel,
        "from": wanted.date_from.isoformat() if wanted.date_from else None,
        "to": wanted.date_to.isoformat() if wanted.date_to else None,
        **more}.items() if value}


@bp.get("/")
def index():
    wanted = wanted_from(request.args)
    try:
        page = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        page = 1
    database = db_session()
    intakes, total = staff.queue(database, wanted, page, PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    staff.audit(database, actor(), "list")
    reviews = {i.id: staff.review_of(database, i.id) for i in intakes}
    return render_template(
        "staff/queue.html", intakes=intakes, reviews=reviews, total=total, page=page,
        pages=pages, wanted=wanted, counts=staff.status_counts(database),
        pinned=staff.PINNED_STATUSES, statuses=vocabulary.INTAKE_STATUSES, outcomes=OUTCOMES,
        client_types=vocabulary.CLIENT_TYPES, channels=vocabulary.CHANNELS,
        query=lambda **more: "?" + urlencode(_query(wanted, **more)),
        status_query=lambda status: "?" + urlencode(
            {k: v for k, v in _query(wanted, status=status).items() if k != "page"}),
        filters=urlencode(_query(wanted)), clinical=current_user.clinical)


@bp.post("/search")
def search():
    """Keeps the name or phone to search for in the session (empty: no search), then shows
    the queue with the filters it came with."""
    said = "" if request.form.get("clear") else (request.form.get("q") or "").strip()[:100]
    if said:
        session[SEARCH_KEY] = said
    else:
        session.pop(SEARCH_KEY, None)
    filters = request.form.get("filters") or ""
    return redirect(url_for("staff.queue.index") + (f"?{filters}" if filters.isascii() and
                                                    "\n" not in filters else ""))


@bp.get("/export.<fmt>")
@roles_required(*CLINICAL_ROLES)
def export(fmt: str):
    """The intakes the filters select (every page), in the contract's export shape."""
    if fmt not in EXPORT_FORMATS:
        return Response("unknown format", status=404)
    database = db_session()
    wanted = wanted_from(request.args)
    intakes, _ = staff.queue(database, wanted, 1, 100_000)
    intakes.sort(key=lambda i: (i.created_at, i.id))
    records = [intake_to_record(i) for i in intakes]
    staff.audit(database, actor(), "export", [i.id for i in intakes] or [None], fmt)
    return download(render_records(records, fmt), fmt, "intakes")


def download(body: str, fmt: str, name: str) -> Response:
    response = Response(body, mimetype=EXPORT_FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response

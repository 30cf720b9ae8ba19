"""One intake: the clinicians' page (the transcript with what the bot read marked, beside the
record: classification and reasons, safety outcome and the words behind it, recommended and
chosen appointment type) and the front desk's summary (contact, booking, the summary; no
transcript, no clinical details). Staff correct fields, move the status, add notes,
acknowledge an emergency, export, and (admins) delete the client's data. Every view and
every change is an audit row; changed values go to intake_corrections.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from bot import labels, vocabulary
from bot.storage import repository, staff
from bot.storage.models import Intake
from bot.storage.export import render_records
from bot.web.staff import ADMIN_ROLES, CLINICAL_ROLES, actor, db_session, roles_required
from bot.web.widget import tracker_engine
from bot.web.staff.highlight import KINDS, STATUS_LABELS, highlight
from bot.web.staff.queue import EXPORT_FORMATS, download

bp = Blueprint("intake", __name__, url_prefix="/intakes")

#: Fields any staff member may correct; clinical ones need a therapist or an admin.
DESK_FIELDS = ("appointment_type", "preferred_times", *staff.CONTACT_FIELDS)
CLINICAL_FIELDS = ("client_type",)
#: Words for the safety outcomes, as staff read them.
OUTCOME_WORDS = {"book": "Can be booked", "therapist_review": "Therapist reviews first",
                 "clearance_needed": "Physician clearance needed before booking",
                 "urgent": "Emergency: told to seek urgent care; do not book"}


def _intake(intake_id: int):
    intake = repository.get_intake(db_session(), intake_id)
    if intake is None:
        abort(404)
    return intake


def _page_for(intake_id: int) -> str:
    endpoint = "staff.intake.show" if current_user.clinical else "staff.intake.summary"
    return url_for(endpoint, intake_id=intake_id)


def _common(intake) -> dict:
    from bot.catalogue import load_catalogue

    session = db_session()
    catalogue = {t.id: t for t in load_catalogue()}
    return {
        "intake": intake, "record": repository.intake_to_record(intake),
        "review": staff.review_of(session, intake.id), "notes": staff.notes_of(session, intake.id),
        "catalogue": catalogue, "outcome_words": OUTCOME_WORDS,
        "moves": staff.STATUS_MOVES, "labels": labels,
        "acknowledged": intake.id not in staff.unacknowledged_emergencies(session),
    }


@bp.get("/<int:intake_id>")
@roles_required(*CLINICAL_ROLES)
def show(intake_id: int):
    """The whole intake, for therapists and admins."""
    from bot.catalogue import recommend_appointment_types

    session = db_session()
    intake = _intake(intake_id)
    staff.audit(session, actor(), "view", [intake.id], "transcript")
    mentions = staff.mentions_of(session, intake.id)
    messages = []
    for message in intake.transcript:
        tree, spans = highlight(message.text, [m for m in mentions if m.message == message.position]) \
            if message.sender == "client" else (None, [])
        messages.append({"message": message, "tree": tree, "spans": spans})
    words = {}  # flag id -> the client's words that raised it
    for mention in mentions:
        if mention.kind in ("red_flag", "caution") and mention.value:
            text = next((m.text for m in intake.transcript if m.position == mention.message), "")
            words.setdefault(mention.value, []).append(text[mention.start:mention.end])
    sources = (intake.details or {}).get("sources") or {}
    for key in ("red_flags", "cautions"):
        for source in sources.get(key) or []:
            if isinstance(source, dict) and source.get("id") and source.get("text"):
                words.setdefault(source["id"], [source["text"]])
    present = list(dict.fromkeys(c.condition for c in intake.conditions if c.status == "present"))
    # the same screen as the offer the client saw: no deep pressure with blood thinners or in
    # pregnancy, prenatal massage first in pregnancy (data/appointment_types.yml)
    recommended = recommend_appointment_types(intake.client_type, present,
                                              [g.goal for g in intake.goals],
                                              flags=list(intake.red_flags or [])
                                              + list(intake.cautions or []))
    events, _ = staff.audit_events(session, intake_id=intake.id, limit=50)
    return render_template(
        "staff/intake.html", messages=messages, kinds=KINDS, status_labels=STATUS_LABELS,
        flag_words=words, recommended=recommended, audit=events,
        corrections=staff.corrections_of(session, intake.id), vocabulary=vocabulary,
        **_common(intake))


@bp.get("/<int:intake_id>/summary")
def summary(intake_id: int):
    """Contact, booking and the summary, for everyone (the front desk's page)."""
    intake = _intake(intake_id)
    staff.audit(db_session(), actor(), "view", [intake.id], "summary")
    return render_template("staff/summary.html", **_common(intake))


@bp.post("/<int:intake_id>/correct")
def correct(intake_id: int):
    """Every field of the form that differs from the record is corrected, one correction and
    one audit row each."""
    intake = _intake(intake_id)
    fields = [key for key in request.form if key != "csrf_token"]
    clinical = [f for f in fields if f in CLINICAL_FIELDS or f.startswith("conditions.")]
    if clinical and not current_user.clinical:
        abort(403)
    changed, refused = 0, []
    for field in fields:
        if field not in DESK_FIELDS and field not in CLINICAL_FIELDS \
                and not field.startswith("conditions."):
            refused.append(field)
            continue
        try:
            changed += staff.correct(db_session(), intake, actor(), field, request.form[field])
        except ValueError as error:
            refused.append(str(error))
    if refused:
        flash("Not changed: " + "; ".join(refused))
    flash(f"{changed} field(s) corrected." if changed else "Nothing changed.")
    return redirect(_page_for(intake_id))


@bp.post("/<int:intake_id>/conditions")
@roles_required(*CLINICAL_ROLES)
def add_condition(intake_id: int):
    intake = _intake(intake_id)
    form = request.form
    try:
        staff.add_condition(db_session(), intake, actor(), form.get("condition", ""),
                            form.get("status", "present"), form.get("body_part") or None,
                            form.get("side") or None)
        flash("Condition added.")
    except ValueError as error:
        flash(f"Not added: {error}")
    return redirect(_page_for(intake_id))


@bp.post("/<int:intake_id>/conditions/<int:row_id>/remove")
@roles_required(*CLINICAL_ROLES)
def remove_condition(intake_id: int, row_id: int):
    intake = _intake(intake_id)
    removed = staff.remove_condition(db_session(), intake, actor(), row_id)
    flash("Condition removed." if removed else "That condition was already gone.")
    return redirect(_page_for(intake_id))


@bp.post("/<int:intake_id>/status")
def move_status(intake_id: int):
    intake = _intake(intake_id)
    status = request.form.get("status", "")
    booked_for = None
    if status == "booked":
        try:
            booked_for = datetime.fromisoformat(
                f"{request.form.get('booked_date', '')}T{request.form.get('booked_time', '')}")
        except ValueError:
            flash("A booking needs the appointment's date and time.")
            return redirect(_page_for(intake_id))
    try:
        staff.move_status(db_session(), intake, actor(), status, booked_for)
        flash("Status saved.")
    except ValueError as error:
        flash(f"Not saved: {error}")
    return redirect(_page_for(intake_id))


@bp.post("/<int:intake_id>/notes")
def add_note(intake_id: int):
    intake = _intake(intake_id)
    try:
        staff.add_note(db_session(), intake, actor(), request.form.get("text", ""))
        flash("Note added.")
    except ValueError as error:
        flash(f"Not added: {error}")
    return redirect(_page_for(intake_id))


@bp.post("/<int:intake_id>/acknowledge")
def acknowledge(intake_id: int):
    intake = _intake(intake_id)
    if staff.acknowledge(db_session(), intake, actor()):
        flash("Emergency acknowledged.")
    return redirect(_page_for(intake_id))


@bp.get("/<int:intake_id>/export.<fmt>")
@roles_required(*CLINICAL_ROLES)
def export(intake_id: int, fmt: str):
    """This client's intake, in the contract's export shape (their right of access)."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    intake = _intake(intake_id)
    staff.audit(db_session(), actor(), "export", [intake.id], fmt)
    return download(render_records([repository.intake_to_record(intake)], fmt), fmt,
                    f"intake-{intake.id}")


@bp.route("/<int:intake_id>/delete", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def delete(intake_id: int):
    """Deletes the client's data after a confirmation (admins): see staff.delete_client_data."""
    session = db_session()
    intake = _intake(intake_id)
    together = list(session.scalars(sa.select(Intake.id).where(
        Intake.conversation_id == intake.conversation_id, Intake.id != intake.id)))
    if request.method == "POST":
        if request.form.get("confirm", "").strip().upper() != "DELETE":
            flash("Type DELETE to confirm.")
            return redirect(url_for("staff.intake.delete", intake_id=intake_id))
        counts = staff.delete_client_data(session, intake, actor(), tracker_engine(),
                                          current_app.config.get("INTAKE_OUTBOX_DIR"))
        flash(f"Deleted {counts['intakes']} intake(s), {counts['events']} conversation "
              f"event(s), {counts['outbox_files']} queued file(s).")
        return redirect(url_for("staff.queue.index"))
    return render_template("staff/delete.html", intake=intake, together=together)

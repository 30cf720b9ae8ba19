"""Admins: staff accounts (add, change role, deactivate, set a password) and the audit log."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length

from bot.storage import staff
from bot.storage.models import AUDIT_ACTIONS, STAFF_ROLES
from bot.web.staff import ADMIN_ROLES, actor, db_session, roles_required

bp = Blueprint("admin", __name__)

AUDIT_PER_PAGE = 100


class AddUserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=[(r, r.replace("_", " ")) for r in STAFF_ROLES])
    password = PasswordField(f"Password (at least {staff.MIN_PASSWORD_LENGTH} characters)",
                             validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})


@bp.route("/users", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def users():
    form = AddUserForm()
    if form.validate_on_submit():
        try:
            staff.add_user(db_session(), form.email.data, form.role.data, form.password.data,
                           actor())
            flash("Account added.")
            return redirect(url_for("staff.admin.users"))
        except ValueError as error:
            flash(f"Not added: {error}")
    return render_template("staff/users.html", form=form, users=staff.list_users(db_session()),
                           roles=STAFF_ROLES)


@bp.post("/users/<int:user_id>")
@roles_required(*ADMIN_ROLES)
def change_user(user_id: int):
    form = request.form
    try:
        staff.change_user(
            db_session(), user_id, actor(),
            role=form.get("role") or None,
            active={"yes": True, "no": False}.get(form.get("active", "")),
            password=form.get("password") or None)
        flash("Account saved.")
    except (ValueError, LookupError) as error:
        flash(f"Not saved: {error}")
    return redirect(url_for("staff.admin.users"))


@bp.get("/audit")
@roles_required(*ADMIN_ROLES)
def audit():
    """The audit log, newest first; by record or by action."""
    try:
        page = max(int(request.args.get("page", 1)), 1)
        intake_id = int(request.args["intake"]) if request.args.get("intake") else None
    except ValueError:
        page, intake_id = 1, None
    action = request.args.get("action") if request.args.get("action") in AUDIT_ACTIONS else None
    events, total = staff.audit_events(db_session(), intake_id=intake_id, action=action,
                                       limit=AUDIT_PER_PAGE, offset=(page - 1) * AUDIT_PER_PAGE)
    return render_template("staff/audit.html", events=events, total=total, page=page,
                           pages=max((total + AUDIT_PER_PAGE - 1) // AUDIT_PER_PAGE, 1),
                           intake_id=intake_id, action=action, actions=AUDIT_ACTIONS)

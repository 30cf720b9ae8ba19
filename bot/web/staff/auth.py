"""Signing in and out. Accounts come from `python -m bot staff add-user` or an admin's users
page; there is no default account. Failed attempts are counted in the database
(bot.storage.staff.sign_in: per account and per address, so every web worker sees them)."""
from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from bot.storage import staff
from bot.web.staff import SESSION_SEEN, StaffPrincipal, actor, db_session

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user, outcome = staff.sign_in(db_session(), form.email.data, form.password.data,
                                      request.remote_addr or "unknown")
        if user is not None:
            target = _safe_next(request.args.get("next"))
            session.clear()  # nothing from before signing in is carried over
            login_user(StaffPrincipal(user))
            session[SESSION_SEEN] = time.time()
            return redirect(target)
        if outcome == "throttled":
            flash("Too many failed attempts. Wait 15 minutes, or ask an admin to check the "
                  "account.")
            status = 429
        else:
            flash("That email and password do not match an active staff account.")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("staff/login.html", form=form), status


@bp.post("/logout")
def logout():
    staff.audit(db_session(), actor(), "logout")
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("staff.auth.login"))


def _safe_next(target: str | None) -> str:
    """Only a path of the staff pages: never another site (an open redirect)."""
    if target:
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc in ("", request.host) and path.startswith("/staff") \
                and not path.startswith("/staff/login") and "//" not in path and "\\" not in path:
            return path
    return url_for("staff.queue.index")

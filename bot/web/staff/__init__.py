"""Staff review pages under /staff (issue 14): one parent blueprint, one child per area.

- `auth`: sign in (throttled, audited), sign out;
- `queue`: the intakes, pinned emergencies and clearances, filters, search, counts, export;
- `intake`: one intake (transcript with the bot's reading highlighted, the record, corrections,
  status, notes, acknowledgement, export, deletion) and the front desk's summary;
- `admin`: staff accounts and the audit log (admins);
- `dashboard`: intakes per week by client type, and how often staff agreed with the bot.

Every page under /staff needs a signed-in account (Flask-Login), forgets it after
STAFF_IDLE_TIMEOUT seconds without a request, is sent with `Cache-Control: no-store`, and
every form carries a CSRF token (Flask-WTF's CSRFProtect, app-wide; the widget's own API is
exempt, it authenticates with its bearer token and holds no cookie). Pages are Jinja
templates with autoescaping; client text is never marked safe (bot.web.staff.highlight).
"""
from __future__ import annotations

import time
from functools import wraps

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (Blueprint, Flask, abort, current_app, flash, g, redirect, render_template,
                   request, session, url_for)
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.storage import db, staff

#: Signed out after this long without a request (seconds); STAFF_IDLE_TIMEOUT overrides.
IDLE_TIMEOUT_SECONDS = 15 * 60
#: Who may do what (bot.storage.models.STAFF_ROLES).
CLINICAL_ROLES = ("admin", "therapist")
ADMIN_ROLES = ("admin",)
SESSION_SEEN = "staff_seen"

bp = Blueprint("staff", __name__, url_prefix="/staff")
login_manager = LoginManager()
csrf = CSRFProtect()


class StaffPrincipal(UserMixin):
    """The signed-in account, detached from the database session that loaded it."""

    def __init__(self, user):
        self.user_id, self.email, self.role = user.id, user.email, user.role
        self._session_id = f"{user.id}:{user.session_token}"

    def get_id(self) -> str:
        return self._session_id

    @property
    def clinical(self) -> bool:
        return self.role in CLINICAL_ROLES

    @property
    def admin(self) -> bool:
        return self.role in ADMIN_ROLES


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, marked Secure whenever the request came over HTTPS
    (behind a proxy: gunicorn's forwarded_allow_ips / secure_scheme_headers set the scheme),
    and always when SESSION_COOKIE_SECURE is set."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    """Registers the staff pages, sign-in and CSRF protection on the web app."""
    from bot.web import widget

    app.config.setdefault("STAFF_IDLE_TIMEOUT", IDLE_TIMEOUT_SECONDS)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the signed-in session bounds it
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    csrf.exempt(widget.bp)
    login_manager.init_app(app)
    login_manager.login_view = "staff.auth.login"
    login_manager.login_message = "Please sign in to see the staff pages."
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)
    app.teardown_appcontext(_close_session)

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        response = current_app.make_response((render_template(
            "staff/error.html", title="Form refused",
            message="This form was missing its security token or it has expired. "
                    "Go back, reload the page and try again."), 400))
        response.headers["Cache-Control"] = "no-store"
        return response


# ---- the database ---------------------------------------------------------------------------

def engine() -> sa.engine.Engine:
    found = current_app.extensions.get("staff_engine")
    if found is None:
        found = db.make_engine(current_app.config.get("DATABASE_URL"))
        current_app.extensions["staff_engine"] = found
    return found


def db_session() -> so.Session:
    """This request's session on the intake database (closed when the request ends)."""
    if "staff_db" not in g:
        g.staff_db = so.Session(engine(), future=True)
    return g.staff_db


def _close_session(_error=None) -> None:
    found = g.pop("staff_db", None)
    if found is not None:
        found.close()


@login_manager.user_loader
def load_user(session_id: str):
    user = staff.user_for_session(db_session(), session_id)
    return StaffPrincipal(user) if user else None


# ---- every staff page -----------------------------------------------------------------------

def actor() -> staff.Actor:
    return staff.Actor(current_user.user_id, current_user.email, request.remote_addr)


def roles_required(*roles: str):
    """A view for these roles only (403 for the others); sign-in is checked before."""
    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return checked
    return decorate


@bp.before_request
def signed_in_and_not_idle():
    """Every page but sign-in needs an account; a session idle past the timeout ends."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    now = time.time()
    seen = session.get(SESSION_SEEN)
    if seen is None or now - seen > current_app.config["STAFF_IDLE_TIMEOUT"]:
        staff.audit(db_session(), actor(), "timeout")
        logout_user()
        session.clear()
        flash("You were signed out after "
              f"{current_app.config['STAFF_IDLE_TIMEOUT'] // 60 or 1} minutes without activity.")
        return redirect(url_for("staff.auth.login", next=_local_path()))
    session[SESSION_SEEN] = now
    return None


PUBLIC_ENDPOINTS = ("staff.auth.login",)


def _local_path() -> str:
    return request.full_path.rstrip("?") if request.method == "GET" else url_for("staff.queue.index")


@bp.after_request
def no_store(response):
    """No staff page (client data) is kept by a browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    # the site's own forms send their page as Referer (Flask-WTF checks it over HTTPS), no
    # other site ever gets one (the app's default is no-referrer)
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.app_context_processor
def staff_context() -> dict:
    """The unacknowledged-emergency banner on every staff page, for signed-in staff."""
    if not request.blueprint or not request.blueprint.startswith("staff") \
            or not current_user.is_authenticated:
        return {}
    return {"emergencies": staff.unacknowledged_emergencies(db_session())}


@bp.app_template_filter("when")
def when(moment) -> str:
    """A stored UTC moment as staff read it."""
    if moment is None:
        return ""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment.tzinfo else moment.strftime(
        "%Y-%m-%d %H:%M")


@bp.app_template_filter("value_text")
def value_text(value) -> str:
    """A corrected value (JSON) as text: a condition as its id, status, region, side."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v is not None)
    return str(value)


# The areas, each a child blueprint (registered once, at import: Flask forbids it later).
from bot.web.staff import admin, auth, dashboard, intake, queue  # noqa: E402

for _child in (auth.bp, queue.bp, intake.bp, admin.bp, dashboard.bp):
    bp.register_blueprint(_child)

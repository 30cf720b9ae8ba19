"""The web app on :8000 (../shared/CONTRACT.md): the website chat widget and its demo page,
and the staff review pages under /staff (bot.web.staff).

`create_app(test_config=None)` builds it, as in the Flask tutorial: settings from the
environment (bot.config), then `test_config` on top. One blueprint per area registers here
(the staff pages theirs under one parent). Run it with `python -m bot web` or `flask --app
bot.web run`; in production a WSGI server (gunicorn) imports `bot.web:create_app()`.
"""
from __future__ import annotations

from flask import Flask

from bot.config import get_settings, web_secret_key


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    settings = get_settings()
    app.config.from_mapping(
        # bot.config.web_secret_key: WEB_SECRET_KEY, else the key generated into var/; it
        # signs Flask's sessions and (derived) the widget's tokens, the same in Rasa's process
        SECRET_KEY=None,
        TRACKER_STORE_URL=settings.tracker_store_url,
        # the staff pages (bot.web.staff): the intake database, the outbox a deletion empties
        DATABASE_URL=settings.database_url,
        INTAKE_OUTBOX_DIR=settings.outbox_dir,
        WIDGET_ORIGINS=settings.widget_origins,
        WIDGET_SOCKET_URL=settings.widget_socket_url,
        PRACTICE_ID=settings.practice_id,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = web_secret_key()

    from bot.web import limits, security, staff, widget

    security.init_app(app)
    limits.init_app(app)  # per-client limits (429) before anything else runs; bot.web.limits
    app.register_blueprint(widget.bp)
    staff.init_app(app)  # /staff: sign-in, CSRF on every form, the review pages
    return app

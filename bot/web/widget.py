"""The website chat widget: the script a practice embeds, its stylesheet, the demo page, and the
two calls the script makes to this app (a session token, the transcript after a reload).

The conversation itself goes from the browser to Rasa's socket.io channel
(bot.rasa_plugins.socketio_channel), which accepts only the tokens issued here.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (Blueprint, Response, abort, current_app, jsonify, render_template, request,
                   send_from_directory)
from werkzeug.exceptions import NotFound

from bot.web import tokens, transcript

bp = Blueprint("widget", __name__)

#: Rasa's port when WIDGET_SOCKET_URL is unset (CONTRACT.md).
RASA_PORT = 5005
#: The widget's own files may be loaded by the practice's pages, which may isolate themselves.
CROSS_ORIGIN_FILE = {"Cross-Origin-Resource-Policy": "cross-origin"}
#: Practice ids are short slugs (`data-practice` in the script tag).
MAX_PRACTICE_ID = 64


def socket_url() -> str:
    """Where the browser finds Rasa's socket.io: configured, else this host on Rasa's port."""
    configured = current_app.config.get("WIDGET_SOCKET_URL")
    if configured:
        return configured
    parts = urlsplit(request.host_url)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return f"{parts.scheme}://{host}:{RASA_PORT}"


def tracker_engine() -> sa.engine.Engine:
    """The app's one engine for Rasa's tracker database (the widget's history, the staff
    pages' deletion)."""
    engine = current_app.extensions.get("tracker_engine")
    if engine is None:
        engine = sa.create_engine(current_app.config["TRACKER_STORE_URL"], future=True,
                                  pool_pre_ping=True)
        current_app.extensions["tracker_engine"] = engine
    return engine


def _static(name: str, max_age: int) -> Response:
    response = send_from_directory(current_app.static_folder, name, max_age=max_age)
    response.headers.update(CROSS_ORIGIN_FILE)
    return response


@bp.get("/")
def demo() -> Response:
    """A sample practice page with the widget, as a practice's own site would have it."""
    script_url = request.host_url.rstrip("/") + "/widget.js"
    page = render_template("demo.html", practice=_practice(),
                           practice_id=current_app.config["PRACTICE_ID"], script_url=script_url)
    socket = socket_url()
    websocket = "ws" + socket[len("http"):] if socket.startswith("http") else socket
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {socket} {websocket}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'")
    return response


@bp.get("/widget.js")
def script() -> Response:
    return _static("widget.js", max_age=300)


@bp.get("/widget.css")
def stylesheet() -> Response:
    return _static("widget.css", max_age=300)


@bp.get("/widget/vendor/socket.io.min.js")
def socketio_client() -> Response:
    """The socket.io client, from npm (package.json), copied here by `make web-assets`."""
    try:
        return _static("vendor/socket.io.min.js", max_age=3600)
    except NotFound:
        abort(404, "socket.io client missing: run `make web-assets`")


@bp.post("/widget/session")
def new_session():
    """A new conversation: a random 128-bit id in a signed token, for this tab only."""
    body = request.get_json(silent=True) or {}
    practice_id = body.get("practice")
    if practice_id != current_app.config["PRACTICE_ID"]:
        return _error(404, "unknown practice: check the data-practice of the script tag")
    token, session_id = tokens.issue(key=_key())
    return _no_store(jsonify(token=token, session_id=session_id,
                             expires_in=tokens.LIFETIME_SECONDS, **_connection())), 201


@bp.get("/widget/history")
def history():
    """The conversation's client and bot texts, to the holder of its token only."""
    try:
        session_id = tokens.session_id_of(tokens.bearer(request.headers.get("Authorization")),
                                          key=_key())
    except tokens.InvalidToken:
        return _error(401, "no valid session token")
    messages = transcript.conversation(tracker_engine(), session_id)
    return _no_store(jsonify(session_id=session_id, messages=messages, **_connection()))


#: The calls the widget makes from the practice's pages.
API_ENDPOINTS = ("widget.new_session", "widget.history")


@bp.before_request
def refuse_other_origins():
    """A page elsewhere may not start or read conversations through a visitor's browser."""
    origin = request.headers.get("Origin")
    if request.endpoint in API_ENDPOINTS and origin and not _allowed(origin):
        return _error(403, "this site may not embed the widget (WIDGET_ORIGINS)")
    return None


@bp.after_request
def cors(response: Response) -> Response:
    """The widget's calls come from the practice's pages: those origins only, named."""
    if request.endpoint not in API_ENDPOINTS:
        return response
    origin = request.headers.get("Origin")
    if origin and _allowed(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    response.headers.add("Vary", "Origin")
    return response


def _allowed(origin: str) -> bool:
    return origin.rstrip("/") in current_app.config["WIDGET_ORIGINS"]


def _practice() -> dict:
    from bot.sms.texts import practice  # data/practice.yml, PRACTICE_NAME

    return practice()


def _connection() -> dict:
    """What the widget needs besides the token: where Rasa is, whose chat it is."""
    return {"socket_url": socket_url(), "socket_path": "/socket.io",
            "practice_name": _practice()["name"]}


def _key() -> bytes:
    return tokens.signing_key(current_app.config["SECRET_KEY"])


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, message: str):
    return _no_store(jsonify(error=message)), status

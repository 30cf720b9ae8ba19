"""The staff pages (issue 14) through Flask's test client, a fresh app and a fresh SQLite
database per test (the Flask tutorial's fixtures): sign-in, roles, CSRF, throttling, idle
timeout, headers, the highlighted transcript, corrections and the audit log, status moves,
the emergency banner, the queue, exports (and `export --corrections` through `evaluate
--file`), deleting a client's data (with tracker events Rasa's own SQLTrackerStore wrote)
and the retention purge; the storage functions behind them (bot.storage.staff).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.records import intake_record, transcript_from_events
from bot.storage import db, staff
from bot.storage.models import (AuditEvent, Intake, IntakeCorrection, IntakeMention, IntakeNote,
                                STAFF_ROLES)
from bot.storage.repository import get_intake, save_intake
from bot.web import create_app
from bot.web.staff.highlight import highlight
from tests.conftest import ROOT
from tests.test_record_paths import conversation

PASSWORD = "correct horse battery staple"
XSS = "<img src=x onerror=alert(1)>"
#: One message with every kind the page marks: a condition (and a negated and a family one),
#: its region and side, a rating, how long, a goal, a red flag and a caution.
EVERYTHING = ("my left shoulder has hurt for 3 weeks, about a 6/10, no numbness. my mom has "
              "fibromyalgia. I had a blood clot in my leg last month and I take blood thinners. "
              "I want pain relief")
USERS = {"admin": "admin@example.com", "therapist": "therapist@example.com",
         "front_desk": "desk@example.com"}


# ---- fixtures -------------------------------------------------------------------------------

@pytest.fixture
def database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    db.upgrade_database(url)
    return url


@pytest.fixture
def engine(database):
    built = db.make_engine(database)
    yield built
    built.dispose()


@pytest.fixture
def session(engine):
    with so.Session(engine, future=True) as opened:
        yield opened


@pytest.fixture
def app(database, tmp_path, session):
    for role, email in USERS.items():
        staff.add_user(session, email, role, PASSWORD)
    return create_app({"SECRET_KEY": "test-secret", "DATABASE_URL": database,
                       "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
                       "INTAKE_OUTBOX_DIR": str(tmp_path / "outbox"), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def login(client, role: str = "admin", password: str = PASSWORD):
    page = client.get("/staff/login").get_data(as_text=True)
    return client.post("/staff/login", data={"email": USERS.get(role, role),
                                             "password": password,
                                             "csrf_token": csrf_token(page)})


def post(client, url: str, data: dict | None = None, page: str = "/staff/"):
    """A form post with the token of a page the signed-in user has."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def store(session, *said: str, conversation_id: str = "conv-1", **changes) -> int:
    """An intake as a conversation stores it (the intake form's own code, then
    bot.records.intake_record), with `changes` applied to the record."""
    slots, events = conversation(*said)
    record = intake_record(conversation_id, "rest", slots, transcript_from_events(events))
    record.update(changes)
    return save_intake(session, record)


def audit_rows(session, **where) -> list[AuditEvent]:
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(session.scalars(query))


# ---- signing in, roles, headers ------------------------------------------------------------

PAGES = ["/staff/", "/staff/intakes/1", "/staff/intakes/1/summary", "/staff/dashboard",
         "/staff/users", "/staff/audit", "/staff/export.csv", "/staff/intakes/1/export.json",
         "/staff/intakes/1/delete"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_a_signed_in_account(client, session, path):
    store(session, "my neck hurts")
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/staff/intakes/1/notes", "/staff/intakes/1/status",
                                  "/staff/intakes/1/correct", "/staff/intakes/1/delete",
                                  "/staff/logout"])
def test_a_post_without_an_account_changes_nothing(client, session, path):
    store(session, "my neck hurts")
    # refused before anything else: the missing CSRF token (400), else the missing account
    assert client.post(path, data={"text": "x", "confirm": "DELETE"}).status_code in (302, 400)
    assert session.scalar(sa.select(sa.func.count()).select_from(IntakeNote)) == 0
    assert session.get(Intake, 1) is not None


def test_there_is_no_default_account(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db.upgrade_database(url)
    client = create_app({"SECRET_KEY": "s", "DATABASE_URL": url, "TESTING": True}).test_client()
    for email, password in (("admin", "admin"), ("admin@example.com", "admin"),
                            ("admin@localhost", "password")):
        page = client.get("/staff/login").get_data(as_text=True)
        response = client.post("/staff/login", data={"email": email, "password": password,
                                                     "csrf_token": csrf_token(page)})
        assert response.status_code == 401
    assert client.get("/staff/").status_code == 302


def test_signing_in_and_out_is_audited_and_the_cookie_is_guarded(client, session):
    response = login(client, "therapist")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http (the demo); over HTTPS it is Secure, below
    assert client.get("/staff/").status_code == 200
    post(client, "/staff/logout")
    assert client.get("/staff/").status_code == 302
    actions = [e.action for e in audit_rows(session, actor=USERS["therapist"])]
    assert actions[0] == "login" and actions[-1] == "logout"


def test_the_session_cookie_is_secure_over_https(app):
    client = app.test_client()
    page = client.get("/staff/login", base_url="https://staff.example")
    # over HTTPS Flask-WTF also wants the form's own page as Referer: staff pages send it
    # to themselves (same-origin), never to another site
    assert page.headers["Referrer-Policy"] == "same-origin"
    response = client.post("/staff/login", base_url="https://staff.example", data={
        "email": USERS["admin"], "password": PASSWORD,
        "csrf_token": csrf_token(page.get_data(as_text=True))},
        headers={"Referer": "https://staff.example/staff/login"})
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    elsewhere = client.post("/staff/logout", base_url="https://staff.example",
                            headers={"Referer": "https://evil.example/"})
    assert elsewhere.status_code == 400


def test_a_post_without_its_csrf_token_is_refused(client, session):
    intake_id = store(session, "my neck hurts")
    page = client.get("/staff/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    refused = client.post("/staff/login", data={"email": USERS["admin"], "password": PASSWORD})
    assert refused.status_code == 400 and client.get("/staff/").status_code == 302
    login(client)
    for data in ({"text": "call back"}, {"text": "call back", "csrf_token": "forged"}):
        response = client.post(f"/staff/intakes/{intake_id}/notes", data=data)
        assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(IntakeNote)) == 0
    assert post(client, f"/staff/intakes/{intake_id}/notes", {"text": "call back"}).status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(IntakeNote)) == 1


def test_the_widget_api_needs_no_csrf_token(client):
    """The widget authenticates with its bearer token and holds no cookie: CSRF is not its
    threat, and the practice's pages could not send a token anyway."""
    response = client.post("/widget/session", json={"practice": "main-street"})
    assert response.status_code == 201


def test_failed_sign_ins_are_throttled_across_workers(app, session, database, tmp_path):
    for _ in range(staff.MAX_FAILURES_PER_ACCOUNT):
        assert login(app.test_client(), "therapist", "wrong password!!").status_code == 401
    assert login(app.test_client(), "therapist").status_code == 429  # the right one, too late
    # another worker (another app on the same database) counts the same attempts
    other = create_app({"SECRET_KEY": "test-secret", "DATABASE_URL": database, "TESTING": True})
    assert login(other.test_client(), "therapist").status_code == 429
    assert login(app.test_client(), "admin").status_code == 302  # other accounts are not locked
    assert len(audit_rows(session, action="login_failed")) == staff.MAX_FAILURES_PER_ACCOUNT
    assert audit_rows(session, action="login_throttled")
    later = datetime.now(timezone.utc) + staff.THROTTLE_WINDOW + timedelta(seconds=1)
    assert not staff.sign_in_throttled(session, USERS["therapist"], "127.0.0.1", later)


def test_an_idle_session_ends(database, tmp_path, session):
    staff.add_user(session, USERS["admin"], "admin", PASSWORD)
    app = create_app({"SECRET_KEY": "s", "DATABASE_URL": database, "TESTING": True,
                      "STAFF_IDLE_TIMEOUT": 1})
    client = app.test_client()
    login(client)
    assert client.get("/staff/").status_code == 200
    time.sleep(0.6)
    assert client.get("/staff/").status_code == 200  # activity keeps it going
    time.sleep(0.6)
    assert client.get("/staff/").status_code == 200
    time.sleep(1.3)
    response = client.get("/staff/dashboard")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert client.get("/staff/").status_code == 302  # signed out, not only redirected once
    assert audit_rows(session, action="timeout")
    assert create_app({"SECRET_KEY": "s"}).config["STAFF_IDLE_TIMEOUT"] == 15 * 60


def test_the_front_desk_sees_contact_booking_and_summary_but_no_transcript(client, session):
    intake_id = store(session, "hi", EVERYTHING, contact={"name": "Ann Lee",
                                                        "phone": "+15551234567", "email": None})
    login(client, "front_desk")
    queue = client.get("/staff/").get_data(as_text=True)
    assert "Ann Lee" in queue and f"/staff/intakes/{intake_id}/summary" in queue
    assert client.get(f"/staff/intakes/{intake_id}").status_code == 403
    summary = client.get(f"/staff/intakes/{intake_id}/summary").get_data(as_text=True)
    assert "Ann Lee" in summary and "+15551234567" in summary
    assert "blood clot" not in summary and "fibromyalgia" not in summary  # no clinical words
    assert "shoulder has hurt" not in summary
    for path in (f"/staff/intakes/{intake_id}/export.json", "/staff/export.csv",
                 "/staff/users", "/staff/audit", f"/staff/intakes/{intake_id}/delete"):
        assert client.get(path).status_code == 403, path
    refused = post(client, f"/staff/intakes/{intake_id}/correct", {"client_type": "relaxation"},
                   page=f"/staff/intakes/{intake_id}/summary")
    assert refused.status_code == 403
    moved = post(client, f"/staff/intakes/{intake_id}/correct", {"contact.name": "Ann Li"},
                 page=f"/staff/intakes/{intake_id}/summary")
    assert moved.status_code == 302
    assert get_intake(session, intake_id).contact.name == "Ann Li"


def test_therapists_see_the_transcript_but_manage_no_users(client, session):
    intake_id = store(session, "my neck hurts")
    login(client, "therapist")
    assert client.get(f"/staff/intakes/{intake_id}").status_code == 200
    assert client.get("/staff/users").status_code == 403
    assert client.get("/staff/audit").status_code == 403
    assert client.get(f"/staff/intakes/{intake_id}/delete").status_code == 403


def test_every_staff_page_is_no_store_with_a_csp_without_inline_script(client, session):
    intake_id = store(session, "hi", EVERYTHING)
    login(client)
    for path in ["/staff/", f"/staff/intakes/{intake_id}", f"/staff/intakes/{intake_id}/summary",
                 "/staff/dashboard", "/staff/users", "/staff/audit", "/staff/login",
                 f"/staff/intakes/{intake_id}/delete", f"/staff/intakes/{intake_id}/export.csv"]:
        response = (client if path != "/staff/login" else client.application.test_client()).get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        if response.mimetype == "text/html":
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert "frame-ancestors 'none'" in csp
            html = response.get_data(as_text=True)
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), path  # no inline script
            assert not re.search(r"\son\w+=", html), path  # no inline handlers
            assert " style=" not in html, path


# ---- the intake page ------------------------------------------------------------------------

def marks_of(html: str) -> list[dict]:
    return [dict(zip(("kind", "value", "status", "tip"), found)) for found in re.findall(
        r'<mark class="hl[^"]*" tabindex="0" data-kind="([^"]*)" data-value="([^"]*)" '
        r'data-status="([^"]*)" data-tip="([^"]*)"', html)]


def test_the_transcript_marks_every_kind_with_its_id_and_status(client, session):
    intake_id = store(session, "hi", EVERYTHING)
    login(client, "therapist")
    html = client.get(f"/staff/intakes/{intake_id}").get_data(as_text=True)
    marks = marks_of(html)
    assert {m["kind"] for m in marks} == {"condition", "body_region", "side", "severity",
                                          "duration", "goal", "red_flag", "caution"}
    said = {(m["kind"], m["value"], m["status"]) for m in marks}
    assert {("condition", "shoulder_pain", "present"), ("condition", "other", "negated"),
            ("condition", "fibromyalgia", "family"), ("body_region", "shoulder", "present"),
            ("side", "left", "present"), ("severity", "6", "present"),
            ("goal", "pain_relief", "present"), ("red_flag", "clot_history", "present"),
            ("caution", "blood_thinners", "present")} <= said
    tips = {m["tip"] for m in marks}
    assert "Condition: fibromyalgia \u00b7 family" in tips and "Side: left \u00b7 present" in tips
    # each mark is reachable by keyboard and described for screen readers
    assert html.count('tabindex="0" data-kind=') == len(marks)
    described = re.findall(r'aria-describedby="(m\d+-\d+)"', html)
    assert described and all(f'id="{d}"' in html for d in described)
    # the legend names every kind and status
    for label in ("Condition", "Body region", "Side", "Severity", "Duration", "Goal", "Red flag",
                  "Caution", "negated", "historical", "family", "hypothetical"):
        assert label in html
    # the record beside it: classification with reasons, the safety words, the types
    assert "Physician clearance needed" in html and "“blood clot”" in html
    assert "Recommended:" in html and "Chosen:" in html
    assert staff.audit_events(session, intake_id=intake_id)[0][0].action == "view"


def test_a_client_message_with_html_is_shown_as_text(client, session):
    intake_id = store(session, "hi", f"{XSS} my neck hurts <script>alert(2)</script>")
    login(client)
    html = client.get(f"/staff/intakes/{intake_id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "<script>alert" not in html
    queue = client.get("/staff/").get_data(as_text=True)
    assert "<img src=x" not in queue


def test_stored_mentions_point_at_the_clients_words(session):
    intake_id = store(session, "hi", EVERYTHING)
    intake = get_intake(session, intake_id)
    texts = {m.position: m.text for m in intake.transcript}
    words = {(m.kind, texts[m.message][m.start:m.end]) for m in staff.mentions_of(session, intake_id)}
    assert {("condition", "shoulder has hurt"), ("body_region", "shoulder"), ("side", "left"),
            ("severity", "6/10"), ("duration", "for 3 weeks"), ("goal", "pain relief"),
            ("red_flag", "blood clot"), ("caution", "blood thinners")} <= words


def test_a_side_corrected_in_a_later_message_is_marked_there():
    """"actually it's my right knee not left" at the summary: the side on record is marked
    where the client said it, not the first message's "left"."""
    from bot.extraction import extract
    from bot.records import intake_facts

    concerns = extract("my left knee hurts")
    concerns.conditions[0].side = "right"  # as bot.intake applies the correction
    transcript = [{"sender": "client", "text": "my left knee hurts"},
                  {"sender": "bot", "text": "Is that all correct?"},
                  {"sender": "client", "text": "actually it's my right knee not left"}]
    sources = intake_facts(concerns, None, transcript=transcript)["details"]["sources"]
    assert [(s["id"], s["message"], s["text"]) for s in sources["sides"]] == [("right", 2, "right")]
    assert [(s["id"], s["message"]) for s in sources["body_parts"]] == [("knee", 0)]


def test_overlapping_marks_nest_longest_outside_and_crossing_ones_are_cut():
    from types import SimpleNamespace as M

    text = "my lower back has been killing me for 3 weeks"
    tree, spans = highlight(text, [
        M(start=3, end=33, kind="condition", value="back_pain", status="present"),
        M(start=3, end=13, kind="body_region", value="lower_back", status="present"),
        M(start=30, end=45, kind="duration", value=None, status="present"),
        M(start=0, end=99, kind="goal", value="x", status="present"),  # past the end: dropped
        M(start=5, end=9, kind="<b>", value="x", status="present"),  # unknown kind: dropped
        M(start=5, end=9, kind="side", value="<b>", status="weird")])  # odd value, status

    def flat(nodes):
        return [(n.kind, n.first, flat(n.children)) if n.is_mark else n.text for n in nodes]

    assert len(spans) == 4
    assert flat(tree) == [
        "my ",
        ("condition", True, [("body_region", True, ["lo", ("side", True, ["wer "]), "back"]),
                             " has been killing", ("duration", True, [" me"])]),
        ("duration", False, [" for 3 weeks"])]
    side = tree[1].children[0].children[1]
    assert side.value is None and side.status == "present"  # never the odd value as a label
    assert "".join(_texts(tree)) == text


def _texts(nodes):
    for node in nodes:
        if node.is_mark:
            yield from _texts(node.children)
        else:
            yield node.text


# ---- staff act: corrections, status, notes, acknowledgement -------------------------------

def test_a_correction_keeps_old_and_new_values_apart_from_the_audit_log(client, session, caplog):
    caplog.set_level(logging.DEBUG)
    intake_id = store(session, "hi", EVERYTHING, contact={"name": "Ann Lee", "phone": None,
                                                        "email": None})
    intake = get_intake(session, intake_id)
    shoulder = next(c for c in intake.conditions if c.condition == "shoulder_pain")
    login(client, "therapist")
    page = f"/staff/intakes/{intake_id}"
    response = post(client, f"/staff/intakes/{intake_id}/correct", {
        "client_type": "relaxation", f"conditions.{shoulder.id}.side": "right",
        f"conditions.{shoulder.id}.status": "present", "contact.phone": "(555) 987-6543",
        "contact.name": "Ann Lee"}, page=page)
    assert response.status_code == 302 and response.headers["Location"] == page
    session.expire_all()
    intake = get_intake(session, intake_id)
    assert intake.client_type == "relaxation" and intake.contact.phone == "+15559876543"
    assert next(c for c in intake.conditions if c.id == shoulder.id).side == "right"
    corrections = {c.field: (c.old_value, c.new_value, c.actor) for c in
                   staff.corrections_of(session, intake_id)}
    assert corrections == {
        "client_type": ("medical", "relaxation", USERS["therapist"]),
        f"conditions.{shoulder.id}.side": ("left", "right", USERS["therapist"]),
        "contact.phone": (None, "+15559876543", USERS["therapist"])}
    changes = audit_rows(session, action="change", intake_id=intake_id)
    assert {e.field for e in changes} == set(corrections)
    # the audit log and the logs hold no value, only which field
    every_audit_value = " ".join(str(v) for e in audit_rows(session) for v in (
        e.actor, e.action, e.field, e.ip, e.intake_id))
    for value in ("relaxation", "right", "5559876543", "Ann Lee", "shoulder"):
        assert value not in every_audit_value
        assert value not in caplog.text
    html = client.get(page).get_data(as_text=True)
    assert re.search(r'<tr data-action="change"><td>[^<]+</td><td>therapist@example.com</td>'
                     r'<td>change</td><td>client_type</td>', html)
    # a value outside the fixed lists is refused and changes nothing
    post(client, f"/staff/intakes/{intake_id}/correct", {"client_type": "<b>spa</b>"}, page=page)
    session.expire_all()
    assert get_intake(session, intake_id).client_type == "relaxation"


def test_conditions_are_added_and_removed(client, session):
    intake_id = store(session, "my neck hurts")
    login(client, "therapist")
    page = f"/staff/intakes/{intake_id}"
    post(client, f"/staff/intakes/{intake_id}/conditions", {
        "condition": "headache", "status": "present", "body_part": "head", "side": ""}, page=page)
    session.expire_all()
    intake = get_intake(session, intake_id)
    added = next(c.id for c in intake.conditions if c.condition == "headache")
    neck = next(c.id for c in intake.conditions if c.condition == "neck_pain")
    post(client, f"/staff/intakes/{intake_id}/conditions/{neck}/remove", page=page)
    session.expire_all()
    assert [c.condition for c in get_intake(session, intake_id).conditions] == ["headache"]
    fields = {c.field: (c.old_value, c.new_value) for c in staff.corrections_of(session, intake_id)}
    assert fields[f"conditions.{added}"] == (None, {"id": "headache", "status": "present",
                                                    "body_part": "head", "side": None})
    assert fields[f"conditions.{neck}"][0]["id"] == "neck_pain"
    assert fields[f"conditions.{neck}"][1] is None


def test_status_moves_booking_time_clearance_and_notes(client, session):
    intake_id = store(session, "hi", EVERYTHING)
    assert get_intake(session, intake_id).status == "needs_clearance"
    login(client, "front_desk")
    page = f"/staff/intakes/{intake_id}/summary"
    post(client, f"/staff/intakes/{intake_id}/status", {"status": "clearance_received"}, page=page)
    session.expire_all()
    review = staff.review_of(session, intake_id)
    assert get_intake(session, intake_id).status == "reviewed" and review.clearance_received_at
    post(client, f"/staff/intakes/{intake_id}/status", {"status": "booked"}, page=page)
    session.expire_all()
    assert get_intake(session, intake_id).status == "reviewed"  # a booking needs its time
    post(client, f"/staff/intakes/{intake_id}/status",
         {"status": "booked", "booked_date": "2026-12-14", "booked_time": "15:30"}, page=page)
    session.expire_all()
    assert get_intake(session, intake_id).status == "booked"
    assert staff.review_of(session, intake_id).booked_for == datetime(2026, 12, 14, 15, 30)
    post(client, f"/staff/intakes/{intake_id}/notes", {"text": "left a voicemail"}, page=page)
    summary = client.get(page).get_data(as_text=True)
    assert "left a voicemail" in summary and "2026-12-14 15:30" in summary
    fields = [e.field for e in audit_rows(session, intake_id=intake_id) if e.action in ("change", "note")]
    assert fields == ["clearance_received", "status", "booked_for", "status", "notes"]
    post(client, f"/staff/intakes/{intake_id}/status", {"status": "declined"}, page=page)
    session.expire_all()
    assert staff.review_of(session, intake_id).booked_for is None  # no stale booking time
    assert session.scalar(sa.select(IntakeNote.text)) == "left a voicemail"


def test_an_emergency_shows_a_banner_on_every_page_until_acknowledged(client, session):
    store(session, "my neck hurts", conversation_id="calm")
    urgent = store(session, "hi", "crushing chest pain right now and my left arm is numb",
                   conversation_id="urgent", status="emergency", safety_outcome="urgent",
                   red_flags=["chest_pain"])
    login(client, "front_desk")
    for path in ("/staff/", "/staff/dashboard", f"/staff/intakes/{urgent}/summary"):
        html = client.get(path).get_data(as_text=True)
        assert "data-emergency-banner" in html and f"/staff/intakes/{urgent}/summary" in html
    queue = client.get("/staff/").get_data(as_text=True)
    assert queue.index(f'data-intake="{urgent}"') < queue.index('data-intake="1"')  # pinned
    assert 'class="pinned pinned--emergency"' in queue
    post(client, f"/staff/intakes/{urgent}/acknowledge", page=f"/staff/intakes/{urgent}/summary")
    assert "data-emergency-banner" not in client.get("/staff/").get_data(as_text=True)
    assert staff.review_of(session, urgent).acknowledged_by == USERS["front_desk"]
    assert audit_rows(session, action="acknowledge", intake_id=urgent)


def test_the_queue_filters_searches_counts_and_pages(client, session):
    now = datetime.now(timezone.utc)
    for number in range(30):
        store(session, "my neck hurts", conversation_id=f"c{number}",
              created_at=(now - timedelta(days=number)).isoformat(),
              channel="sms" if number % 3 == 0 else "web",
              contact={"name": f"Client {number:02d}", "phone": f"+1555000{number:04d}",
                       "email": None})
    store(session, "hi", EVERYTHING, conversation_id="clearance",
          created_at=(now - timedelta(days=40)).isoformat())
    login(client)
    html = client.get("/staff/").get_data(as_text=True)
    rows = re.findall(r'data-intake="(\d+)"', html)
    assert len(rows) == 25 and rows[0] == "31"  # the clearance is pinned on top, though oldest
    assert rows[1:4] == ["1", "2", "3"]  # then newest first
    assert "page 1 of 2" in html
    assert len(re.findall(r'data-intake="', client.get("/staff/?page=2").get_data(as_text=True))) == 6
    counts = dict(re.findall(r'status--(\w+)"[^>]*>[\w ]+ <span class="count">(\d+)<', html))
    assert counts["new"] == "30" and counts["needs_clearance"] == "1"
    assert len(re.findall(r'data-intake="', client.get("/staff/?channel=sms").get_data(as_text=True))) == 10
    # a name or phone is posted and kept in the session, never in a URL (access logs)
    searched = post(client, "/staff/search", {"q": "client 07", "filters": "channel=web"})
    assert searched.headers["Location"] == "/staff/?channel=web"
    assert "07" not in searched.headers["Location"]
    assert re.findall(r'data-intake="(\d+)"', client.get("/staff/").get_data(as_text=True)) == ["8"]
    post(client, "/staff/search", {"q": "(555) 000-0012"})
    found = client.get("/staff/").get_data(as_text=True)
    assert re.findall(r'data-intake="(\d+)"', found) == ["13"] and "Clear search" in found
    assert client.get("/staff/?q=client+07").status_code == 200  # a q in the URL is ignored
    post(client, "/staff/search", {"q": "(555) 000-0012", "clear": "1"})
    day = (now - timedelta(days=5)).date().isoformat()
    found = client.get(f"/staff/?from={day}&to={day}").get_data(as_text=True)
    assert re.findall(r'data-intake="(\d+)"', found) == ["6"]
    assert len(re.findall(r'data-intake="', client.get(
        "/staff/?outcome=clearance_needed").get_data(as_text=True))) == 1
    assert client.get("/staff/?status=<script>&page=x").status_code == 200  # ignored


def test_exports_from_the_pages_are_audited(client, session):
    intake_id = store(session, "hi", EVERYTHING, contact={"name": "Ann Lee", "phone": None,
                                                        "email": None})
    store(session, "my neck hurts", conversation_id="other")
    login(client, "therapist")
    response = client.get(f"/staff/intakes/{intake_id}/export.json")
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    [record] = json.loads(response.get_data(as_text=True))
    assert record["id"] == intake_id and record["contact"]["name"] == "Ann Lee"
    assert {"conversation_id", "channel", "status", "client_type", "conditions", "transcript",
            "safety_outcome", "appointment_type", "contact"} <= set(record)
    csv_text = client.get("/staff/export.csv?client_type=medical").get_data(as_text=True)
    assert csv_text.startswith("id,conversation_id") and csv_text.count("\nconv") + csv_text.count(
        "\n1,") >= 1
    exports = audit_rows(session, action="export")
    assert [(e.intake_id, e.field) for e in exports][:1] == [(intake_id, "json")]
    assert {e.intake_id for e in exports if e.field == "csv"} == {1, 2}


# ---- corrections teach the measure; the dashboard ------------------------------------------

def test_export_corrections_is_scored_by_evaluate(client, session, database, tmp_path,
                                                  trained_model):
    corrected = store(session, "hi", "my lower back hurts", conversation_id="a")
    store(session, "hi", "my neck hurts", conversation_id="b")  # not corrected: left out
    login(client, "therapist")
    intake = get_intake(session, corrected)
    [back] = intake.conditions
    post(client, f"/staff/intakes/{corrected}/correct",
         {f"conditions.{back.id}.id": "sciatica"}, page=f"/staff/intakes/{corrected}")
    env = {**os.environ, "DATABASE_URL": database}
    run = lambda *args: subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", *args],
                                       cwd=ROOT, env=env, capture_output=True, text=True,
                                       timeout=300)
    exported = run("export", "--corrections", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    [example] = [json.loads(line) for line in exported.stdout.splitlines()]
    assert example == {"id": f"intake-{corrected}", "text": "my lower back hurts",
                       "expected_type": "medical",
                       "conditions": [{"id": "sciatica", "status": "present",
                                       "body_part": "lower_back", "side": None}],
                       "body_parts": ["lower_back"], "goals": [], "severity": None,
                       "notes": "staff-corrected intake"}
    labelled = tmp_path / "corrections.jsonl"
    labelled.write_text(exported.stdout, encoding="utf-8")
    scored = run("evaluate", "--file", str(labelled), "--json")
    assert scored.returncode == 0, scored.stderr
    figures = json.loads(scored.stdout[scored.stdout.index("{"):])
    assert figures["examples"] == 1 and figures["client_type_accuracy"] == 1.0
    assert figures["condition_micro_f1"] == 0.0  # the bot still reads back pain: measured
    assert run("export", "--corrections", "--format", "csv").returncode == 2
    assert [e.field for e in audit_rows(session, action="export")] == ["corrections"]


def test_the_dashboard_shows_weekly_types_and_agreement(client, session):
    now = datetime.now(timezone.utc)
    agreed = store(session, "my neck hurts", conversation_id="a", created_at=now.isoformat())
    changed = store(session, "my neck hurts", conversation_id="b", created_at=now.isoformat())
    store(session, "i just want to relax", conversation_id="c",
          created_at=(now - timedelta(weeks=1)).isoformat())
    staff.add_note(session, get_intake(session, agreed), staff.CLI, "called")
    staff.correct(session, get_intake(session, changed), staff.CLI, "client_type", "relaxation")
    weeks = staff.weekly_figures(session, 12, now)
    assert len(weeks) == 12
    assert weeks[-1]["by_type"] == {"medical": 1, "relaxation": 1, "unclear": 0}
    assert (weeks[-1]["reviewed"], weeks[-1]["agreed"], weeks[-1]["agreement"]) == (2, 1, 0.5)
    assert weeks[-2]["by_type"]["relaxation"] == 1 and weeks[-2]["agreement"] is None
    login(client, "front_desk")
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert "<svg" in html and "<rect" in html and "1 (50%)" in html


# ---- privacy duties: delete, purge ---------------------------------------------------------

def rasa_tracker(url: str, conversations: dict[str, float]) -> None:
    """Conversations written by Rasa's own SQLTrackerStore, each a few events at a time."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(ROOT / "domain.yml"))
    rasa_store = SQLTrackerStore(domain, host=url)
    loop = asyncio.new_event_loop()
    for sender, at in conversations.items():
        tracker = DialogueStateTracker.from_events(sender, [
            ActionExecuted("action_listen", timestamp=at),
            UserUttered("my neck hurts", {"name": "describe_symptoms", "confidence": 1.0},
                        timestamp=at),
            ActionExecuted("utter_ask_concerns", timestamp=at),
            BotUttered("How long?", timestamp=at)], domain.slots)
        loop.run_until_complete(rasa_store.save(tracker))
    loop.close()
    rasa_store.engine.dispose()


def events_by_sender(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, future=True)
    with engine.connect() as connection:
        found = dict(connection.execute(sa.text(
            "SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all())
    engine.dispose()
    return found


def test_deleting_a_clients_data_removes_intakes_events_and_queued_files(client, session, app,
                                                                          tmp_path):
    tracker = app.config["TRACKER_STORE_URL"]
    now = time.time()
    rasa_tracker(tracker, {"conv-del": now, "conv-keep": now})
    first = store(session, "my neck hurts", conversation_id="conv-del")
    second = store(session, "also my knee", conversation_id="conv-del", intake_key="conv-del@2")
    kept = store(session, "my hip hurts", conversation_id="conv-keep")
    outbox = Path(app.config["INTAKE_OUTBOX_DIR"])
    outbox.mkdir()
    (outbox / "conv-del-1.json").write_text(json.dumps({"conversation_id": "conv-del"}))
    (outbox / "conv-keep-1.json").write_text(json.dumps({"conversation_id": "conv-keep"}))
    login(client)
    confirm = client.get(f"/staff/intakes/{first}/delete").get_data(as_text=True)
    assert "Type DELETE" in confirm and str(second) in confirm
    post(client, f"/staff/intakes/{first}/delete", {"confirm": "nope"}, page="/staff/")
    assert get_intake(session, first) is not None
    response = post(client, f"/staff/intakes/{first}/delete", {"confirm": "DELETE"}, page="/staff/")
    assert response.status_code == 302
    session.expire_all()
    assert get_intake(session, first) is None and get_intake(session, second) is None
    assert get_intake(session, kept) is not None
    assert session.scalar(sa.select(sa.func.count()).select_from(IntakeMention).where(
        IntakeMention.intake_id.in_([first, second]))) == 0
    assert events_by_sender(tracker).get("conv-del") is None
    assert events_by_sender(tracker)["conv-keep"] > 0
    assert sorted(p.name for p in outbox.iterdir()) == ["conv-keep-1.json"]
    deleted = audit_rows(session, action="delete")
    assert {e.intake_id for e in deleted} == {first, second}
    assert all(e.actor == USERS["admin"] for e in deleted)
    assert client.get(f"/staff/intakes/{first}").status_code == 404


def test_purge_removes_old_rows_and_keeps_new_ones(database, session, tmp_path):
    now = datetime.now(timezone.utc)
    old = store(session, "my neck hurts", conversation_id="old",
                created_at=(now - timedelta(days=400)).isoformat())
    new = store(session, "my knee hurts", conversation_id="new",
                created_at=(now - timedelta(days=3)).isoformat())
    staff.add_note(session, get_intake(session, old), staff.CLI, "old note")
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    rasa_tracker(tracker, {"old": (now - timedelta(days=400)).timestamp(),
                           "new": (now - timedelta(days=3)).timestamp()})
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    (outbox / "old.json").write_text("{}")
    os.utime(outbox / "old.json", (time.time() - 400 * 86400,) * 2)
    (outbox / "new.json").write_text("{}")
    env = {**os.environ, "DATABASE_URL": database, "TRACKER_STORE_URL": tracker,
           "INTAKE_OUTBOX_DIR": str(outbox)}
    run = lambda *args: subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", *args],
                                       cwd=ROOT, env=env, capture_output=True, text=True,
                                       timeout=120)
    dry = run("purge", "--older-than", "365", "--dry-run")
    assert dry.returncode == 0 and "would remove 1 intake(s), 1 conversation(s)" in dry.stdout
    assert get_intake(session, old) is not None
    done = run("purge", "--older-than", "365")
    assert done.returncode == 0, done.stderr
    assert "removed 1 intake(s), 1 conversation(s)" in done.stdout
    session.expire_all()
    assert get_intake(session, old) is None and get_intake(session, new) is not None
    assert session.scalar(sa.select(sa.func.count()).select_from(IntakeNote)) == 0
    assert set(events_by_sender(tracker)) == {"new"}
    assert sorted(p.name for p in outbox.iterdir()) == ["new.json"]
    [purged] = audit_rows(session, action="purge")
    assert (purged.actor, purged.intake_id) == ("system", old)
    assert run("purge", "--older-than", "0").returncode == 2


# ---- accounts -------------------------------------------------------------------------------

def test_staff_add_user_from_the_command_line(database):
    env = {**os.environ, "DATABASE_URL": database}
    run = lambda *args, password="a long enough password": subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "bot", "staff", *args], cwd=ROOT, env=env,
        input=password + "\n", capture_output=True, text=True, timeout=120)
    made = run("add-user", "Sam@Example.com", "--role", "therapist")
    assert made.returncode == 0, made.stderr
    assert "a long enough password" not in made.stdout + made.stderr
    assert run("add-user", "sam@example.com", "--role", "admin").returncode == 2  # exists
    assert run("add-user", "x@example.com", "--role", "admin", password="short").returncode == 2
    assert run("add-user", "x@example.com", "--role", "boss").returncode == 2
    listed = run("list")
    assert listed.stdout.strip() == "sam@example.com\ttherapist\tactive"
    # no admin exists yet: a therapist's password can still be set, the account deactivated
    assert run("set-password", "sam@example.com", password="a new long password").returncode == 0
    assert run("deactivate", "nobody@example.com").returncode == 2
    engine = db.make_engine(database)
    with so.Session(engine, future=True) as session:
        user = staff.user_by_email(session, "sam@example.com")
        assert user.password_hash.startswith("$argon2id$")
        assert staff.sign_in(session, "sam@example.com", "a new long password", "1.2.3.4")[1] == "ok"
    engine.dispose()


def test_cli_roles_are_the_models_roles():
    from bot.cli import staff as staff_cli

    assert staff_cli.STAFF_ROLES == STAFF_ROLES


def test_admins_manage_users_and_a_deactivated_account_is_signed_out(app, session):
    admin, therapist = app.test_client(), app.test_client()
    login(admin)
    login(therapist, "therapist")
    assert therapist.get("/staff/").status_code == 200
    html = admin.get("/staff/users").get_data(as_text=True)
    response = admin.post("/staff/users", data={
        "email": "new@example.com", "role": "front_desk", "password": "another long password",
        "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    assert staff.user_by_email(session, "new@example.com").role == "front_desk"
    user = staff.user_by_email(session, USERS["therapist"])
    post(admin, f"/staff/users/{user.id}", {"role": "therapist", "active": "no"}, page="/staff/users")
    assert therapist.get("/staff/").status_code == 302  # signed out at once
    assert login(app.test_client(), "therapist").status_code == 401
    me = staff.user_by_email(session, USERS["admin"])
    post(admin, f"/staff/users/{me.id}", {"role": "therapist", "active": "yes"}, page="/staff/users")
    session.expire_all()
    assert staff.user_by_email(session, USERS["admin"]).role == "admin"  # the last admin stays
    fields = [(e.action, e.field) for e in audit_rows(session) if e.action.startswith("user_")]
    assert ("user_add", "role") in fields and ("user_change", "active") in fields
    audit = admin.get("/staff/audit").get_data(as_text=True)
    assert "user_change" in audit and "login" in audit


def test_after_sign_in_only_a_staff_page_is_a_destination(client):
    page = client.get("/staff/login").get_data(as_text=True)
    for target, expected in (("/staff/dashboard", "/staff/dashboard"),
                             ("https://evil.example/staff", "/staff/"),
                             ("//evil.example/staff", "/staff/"), ("/widget.js", "/staff/")):
        client = client.application.test_client()
        page = client.get("/staff/login").get_data(as_text=True)
        response = client.post(f"/staff/login?next={target}", data={
            "email": USERS["admin"], "password": PASSWORD, "csrf_token": csrf_token(page)})
        assert response.headers["Location"] == expected, target


# ---- the schema ----------------------------------------------------------------------------

def test_the_migration_fills_mentions_of_intakes_stored_before_it(database, session, engine):
    from alembic import command

    intake_id = store(session, "hi", "My lower back has hurt for 3 weeks, about a 7")
    before = [(m.kind, m.value, m.message, m.start, m.end) for m in staff.mentions_of(session, intake_id)
              if m.kind in ("condition", "severity", "duration")]
    session.close()
    command.downgrade(db.alembic_config(database), "0002")
    db.upgrade_database(database)
    with so.Session(engine, future=True) as fresh:
        after = [(m.kind, m.value, m.message, m.start, m.end) for m in staff.mentions_of(fresh, intake_id)]
    assert sorted(after) == sorted(before) and len(after) == 3


def test_the_safety_outcome_holds_at_booking_time(client, session):
    """A staff test booked an unacknowledged emergency and a client waiting for a doctor's
    note without a word; clearance received on a booked intake then failed."""
    urgent = store(session, "hi", "crushing chest pain right now and my left arm is numb",
                   conversation_id="urgent-booking", status="emergency",
                   safety_outcome="urgent", red_flags=["chest_pain"])
    waiting = store(session, "hi", EVERYTHING, conversation_id="clearance-booking")
    login(client, "therapist")
    booking = {"status": "booked", "booked_date": "2026-12-14", "booked_time": "15:30"}
    for intake_id in (urgent, waiting):
        post(client, f"/staff/intakes/{intake_id}/status", booking,
             page=f"/staff/intakes/{intake_id}")
    session.expire_all()
    assert get_intake(session, urgent).status == "emergency"
    assert get_intake(session, waiting).status == "needs_clearance"
    post(client, f"/staff/intakes/{urgent}/acknowledge", page=f"/staff/intakes/{urgent}")
    post(client, f"/staff/intakes/{waiting}/status", {"status": "clearance_received"},
         page=f"/staff/intakes/{waiting}")
    for intake_id in (urgent, waiting):
        post(client, f"/staff/intakes/{intake_id}/status", booking,
             page=f"/staff/intakes/{intake_id}")
    session.expire_all()
    assert get_intake(session, urgent).status == get_intake(session, waiting).status == "booked"
    post(client, f"/staff/intakes/{waiting}/status", {"status": "clearance_received"},
         page=f"/staff/intakes/{waiting}")  # again, on a booked intake: the booking stands
    session.expire_all()
    assert get_intake(session, waiting).status == "booked"
    assert staff.review_of(session, waiting).booked_for == datetime(2026, 12, 14, 15, 30)


def test_the_page_recommends_what_the_client_was_offered(client, session):
    """A staff test: the page recommended deep tissue first for a client on warfarin, whom
    the bot never offered it (data/appointment_types.yml not_with blood thinners)."""
    intake_id = store(session, "hi", "my lower back is sore and tight, about a 6/10",
                      "i take warfarin", conversation_id="warfarin")
    assert "blood_thinners" in get_intake(session, intake_id).cautions
    login(client, "therapist")
    html = client.get(f"/staff/intakes/{intake_id}").get_data(as_text=True)
    recommended = html[html.index("Recommended"):][:600]
    assert "Deep tissue" not in recommended


def test_the_clients_notes_and_unanswered_questions_are_shown_to_the_therapist(client, session):
    """Kept by the conversation (details.notes_for_therapist, details.questions_for_staff):
    a note asked for at the summary, a question the bot could not answer."""
    slots, events = conversation("my neck hurts")
    slots["attempts"] = {"notes_for_therapist": ["please don't touch my left shoulder"],
                         "questions_for_staff": ["can i bring my own music?"]}
    intake_id = save_intake(session, intake_record("conv-9", "rest", slots,
                                                   transcript_from_events(events)))
    login(client, "therapist")
    page = client.get(f"/staff/intakes/{intake_id}").get_data(as_text=True)
    assert "Notes for the therapist" in page and "don&#39;t touch my left shoulder" in page
    assert "Questions to answer" in page and "can i bring my own music?" in page

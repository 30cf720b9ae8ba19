"""The staff pages in a real browser (Debian's chromium, headless, through chromedriver)
against the real stack: real conversations over the REST channel are stored by the action
server, staff accounts are made with `python -m bot staff add-user`, and the web app serves
/staff on the stack's own databases. One stack for the module; the deletion test runs last.

Without chromium and chromedriver these tests fail (CI installs them: .ci/run); set
ALLOW_NO_BROWSER=1 to skip them instead on a machine without a browser.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT
from tests.test_widget_browser import WebApp, chromium, need_browser, wait_until

pytestmark = pytest.mark.stack

PASSWORD = "a staff password for tests"
SECRET = "staff-browser-test-secret"
XSS = "<img src=x onerror=alert(1)>"
ACCOUNTS = {"therapist": "therapist@example.com", "front_desk": "desk@example.com",
            "admin": "admin@example.com"}
#: The XSS payload with an emergency: stored at once (status emergency).
EMERGENCY = f"{XSS} crushing chest pain right now and my left arm is numb"


# ------------------------------------------------------------------ harness (also scripts/screenshots.py)

def add_user(stack, email: str, role: str) -> None:
    made = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "staff", "add-user",
                           email, "--role", role], cwd=ROOT, env=stack.env, input=PASSWORD + "\n",
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr


def converse(stack) -> dict[str, str]:
    """Two real conversations over the REST channel: a whole medical intake (Dana Cole) and
    an emergency said with an HTML payload. Returns their sender ids."""
    from tests.test_end_to_end import MEDICAL_INTAKE, texts

    senders = {"medical": stack.new_sender(), "emergency": stack.new_sender()}
    for message, expected in MEDICAL_INTAKE:
        reply = texts(stack.say(senders["medical"], message))
        assert all(f.lower() in reply.lower() for f in expected), (message, reply)
    stack.say(senders["emergency"], "hi")
    assert "911" in texts(stack.say(senders["emergency"], EMERGENCY))
    return senders


def start_staff_stack(model: Path, workdir: Path, idle_timeout: int | None = None):
    """(stack, web app, senders): the real stack with two stored conversations, a staff
    account per role, and the web app on the stack's databases; the caller stops them."""
    from bot.rasa_plugins.stack import Stack, free_port

    stack = Stack(ROOT, model, workdir, env={"WEB_SECRET_KEY": SECRET})
    stack.start()
    try:
        senders = converse(stack)
        for role, email in ACCOUNTS.items():
            add_user(stack, email, role)
        web = WebApp(free_port(), staff_config(stack, idle_timeout))
    except BaseException:
        stack.stop()
        raise
    return stack, web, senders


def staff_config(stack, idle_timeout: int | None = None) -> dict:
    config = {"SECRET_KEY": SECRET, "DATABASE_URL": stack.database_url,
              "TRACKER_STORE_URL": stack.env["TRACKER_STORE_URL"],
              "INTAKE_OUTBOX_DIR": stack.env["INTAKE_OUTBOX_DIR"]}
    return {**config, "STAFF_IDLE_TIMEOUT": idle_timeout} if idle_timeout else config


def sign_in(driver, web, role: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(web.url + "/staff/login")
    driver.find_element(By.ID, "email").send_keys(ACCOUNTS[role])
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_until(lambda: "/staff/login" not in driver.current_url, 15, "signing in")


def intake_ids(stack) -> dict[str, int]:
    """conversation id -> intake id, from the stack's intake database."""
    engine = sa.create_engine(stack.database_url, future=True)
    with engine.connect() as connection:
        found = dict(connection.execute(sa.text("SELECT conversation_id, id FROM intakes")).all())
    engine.dispose()
    return found


MARKS = """
return Array.from(document.querySelectorAll('.messages mark.hl')).map((m) => ({
  kind: m.dataset.kind, value: m.dataset.value, status: m.dataset.status,
  text: m.textContent, tabindex: m.tabIndex,
  message: m.closest('.msg').dataset.position,
}));
"""


def tip(driver, element) -> str:
    """What the mark shows beside it now (its ::after), or "none"."""
    return driver.execute_script(
        "const s = getComputedStyle(arguments[0], '::after');"
        "return s.display === 'none' ? 'none' : s.content;", element)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def staff_stack(trained_model, tmp_path_factory):
    need_browser()
    stack, web, senders = start_staff_stack(trained_model, tmp_path_factory.mktemp("staff"))
    try:
        yield stack, web, senders
    finally:
        web.stop()
        stack.stop()


@pytest.fixture(scope="module")
def browser(staff_stack):
    driver = chromium()
    yield driver
    driver.quit()


# ------------------------------------------------------------------ the tests

def test_pages_redirect_to_sign_in_without_an_account(browser, staff_stack):
    _, web, _ = staff_stack
    browser.delete_all_cookies()
    for path in ("/staff/", "/staff/intakes/1", "/staff/dashboard", "/staff/users"):
        browser.get(web.url + path)
        assert "/staff/login?next=" in browser.current_url, path
        assert "Sign in" in browser.find_element("css selector", "h1").text


def test_a_therapist_reviews_an_intake_from_a_real_conversation(browser, staff_stack):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    stack, web, senders = staff_stack
    ids = intake_ids(stack)
    medical, emergency = ids[senders["medical"]], ids[senders["emergency"]]
    sign_in(browser, web, "therapist")
    # the queue: both intakes, the emergency pinned on top and the banner on the page
    rows = [r.get_attribute("data-intake") for r in browser.find_elements(By.CSS_SELECTOR, "tr[data-intake]")]
    assert rows[:2] == [str(emergency), str(medical)]
    assert "Pinned" in browser.find_element(By.CSS_SELECTOR, f'tr[data-intake="{emergency}"]').text
    assert "Emergency not yet acknowledged" in browser.find_element(By.CSS_SELECTOR, "[data-emergency-banner]").text
    browser.find_element(By.LINK_TEXT, "Dana Cole").click()
    wait_until(lambda: f"/staff/intakes/{medical}" in browser.current_url, 10, "the intake page")

    # the client's words, marked by kind, with canonical id and status
    marks = browser.execute_script(MARKS)
    found = {(m["kind"], m["value"], m["text"]) for m in marks}
    assert ("condition", "back_pain", "lower back has been killing me") in found
    assert ("body_region", "lower_back", "lower back") in found
    assert ("severity", "7", "7/10") in found and ("duration", "", "for 3 weeks") in found
    # the side on record is the corrected one, marked in the message that corrected it
    [side] = [m for m in marks if m["kind"] == "side"]
    assert (side["value"], side["text"]) == ("right", "right side")
    assert browser.find_element(By.CSS_SELECTOR, f'.msg[data-position="{side["message"]}"]') \
        .text.endswith("actually it's my right side not left")
    assert all(m["tabindex"] == 0 for m in marks)
    condition = browser.find_element(By.CSS_SELECTOR, 'mark[data-kind="condition"]')
    region = condition.find_element(By.CSS_SELECTOR, 'mark[data-kind="body_region"]')  # nested
    assert tip(browser, condition) == "none"
    ActionChains(browser).move_to_element(condition.find_element(By.XPATH, "..")).perform()
    ActionChains(browser).move_to_element_with_offset(condition, condition.size["width"] // 2 - 5, 0).perform()
    assert tip(browser, condition) == '"Condition: back_pain \u00b7 present"'
    ActionChains(browser).move_to_element(region).perform()  # the inner mark's own label only
    assert tip(browser, region) == '"Body region: lower_back \u00b7 present"'
    assert tip(browser, condition) == "none"
    ActionChains(browser).move_to_element(browser.find_element(By.TAG_NAME, "h1")).perform()
    severity = browser.find_element(By.CSS_SELECTOR, 'mark[data-kind="severity"]')
    browser.execute_script("arguments[0].focus()", severity)  # as Tab reaches it
    assert browser.switch_to.active_element == severity
    assert tip(browser, severity) == '"Severity: 7 \u00b7 present"'
    described = severity.get_attribute("aria-describedby")
    assert browser.execute_script(f"return document.getElementById('{described}').textContent") \
        == "Severity 7, present"
    legend = browser.find_element(By.CSS_SELECTOR, ".legend").text
    for label in ("Condition", "Body region", "Side", "Severity", "Duration", "Goal", "Red flag",
                  "Caution", "negated", "historical", "family"):
        assert label in legend
    record = browser.find_element(By.CSS_SELECTOR, ".record").text
    assert "medical" in record and "Recommended:" in record and "Chosen:" in record

    # correct a field; the change is in the record, the corrections and the history
    Select(browser.find_element(By.ID, "client-type")).select_by_value("relaxation")
    browser.find_element(By.CSS_SELECTOR, "form.correct button[data-save]").click()
    wait_until(lambda: "1 field(s) corrected." in browser.find_element(By.CSS_SELECTOR, ".flash").text,
               10, "the correction")
    corrections = browser.find_element(By.CSS_SELECTOR, '[aria-labelledby="corrections-h"]').text
    assert "client_type medical relaxation" in corrections
    history = [row.text for row in browser.find_elements(By.CSS_SELECTOR, ".audit tbody tr")]
    assert any(f"{ACCOUNTS['therapist']} change client_type" in row for row in history)
    assert any(f"{ACCOUNTS['therapist']} view transcript" in row for row in history)

    # Enter in a field saves the corrections (never a condition's Remove button)
    from selenium.webdriver.common.keys import Keys

    browser.find_element(By.ID, "c-name").send_keys(Keys.ENTER)
    wait_until(lambda: "Nothing changed." in browser.find_element(By.CSS_SELECTOR, ".flash").text,
               10, "the corrections form")
    assert browser.find_elements(By.CSS_SELECTOR, ".condition-row")

    # a form post without its token is refused, and changes nothing
    status = browser.execute_script(
        "return fetch(arguments[0], {method: 'POST', body: new URLSearchParams({text: 'x'})})"
        ".then((r) => r.status)", f"{web.url}/staff/intakes/{medical}/notes")
    assert status == 400


def test_a_client_message_with_html_is_shown_as_text(browser, staff_stack):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    stack, web, senders = staff_stack
    emergency = intake_ids(stack)[senders["emergency"]]
    sign_in(browser, web, "therapist")
    browser.get(f"{web.url}/staff/intakes/{emergency}")
    texts = [p.text for p in browser.find_elements(By.CSS_SELECTOR, ".msg--client .msg__text")]
    assert any(t.startswith(XSS) for t in texts)
    assert browser.execute_script("return document.querySelectorAll('.messages img, .messages script').length") == 0
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    kinds = {m["kind"] for m in browser.execute_script(MARKS)}
    assert "red_flag" in kinds  # the words that made it an emergency are marked
    assert "chest" in browser.find_element(By.CSS_SELECTOR, ".flag--red").text


def test_the_front_desk_cannot_open_the_transcript(browser, staff_stack):
    from selenium.webdriver.common.by import By

    stack, web, senders = staff_stack
    ids = intake_ids(stack)
    medical, emergency = ids[senders["medical"]], ids[senders["emergency"]]
    sign_in(browser, web, "front_desk")
    link = browser.find_element(By.LINK_TEXT, "Dana Cole").get_attribute("href")
    assert link.endswith(f"/staff/intakes/{medical}/summary")
    browser.get(f"{web.url}/staff/intakes/{medical}")
    assert "Forbidden" in browser.page_source and "killing me" not in browser.page_source
    browser.get(link)
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Dana Cole" in page and "+15552013344" in page and "Neuromuscular" in page
    assert "killing me" not in browser.page_source and "lower back" not in page
    # the front desk acknowledges the emergency: the banner goes from every page
    browser.get(f"{web.url}/staff/intakes/{emergency}/summary")
    browser.find_element(By.CSS_SELECTOR, "form.ack button").click()
    wait_until(lambda: "Emergency acknowledged." in browser.page_source, 10, "acknowledged")
    browser.get(f"{web.url}/staff/")
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-emergency-banner]")


def test_an_idle_session_ends_and_the_page_leaves_the_screen(browser, staff_stack):
    from bot.rasa_plugins.stack import free_port

    stack, _, _ = staff_stack
    short = WebApp(free_port(), staff_config(stack, idle_timeout=2))
    try:
        sign_in(browser, short, "therapist")
        assert browser.current_url.endswith("/staff/")
        # nobody touches it: the page reloads itself (staff.js) onto the sign-in page
        wait_until(lambda: "/staff/login" in browser.current_url, 15, "the idle timeout")
        assert "signed out after" in browser.page_source
        assert "Dana Cole" not in browser.page_source
    finally:
        short.stop()


def test_deleting_a_clients_data_removes_their_tracker_events(browser, staff_stack):
    from selenium.webdriver.common.by import By

    stack, web, senders = staff_stack
    medical = intake_ids(stack)[senders["medical"]]
    tracker = sa.create_engine(stack.env["TRACKER_STORE_URL"], future=True)
    count = lambda sender: tracker.connect().execute(sa.text(
        "SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}).scalar()
    assert count(senders["medical"]) > 10 and count(senders["emergency"]) > 0
    sign_in(browser, web, "admin")
    browser.get(f"{web.url}/staff/intakes/{medical}")
    browser.find_element(By.LINK_TEXT, "Delete client data").click()
    browser.find_element(By.ID, "confirm").send_keys("DELETE")
    browser.find_element(By.CSS_SELECTOR, "button.danger").click()
    wait_until(lambda: "Deleted 1 intake(s)" in browser.page_source, 15, "the deletion")
    assert count(senders["medical"]) == 0 and count(senders["emergency"]) > 0
    tracker.dispose()
    assert senders["medical"] not in intake_ids(stack)
    exported = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "export"], cwd=ROOT,
                              env=stack.env, capture_output=True, text=True, timeout=120)
    assert senders["medical"] not in exported.stdout
    assert [i["conversation_id"] for i in json.loads(exported.stdout)] == [senders["emergency"]]
    browser.get(f"{web.url}/staff/audit?action=delete")
    rows = [row.text for row in browser.find_elements(By.CSS_SELECTOR, ".audit tbody tr")]
    assert any(f"{ACCOUNTS['admin']} delete {medical}" in row for row in rows)
    # the conversation can start afresh: the Rasa server does not serve it from memory
    assert "What brings you in" in "".join(
        r.get("text", "") for r in stack.say(senders["medical"], "hi"))

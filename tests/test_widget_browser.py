"""The chat widget in a real browser (Debian's chromium, headless, driven by selenium through
chromedriver) against the real stack: Rasa and the action server (bot.rasa_plugins.stack)
with the project's credentials.yml, the web app on a free port, and a TCP relay in between
the browser and Rasa's socket.io that the tests cut to drop the network.

Without chromium and chromedriver these tests fail (CI installs them: .ci/run); set
ALLOW_NO_BROWSER=1 to skip them instead on a machine without a browser.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from bot.web import create_app, tokens
from tests.conftest import ROOT

pytestmark = pytest.mark.stack

SECRET = "browser-test-secret"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
TOKEN_KEY = "intakeChat.token.main-street"
XSS = "<img src=x onerror=alert(1)>"
DESKTOP = (1280, 800)


# ------------------------------------------------------------------ harness (also scripts/screenshots.py)

def need_browser() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if not missing:
        return
    message = (f"missing {', '.join(missing)}: apt-get install -y chromium chromium-driver "
               "(or set CHROMIUM / CHROMEDRIVER)")
    if os.environ.get("ALLOW_NO_BROWSER") == "1":
        pytest.skip(message)
    pytest.fail(message)


def chromium(width: int = DESKTOP[0], height: int = DESKTOP[1]):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--force-device-scale-factor=1", "--lang=en-US", "--hide-scrollbars",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(30)
    viewport(driver, width, height)
    return driver


def viewport(driver, width: int, height: int, scale: float = 1, mobile: bool = False) -> None:
    """The page's CSS viewport: a phone (mobile), or a desktop window zoomed (scale 2 = 200%)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile})


class Relay:
    """A TCP relay from the browser to Rasa; `cut()` drops every connection and refuses new
    ones until `restore()`: the widget sees the network go away and come back."""

    def __init__(self, target_port: int):
        self.target = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.up = False
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                except OSError:
                    pass
            self.sockets.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


class WebApp:
    """The Flask app on a free port in a thread (Werkzeug's threaded server)."""

    def __init__(self, port: int, config: dict):
        from werkzeug.serving import make_server

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.app = create_app(config)
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def start_widget_stack(model: Path, workdir: Path):
    """(stack, web app, relay), all on free ports; the caller stops them."""
    from bot.rasa_plugins.stack import Stack, free_port

    vendor = ROOT / "bot/web/static/vendor/socket.io.min.js"
    assert vendor.exists(), "the socket.io client is missing: run `make web-assets`"
    web_port = free_port()
    origin = f"http://127.0.0.1:{web_port}"
    stack = Stack(ROOT, model, workdir, env={"WEB_SECRET_KEY": SECRET, "WIDGET_ORIGINS": origin})
    stack.start()
    relay = Relay(stack.rasa_port)
    web = WebApp(web_port, {"SECRET_KEY": SECRET, "WIDGET_ORIGINS": (origin,),
                            "TRACKER_STORE_URL": stack.env["TRACKER_STORE_URL"],
                            "WIDGET_SOCKET_URL": f"http://127.0.0.1:{relay.port}"})
    return stack, web, relay


# ------------------------------------------------------------------ the page, from the outside

STATE = """
const host = document.querySelector('[data-intake-chat]');
if (!host) return null;
const root = host.shadowRoot;
const q = (s) => root.querySelector(s);
const focused = document.activeElement === host && root.activeElement
    ? (root.activeElement.className || root.activeElement.tagName) : null;
return {
  open: !q('.iw-panel').hidden,
  expanded: q('.iw-launcher').getAttribute('aria-expanded'),
  launcher: q('.iw-launcher').textContent.trim(),
  typing: !q('.iw-typing').hidden,
  status: q('.iw-status').textContent,
  counter: q('.iw-counter').textContent,
  focused: focused,
  messages: Array.from(root.querySelectorAll('.iw-msg')).map((node) => ({
    sender: node.classList.contains('iw-msg--client') ? 'client' : 'bot',
    text: node.querySelector('p').textContent,
    urgent: node.classList.contains('iw-msg--urgent'),
    role: node.getAttribute('role'),
    pending: node.classList.contains('iw-msg--pending'),
    notice: node.classList.contains('iw-msg--notice'),
  })),
};
"""


def state(driver) -> dict:
    return driver.execute_script(STATE)


def shadow(driver, selector: str):
    from selenium.webdriver.common.by import By

    host = driver.find_element(By.CSS_SELECTOR, "[data-intake-chat]")
    return host.shadow_root.find_element(By.CSS_SELECTOR, selector)


def wait_until(condition, timeout: float = 30, what: str = "condition"):
    """The condition's value once it is true; an element the page replaced while it was
    read (the page loading again after a form is sent) is read again, not a failure."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except StaleElementReferenceException as stale:
            last = stale
        else:
            if last:
                return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def fresh_page(driver, web: WebApp) -> None:
    """The demo page in a tab with no conversation yet."""
    driver.get(web.url + "/")
    driver.execute_script("window.sessionStorage.clear()")
    driver.get(web.url + "/")
    wait_until(lambda: state(driver), 10, "the widget")
    wait_until(lambda: driver.execute_script(
        "return document.querySelector('[data-intake-chat]').style.display !== 'none'"),
        10, "the widget's stylesheet")


def open_chat(driver) -> list[dict]:
    """Opens the panel; returns the messages once the first bot message is there."""
    shadow(driver, ".iw-launcher").click()
    return wait_until(lambda: [m for m in state(driver)["messages"] if m["sender"] == "bot"]
                      and state(driver)["messages"], 30, "the first bot message")


def say(driver, text: str, expect: tuple[str, ...] = (), timeout: float = 40) -> str:
    """Types `text` into the widget and sends it with Enter; returns the bot's reply texts
    once they hold every fragment of `expect` and the bot has finished its turn."""
    from selenium.webdriver.common.keys import Keys

    before = len(state(driver)["messages"])
    shadow(driver, ".iw-input").send_keys(text, Keys.ENTER)

    def replied():
        now = state(driver)
        reply = "\n".join(m["text"] for m in now["messages"][before:] if m["sender"] == "bot")
        done = reply and not now["typing"] and all(f.lower() in reply.lower() for f in expect)
        return reply if done else None

    try:
        return wait_until(replied, timeout, f"a reply to {text!r} with {expect}")
    except AssertionError:
        raise AssertionError(f"no reply to {text!r} with {expect}; got "
                             f"{[m['text'] for m in state(driver)['messages'][before:]]}")


def session_of(driver) -> str:
    token = driver.execute_script(f"return window.sessionStorage.getItem('{TOKEN_KEY}')")
    return tokens.session_id_of(token, key=tokens.signing_key(SECRET))


def stored(stack, conversation_id: str) -> dict:
    from tests.test_end_to_end import stored as exported

    return exported(stack, conversation_id)


def rect(driver, selector: str) -> dict:
    return driver.execute_script(
        "const r = document.querySelector('[data-intake-chat]').shadowRoot"
        ".querySelector(arguments[0]).getBoundingClientRect();"
        "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,"
        " width: r.width, height: r.height, vw: window.innerWidth, vh: window.innerHeight};",
        selector)


def inside_viewport(box: dict) -> bool:
    return (box["left"] >= -0.5 and box["top"] >= -0.5 and box["right"] <= box["vw"] + 0.5
            and box["bottom"] <= box["vh"] + 0.5 and box["width"] > 0 and box["height"] > 0)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def widget(trained_model, tmp_path_factory):
    need_browser()
    stack, web, relay = start_widget_stack(trained_model, tmp_path_factory.mktemp("widget"))
    try:
        yield stack, web, relay
    finally:
        relay.close()
        web.stop()
        stack.stop()


@pytest.fixture(scope="module")
def browser(widget):
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, widget):
    """A fresh tab state on the demo page at desktop size; (driver, stack, web, relay)."""
    stack, web, relay = widget
    relay.restore()
    viewport(browser, *DESKTOP)
    fresh_page(browser, web)
    return browser, stack, web, relay


# ------------------------------------------------------------------ the tests

def test_a_whole_intake_typed_into_the_widget_is_stored_with_channel_web(page):
    from tests.test_end_to_end import MEDICAL_INTAKE

    driver, stack, _, _ = page
    messages = open_chat(driver)
    first = messages[0]
    assert first["sender"] == "bot"  # the disclaimer comes first, before the client types
    assert "can't give medical advice" in first["text"] and "911" in first["text"]
    assert state(driver)["focused"] == "iw-input"
    say(driver, "hi there", ("What brings you in",))
    for message, expected in MEDICAL_INTAKE[1:]:
        say(driver, message, tuple(expected))
    intake = stored(stack, session_of(driver))
    assert intake["channel"] == "web" and intake["status"] == "new"
    assert intake["contact"]["name"] == "Dana Cole"
    assert intake["contact"]["phone"] == "+15552013344"
    assert "Dana Cole" in [m["text"] for m in intake["transcript"] if m["sender"] == "client"]
    texts = [m["text"] for m in state(driver)["messages"]]
    assert len(texts) == len(set(texts)) or texts.count("yes") == 1  # nothing shown twice


def test_a_reload_mid_intake_keeps_the_conversation(page):
    driver, stack, web, _ = page
    open_chat(driver)
    say(driver, "my neck has been stiff for 2 weeks, a 4/10, worse at my desk", ("safety",))
    say(driver, "none of those", ("1. ",))
    before = state(driver)["messages"]
    session = session_of(driver)

    driver.refresh()
    wait_until(lambda: state(driver) and state(driver)["launcher"] == "Continue chat", 10,
               "the launcher to offer the conversation")
    shadow(driver, ".iw-launcher").click()
    after = wait_until(lambda: len(state(driver)["messages"]) >= len(before)
                       and state(driver)["messages"], 20, "the history")
    assert [(m["sender"], m["text"]) for m in after] == [(m["sender"], m["text"]) for m in before]
    assert session_of(driver) == session
    say(driver, "the first one", ("name",))  # the form goes on where it was
    # only the token is kept in the browser: no text, no cookie
    storage = driver.execute_script(
        "return [Object.keys(sessionStorage), Object.keys(localStorage), document.cookie]")
    assert storage == [[TOKEN_KEY], [], ""]
    assert "neck" not in driver.execute_script(f"return sessionStorage.getItem('{TOKEN_KEY}')")
    history = requests.get(f"{web.url}/widget/history", timeout=10, headers={
        "Authorization": "Bearer " + driver.execute_script(
            f"return sessionStorage.getItem('{TOKEN_KEY}')")}).json()["messages"]
    assert [m["text"] for m in history] == [m["text"] for m in state(driver)["messages"]]


def test_a_message_typed_while_the_network_is_down_is_sent_once_when_it_is_back(page):
    driver, _, web, relay = page
    open_chat(driver)
    say(driver, "i want a relaxing massage, work has been stressful", ("safety",))
    relay.cut()
    wait_until(lambda: "Reconnecting" in state(driver)["status"]
               or "Trying again" in state(driver)["status"], 15, "the widget to notice")
    from selenium.webdriver.common.keys import Keys

    shadow(driver, ".iw-input").send_keys("none of those", Keys.ENTER)
    pending = [m for m in state(driver)["messages"] if m["text"] == "none of those"]
    assert pending and pending[0]["pending"]
    time.sleep(2)
    token = driver.execute_script(f"return sessionStorage.getItem('{TOKEN_KEY}')")
    history = lambda: requests.get(f"{web.url}/widget/history", timeout=10, headers={
        "Authorization": f"Bearer {token}"}).json()["messages"]
    assert "none of those" not in [m["text"] for m in history()]  # it has not left the page

    relay.restore()
    wait_until(lambda: any("relaxation" in m["text"].lower() or "swedish" in m["text"].lower()
                           for m in state(driver)["messages"][-3:]) and not state(driver)["typing"],
               40, "the reply after reconnecting")
    assert state(driver)["status"] == ""
    sent = [m["text"] for m in history()].count("none of those")
    assert sent == 1
    assert [m["text"] for m in state(driver)["messages"]].count("none of those") == 1
    assert not any(m["pending"] for m in state(driver)["messages"])


def test_an_html_payload_is_shown_as_text(page):
    from selenium.common.exceptions import NoAlertPresentException

    driver, _, _, _ = page
    open_chat(driver)
    say(driver, XSS)
    for reloaded in (False, True):
        if reloaded:  # the history is rendered the same way
            driver.refresh()
            wait_until(lambda: state(driver) and len(state(driver)["messages"]) >= 2, 20, "history")
        mine = [m for m in state(driver)["messages"] if m["sender"] == "client"]
        assert mine[-1]["text"] == XSS
        assert driver.execute_script(
            "return document.querySelector('[data-intake-chat]').shadowRoot"
            ".querySelectorAll('.iw-log img, .iw-log script').length") == 0
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text


def test_keyboard_only_open_type_send_close_with_escape(page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver, _, _, _ = page
    keys = lambda *k: ActionChains(driver).send_keys(*k).perform()
    for _ in range(40):  # Tab through the page to the launcher
        keys(Keys.TAB)
        if state(driver)["focused"] == "iw-launcher":
            break
    assert state(driver)["focused"] == "iw-launcher"
    keys(Keys.ENTER)
    wait_until(lambda: state(driver)["open"] and state(driver)["messages"], 30, "the panel")
    assert state(driver)["expanded"] == "true" and state(driver)["focused"] == "iw-input"
    keys("my hip aches when i run")
    assert state(driver)["counter"].startswith("23 / 1000")
    count = len(state(driver)["messages"])
    keys(Keys.ENTER)
    wait_until(lambda: len(state(driver)["messages"]) > count + 1 and not state(driver)["typing"],
               30, "the reply")
    assert state(driver)["focused"] == "iw-input"
    keys(Keys.TAB)
    assert state(driver)["focused"] == "iw-send"
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    assert state(driver)["focused"] == "iw-input"
    keys(Keys.ESCAPE)
    now = state(driver)
    assert not now["open"] and now["expanded"] == "false" and now["focused"] == "iw-launcher"
    keys(Keys.ENTER)  # open again: the conversation is still there
    wait_until(lambda: state(driver)["open"], 5, "the panel again")
    assert len(state(driver)["messages"]) > count + 1 and state(driver)["focused"] == "iw-input"
    # the close button, by keyboard: Shift+Tab from the log region reaches it
    shadow(driver, ".iw-close").send_keys(Keys.ENTER)
    assert state(driver)["focused"] == "iw-launcher" and not state(driver)["open"]


def test_controls_are_labelled_and_new_messages_announced(page):
    driver, _, _, _ = page
    open_chat(driver)
    nodes = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    named = {(n.get("role", {}).get("value"), n.get("name", {}).get("value"))
             for n in nodes if not n.get("ignored")}
    for role, name in (("button", "Chat with us"), ("button", "Close chat"),
                       ("textbox", "Your message"), ("button", "Send"), ("log", "Conversation"),
                       ("dialog", "Chat with Main Street Medical Massage")):
        assert (role, name) in named, (role, name, sorted(x for x in named if x[0] == role))
    live = driver.execute_script(
        "const l = document.querySelector('[data-intake-chat]').shadowRoot.querySelector('.iw-log');"
        "return [l.getAttribute('role'), l.getAttribute('aria-live')]")
    assert live == ["log", "polite"]
    assert driver.execute_script(
        "return document.querySelector('[data-intake-chat]').shadowRoot"
        ".querySelector('.iw-input').maxLength") == 1000


def test_an_emergency_mid_form_is_shown_as_an_alert(page):
    driver, stack, _, _ = page
    open_chat(driver)
    say(driver, "my shoulder has been sore for months", ())
    say(driver, "about 4 weeks, a 5/10, worse reaching overhead", ())
    say(driver, "omg wait my chest feels really tight and heavy and i cant catch my breath",
        ("911", "emergency department"))
    messages = state(driver)["messages"]
    alerts = [m for m in messages if m["urgent"]]
    assert alerts and all(m["role"] == "alert" for m in alerts)
    assert "911" in alerts[-1]["text"]
    assert not any(m["urgent"] for m in messages[:-len(alerts)] if m["sender"] == "bot"
                   and "911 right away" not in m["text"])
    looks = driver.execute_script(
        "const all = document.querySelector('[data-intake-chat]').shadowRoot"
        ".querySelectorAll('.iw-msg--bot');"
        "const style = (n) => { const s = getComputedStyle(n);"
        " return [s.backgroundColor, s.borderLeftWidth, s.color, s.fontWeight]; };"
        "return [style(all[0]), style(all[all.length - 1])];")
    assert looks[0] != looks[1]  # visibly distinct from an ordinary bot message
    nodes = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    assert any(n.get("role", {}).get("value") == "alert" for n in nodes)
    intake = stored(stack, session_of(driver))
    assert intake["status"] == "emergency" and intake["channel"] == "web"


def test_a_forged_session_id_is_refused(page):
    """A second visitor (their own valid token) asks for the first one's session id."""
    driver, _, web, _ = page
    open_chat(driver)
    say(driver, "my lower back hurts", ())
    victim = session_of(driver)
    victim_token = driver.execute_script(f"return sessionStorage.getItem('{TOKEN_KEY}')")
    history = lambda: requests.get(f"{web.url}/widget/history", timeout=10, headers={
        "Authorization": f"Bearer {victim_token}"}).json()["messages"]
    before = history()
    attacker = requests.post(f"{web.url}/widget/session", json={"practice": "main-street"},
                             timeout=10).json()
    assert attacker["session_id"] != victim
    outcome = driver.execute_async_script("""
const [url, path, attackerToken, victimId, done] = arguments;
const events = [];
const tag = document.createElement('script');
tag.src = '/widget/vendor/socket.io.min.js';
tag.onload = () => {
  const io = window.io;
  const run = (auth, steps) => new Promise((resolve) => {
    const s = io(url, {path: path, transports: ['websocket'], auth: auth, reconnection: false,
                       forceNew: true});
    const seen = [];
    s.on('connect', () => { seen.push('connect'); steps(s); });
    s.on('connect_error', (e) => { seen.push('connect_error:' + e.message); resolve(seen); });
    s.on('session_confirm', (id) => seen.push('confirm:' + id));
    s.on('session_refused', () => seen.push('refused'));
    s.on('bot_uttered', (m) => seen.push('bot:' + (m.text || '')));
    s.on('disconnect', (reason) => { seen.push('disconnect:' + reason); resolve(seen); });
    setTimeout(() => { s.close(); resolve(seen); }, 8000);
  });
  (async () => {
    const asks = await run({token: attackerToken},
                           (s) => s.emit('session_request', {session_id: victimId}));
    const writes = await run({token: attackerToken}, (s) => s.emit('user_uttered',
        {message: 'my name is Mallory, cancel it', session_id: victimId}));
    const none = await run({}, () => {});
    const victims = await run({token: 'eyJhbGciOiJIUzI1NiJ9.e30.forged'}, () => {});
    done({asks, writes, none, victims});
  })();
};
document.head.appendChild(tag);
""", attacker["socket_url"], attacker["socket_path"], attacker["token"], victim)
    assert outcome["asks"] == ["connect", "refused", "disconnect:io server disconnect"]
    assert outcome["writes"] == ["connect", "refused", "disconnect:io server disconnect"]
    assert outcome["none"] == ["connect_error:invalid token"]
    assert outcome["victims"] == ["connect_error:invalid token"]
    time.sleep(1)
    assert history() == before  # nothing written to the victim's conversation


def test_a_page_on_another_origin_cannot_connect(widget):
    """Websockets ignore CORS: the channel checks the Origin itself (Socket.IO protocol 5 by
    hand: the engine.io open packet, then CONNECT with the token)."""
    import json

    import websocket

    stack, web, _ = widget
    token = requests.post(f"{web.url}/widget/session", json={"practice": "main-street"},
                          timeout=10).json()["token"]
    url = f"ws://127.0.0.1:{stack.rasa_port}/socket.io/?EIO=4&transport=websocket"
    answers = {}
    for origin in ("https://evil.example", web.url):
        connection = websocket.create_connection(url, origin=origin, timeout=10)
        try:
            assert connection.recv().startswith("0{")  # engine.io open
            connection.send("40" + json.dumps({"token": token}))
            answers[origin] = connection.recv()
        finally:
            connection.close()
    assert answers["https://evil.example"] == '44{"message":"origin not allowed"}'
    assert answers[web.url].startswith('40{"sid":')


def test_typing_indicator_counter_and_input_limit(page):
    driver, _, _, _ = page
    open_chat(driver)
    driver.execute_script("""
const root = document.querySelector('[data-intake-chat]').shadowRoot;
window.__typingSeen = false;
new MutationObserver(() => { if (!root.querySelector('.iw-typing').hidden) window.__typingSeen = true; })
  .observe(root.querySelector('.iw-typing'), {attributes: true});
""")
    say(driver, "my knees ache after hiking", ())
    assert driver.execute_script("return window.__typingSeen") is True
    assert state(driver)["typing"] is False
    box = shadow(driver, ".iw-input")
    box.send_keys("x" * 1010)
    assert len(box.get_attribute("value")) == 1000
    assert state(driver)["counter"] == "1000 / 1000 characters"
    assert "iw-counter--near" in shadow(driver, ".iw-counter").get_attribute("class")


def contrast(foreground: str, background: str) -> float:
    def luminance(css: str) -> float:
        channels = [float(x) for x in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
        linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
                  for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


COLOURS = """
const root = document.querySelector('[data-intake-chat]').shadowRoot;
const background = (node) => {
  for (; node && node.nodeType === 1; node = node.parentElement || node.getRootNode().host) {
    const c = getComputedStyle(node).backgroundColor;
    if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
  }
  return 'rgb(255, 255, 255)';
};
return arguments[0].map((selector) => {
  const node = root.querySelector(selector);
  if (!node) return [selector, null, null, 0, 0];
  const s = getComputedStyle(node);
  return [selector, s.color, background(node), parseFloat(s.fontSize), parseInt(s.fontWeight)];
});
"""


def test_contrast_meets_wcag_aa(page):
    driver, _, _, _ = page
    open_chat(driver)
    say(driver, "sudden crushing chest pain going down my left arm", ("911",))
    selectors = [".iw-launcher", ".iw-title", ".iw-close", ".iw-note", ".iw-msg--bot p",
                 ".iw-msg--client p", ".iw-msg--urgent p", ".iw-urgent-label", ".iw-counter",
                 ".iw-send", ".iw-input"]
    for selector, fg, bg, size, weight in driver.execute_script(COLOURS, selectors):
        assert fg, f"{selector} not found"
        large = size >= 24 or (size >= 18.66 and weight >= 700)
        ratio = contrast(fg, bg)
        assert ratio >= (3 if large else 4.5), (selector, fg, bg, round(ratio, 2))


def test_phone_size_the_panel_fills_the_screen(page):
    driver, _, web, _ = page
    viewport(driver, 360, 740, scale=2, mobile=True)
    fresh_page(driver, web)
    open_chat(driver)
    panel = rect(driver, ".iw-panel")
    assert (panel["left"], panel["top"], panel["width"], panel["height"]) == (0, 0, 360, 740)
    for control in (".iw-input", ".iw-send", ".iw-close", ".iw-counter"):
        assert inside_viewport(rect(driver, control)), control
    assert driver.execute_script(
        "const p = document.querySelector('[data-intake-chat]').shadowRoot.querySelector('.iw-panel');"
        "return p.scrollWidth <= p.clientWidth && document.documentElement.scrollWidth <= 360")
    say(driver, "my neck hurts when i look down at my phone", ())
    assert inside_viewport(rect(driver, ".iw-send"))


def test_at_200_percent_zoom_everything_is_reachable(page):
    driver, _, web, _ = page
    viewport(driver, DESKTOP[0] // 2, DESKTOP[1] // 2, scale=2)  # a 1280x800 window at 200%
    fresh_page(driver, web)
    assert inside_viewport(rect(driver, ".iw-launcher"))
    open_chat(driver)
    for control in (".iw-panel", ".iw-title", ".iw-close", ".iw-log", ".iw-input", ".iw-send",
                    ".iw-counter"):
        assert inside_viewport(rect(driver, control)), (control, rect(driver, control))
    assert rect(driver, ".iw-log")["height"] >= 60  # room to read the conversation
    say(driver, "a tension headache every afternoon", ())
    assert inside_viewport(rect(driver, ".iw-input"))

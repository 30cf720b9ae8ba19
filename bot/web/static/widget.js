/*
 * The intake chat widget. A practice pastes one tag into its site:
 *
 *   <script src="https://clinic.example/widget.js" data-practice="main-street" defer></script>
 *
 * It adds a launcher button and a chat panel (in a shadow root, so the page's styles and
 * the widget's stay apart), and talks to Rasa's socket.io channel with a session token the
 * web app signs (POST /widget/session). Only that token is kept in the browser
 * (sessionStorage: this tab only); after a reload or a dropped network the widget rejoins the
 * same conversation and shows its history (GET /widget/history). Messages typed while offline
 * wait in memory and are sent, once, on reconnect (each has an id; the server acknowledges it
 * and ignores a repeat). Every text is put in the page with textContent, never as HTML.
 * Plain JavaScript, no framework, no build step.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__intakeChatWidget) return;
  window.__intakeChatWidget = true;

  var BASE = script.src.replace(/\/widget\.js(?:[?#].*)?$/, "");
  var PRACTICE = script.getAttribute("data-practice") || "";
  var MAX_CHARS = 1000;
  var TOKEN_KEY = "intakeChat.token." + PRACTICE;
  var ACK_TIMEOUT_MS = 30000;
  var SR_PREFIX = { bot: "Assistant: ", client: "You: " };

  // ------------------------------------------------------------------ the page's elements
  var host = document.createElement("div");
  host.setAttribute("data-intake-chat", "");
  host.style.display = "none"; // until the stylesheet has loaded
  var root = host.attachShadow({ mode: "open" });

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text != null) node.textContent = text;
    return node;
  }
  function svgIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  var style = el("link", { rel: "stylesheet", href: BASE + "/widget.css" });
  style.addEventListener("load", function () { host.style.display = ""; });
  style.addEventListener("error", function () { host.style.display = ""; });

  var launcher = el("button", { type: "button", "class": "iw-launcher", "aria-expanded": "false",
                                "aria-controls": "iw-panel", "aria-haspopup": "dialog" });
  var launcherLabel = el("span", {}, "Chat with us");
  launcher.appendChild(svgIcon());
  launcher.appendChild(launcherLabel);

  var panel = el("div", { id: "iw-panel", "class": "iw-panel", role: "dialog",
                          "aria-labelledby": "iw-title", "aria-describedby": "iw-note" });
  panel.hidden = true;
  var header = el("div", { "class": "iw-header" });
  var title = el("h2", { id: "iw-title", "class": "iw-title" }, "Chat with us");
  var closeButton = el("button", { type: "button", "class": "iw-close", "aria-label": "Close chat" }, "\u00d7");
  header.appendChild(title);
  header.appendChild(closeButton);
  var note = el("p", { id: "iw-note", "class": "iw-note" },
                "An automated intake assistant. Not for emergencies: call 911.");
  var status = el("p", { "class": "iw-status", role: "status" });
  var log = el("div", { "class": "iw-log", role: "log", "aria-live": "polite",
                        "aria-label": "Conversation", tabindex: "0" });
  var typing = el("p", { "class": "iw-typing" });
  typing.hidden = true;
  typing.appendChild(document.createTextNode("The assistant is typing"));
  var dots = el("span", { "class": "iw-dots", "aria-hidden": "true" });
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  typing.appendChild(dots);

  var form = el("form", { "class": "iw-form", novalidate: "" });
  var label = el("label", { "for": "iw-input", "class": "iw-visually-hidden" }, "Your message");
  var input = el("textarea", { id: "iw-input", "class": "iw-input", rows: "2",
                               maxlength: String(MAX_CHARS), "aria-describedby": "iw-counter",
                               placeholder: "Type your message", autocomplete: "off" });
  var row = el("div", { "class": "iw-row" });
  var counter = el("span", { id: "iw-counter", "class": "iw-counter" });
  var send = el("button", { type: "submit", "class": "iw-send" }, "Send");
  row.appendChild(counter);
  row.appendChild(send);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(row);

  [header, note, status, log, typing, form].forEach(function (node) { panel.appendChild(node); });
  [style, launcher, panel].forEach(function (node) { root.appendChild(node); });

  function mount() { document.body.appendChild(host); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  // ------------------------------------------------------------------ state
  var token = null;
  var sessionId = null;
  var socketUrl = null;
  var socketPath = "/socket.io";
  var socket = null;
  var confirmedOnce = false;
  var confirmed = false;
  var started = false;
  var shown = {};          // message ids already in the log
  var outbox = [];         // {message, message_id, session_id, node, inFlight}
  var fullScreen = window.matchMedia("(max-width: 480px), (max-height: 540px)");

  function readToken() {
    try { return window.sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }
  function writeToken(value) {
    try {
      if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* storage off: the conversation lasts as long as the page */ }
  }
  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function setStatus(text) { status.textContent = text || ""; }

  // ------------------------------------------------------------------ the transcript
  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function render(message, before) {
    if (message.id && shown[message.id]) return shown[message.id];
    var sender = message.sender === "client" ? "client" : "bot";
    var node = el("div", { "class": "iw-msg iw-msg--" + sender });
    if (message.urgent) {
      node.className += " iw-msg--urgent";
      node.setAttribute("role", "alert");
      node.appendChild(el("strong", { "class": "iw-urgent-label" }, "Urgent"));
    } else {
      node.appendChild(el("span", { "class": "iw-visually-hidden" }, SR_PREFIX[sender]));
    }
    node.appendChild(el("p", {}, String(message.text == null ? "" : message.text)));
    if (message.buttons && message.buttons.length) {
      var group = el("div", { "class": "iw-choices", role: "group", "aria-label": "Choices" });
      message.buttons.forEach(function (choice) {
        var button = el("button", { type: "button", "class": "iw-choice" }, String(choice.title || ""));
        button.addEventListener("click", function () {
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) { b.disabled = true; });
          submit(String(choice.payload || choice.title || ""), String(choice.title || ""));
        });
        group.appendChild(button);
      });
      node.appendChild(group);
    }
    if (message.id) {
      node.setAttribute("data-id", message.id);
      shown[message.id] = node;
    }
    log.insertBefore(node, before || null);
    scrollDown();
    return node;
  }

  function notice(text) {
    render({ sender: "bot", text: text }).className = "iw-msg iw-msg--notice";
  }

  function renderQuietly(messages) {
    // a restored transcript is there to read, not to be read out all at once
    log.setAttribute("aria-live", "off");
    messages.forEach(function (message) { render(message); });
    window.setTimeout(function () { log.setAttribute("aria-live", "polite"); }, 0);
  }

  // ------------------------------------------------------------------ the web app
  function api(path, options) {
    options = options || {};
    options.credentials = "omit";
    options.headers = options.headers || {};
    if (token) options.headers.Authorization = "Bearer " + token;
    return window.fetch(BASE + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.error || ("HTTP " + response.status));
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  function adopt(body) {
    sessionId = body.session_id;
    socketUrl = body.socket_url;
    socketPath = body.socket_path || socketPath;
    if (body.practice_name) title.textContent = "Chat with " + body.practice_name;
  }

  function newSession() {
    return api("/widget/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ practice: PRACTICE })
    }).then(function (body) {
      token = body.token;
      writeToken(token);
      adopt(body);
      connect();
    });
  }

  function restore() {
    return api("/widget/history").then(function (body) {
      adopt(body);
      renderQuietly(body.messages || []);
      connect();
    }, function (error) {
      if (error.status === 401) { // expired or from another key: a new conversation
        token = null;
        writeToken(null);
        if (log.childNodes.length) notice("Your earlier chat has ended. This is a new conversation.");
        return newSession();
      }
      throw error;
    });
  }

  function catchUp() {
    // after a dropped connection: whatever the bot said meanwhile
    return api("/widget/history").then(function (body) {
      // before the messages still waiting to be sent, which come after them
      var waiting = outbox.length ? outbox[0].node : null;
      (body.messages || []).forEach(function (message) {
        if (!shown[message.id]) render(message, waiting);
      });
    }, function () { /* the next reconnect tries again */ });
  }

  function failed() {
    setStatus("The chat is not available right now. Please try again later or call the clinic. " +
              "If this is an emergency, call 911.");
  }

  function start() {
    if (started) return;
    started = true;
    setStatus("Connecting\u2026");
    loadSocketIo().then(function () {
      token = readToken();
      return token ? restore() : newSession();
    }).catch(function () { started = false; failed(); });
  }

  // ------------------------------------------------------------------ socket.io
  var ioLoaded = null;
  function loadSocketIo() {
    if (!ioLoaded) {
      ioLoaded = new Promise(function (resolve, reject) {
        var previous = window.io;
        var tag = document.createElement("script");
        tag.src = BASE + "/widget/vendor/socket.io.min.js";
        tag.async = true;
        tag.onload = function () {
          var io = window.io;
          if (previous === undefined) { try { delete window.io; } catch (e) { window.io = undefined; } }
          else window.io = previous; // the page's own socket.io stays the page's
          if (io) resolve(io); else reject(new Error("socket.io client missing"));
        };
        tag.onerror = function () { ioLoaded = null; reject(new Error("socket.io client missing")); };
        document.head.appendChild(tag);
      });
    }
    return ioLoaded;
  }

  function connect() {
    ioLoaded.then(function (io) {
      if (socket) socket.disconnect();
      socket = io(socketUrl, {
        path: socketPath,
        transports: ["websocket"], // no cross-origin polling, and no sticky sessions needed
        auth: { token: token },
        reconnectionDelayMax: 10000
      });
      socket.on("connect", function () {
        socket.emit("session_request", { session_id: sessionId });
      });
      socket.on("session_confirm", function () {
        var again = confirmedOnce;
        confirmed = confirmedOnce = true;
        setStatus("");
        (again ? catchUp() : Promise.resolve()).then(flush);
      });
      socket.on("bot_uttered", function (message) {
        if (message && typeof message === "object" && !message.custom) render(message);
      });
      socket.on("session_refused", function () {
        confirmed = false;
        setStatus("This chat could not be continued. Reload the page to start a new one.");
      });
      socket.on("connect_error", function (error) {
        confirmed = false;
        if (error && error.message === "invalid token") {
          socket.disconnect();
          token = null;
          writeToken(null);
          notice("Your earlier chat has ended. This is a new conversation.");
          newSession().catch(failed);
        } else if (error && error.message === "origin not allowed") {
          socket.disconnect();
          failed();
        } else {
          setStatus("Can't reach the chat. Trying again\u2026 Messages you send will go when it's back.");
        }
      });
      socket.on("disconnect", function (reason) {
        confirmed = false;
        outbox.forEach(function (item) { item.inFlight = false; });
        setTyping(false);
        if (reason === "io server disconnect") return; // refused: session_refused said why
        setStatus("Connection lost. Reconnecting\u2026 Messages you send will go when it's back.");
      });
    });
  }

  // ------------------------------------------------------------------ sending
  function setTyping(on) {
    typing.hidden = !on;
    if (on) scrollDown();
  }

  function flush() {
    if (!confirmed || !socket) return;
    outbox.forEach(function (item) {
      if (item.inFlight) return;
      item.inFlight = true;
      item.node.classList.remove("iw-msg--pending");
      setTyping(true);
      socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", {
        message: item.message, message_id: item.message_id, session_id: sessionId
      }, function (error) {
        if (error) { // no answer in time: sent again on the next (re)connect, once
          item.inFlight = false;
          setTyping(false);
          return;
        }
        outbox.splice(outbox.indexOf(item), 1);
        if (!outbox.some(function (other) { return other.inFlight; })) setTyping(false);
      });
    });
  }

  function submit(text, display) {
    text = String(text || "").slice(0, MAX_CHARS);
    if (!text.trim()) return false;
    var id = randomId();
    var node = render({ id: "c" + id, sender: "client", text: display || text });
    if (!confirmed) node.classList.add("iw-msg--pending");
    outbox.push({ message: text, message_id: id, node: node, inFlight: false });
    if (!started) start();
    flush();
    return true;
  }

  function updateCounter() {
    var used = input.value.length;
    counter.textContent = used + " / " + MAX_CHARS + " characters";
    counter.classList.toggle("iw-counter--near", used >= MAX_CHARS * 0.9);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submit(input.value)) {
      input.value = "";
      updateCounter();
    }
    input.focus();
  });
  input.addEventListener("input", updateCounter);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  updateCounter();

  // ------------------------------------------------------------------ open and close
  function focusables() {
    return Array.prototype.filter.call(
      panel.querySelectorAll("button, textarea, [tabindex='0']"),
      function (node) { return !node.disabled && node.offsetParent !== null; });
  }

  function openPanel() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (fullScreen.matches) panel.setAttribute("aria-modal", "true");
    else panel.removeAttribute("aria-modal");
    input.focus();
    scrollDown();
    start();
  }

  function closePanel() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) openPanel(); else closePanel();
  });
  closeButton.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      closePanel();
    } else if (event.key === "Tab" && fullScreen.matches) {
      // the panel covers the page: Tab stays inside it
      var items = focusables();
      var first = items[0], last = items[items.length - 1];
      var active = root.activeElement;
      if (event.shiftKey && active === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && active === last) { event.preventDefault(); first.focus(); }
    }
  });

  // A tab that already has a conversation picks it up again at once (after a reload or on
  // another page of the site), so it is ready when the client opens the panel.
  if (readToken()) {
    launcherLabel.textContent = "Continue chat";
    start();
  }
})();

/* The chat page: no framework, no cookie, no request to anyone but this server.
   The conversation lives in this tab: a random id in sessionStorage names it to the server,
   which keeps only where the conversation is (by an HMAC of the id), never the messages. */
(function () {
  "use strict";
  var conf = JSON.parse(document.getElementById("conf").textContent);
  var ui = conf.ui;
  var log = document.getElementById("log");
  var note = document.getElementById("note");
  var say = document.getElementById("say");
  var msg = document.getElementById("msg");
  var place = document.getElementById("place");
  var placeInput = document.getElementById("place-input");
  var KEY = "fwb-session";
  var busy = false;
  var gone = false;

  function newSession() {
    var bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    var s = btoa(String.fromCharCode.apply(null, bytes));
    s = s.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    try { sessionStorage.setItem(KEY, s); } catch (e) { /* private mode: this page only */ }
    return s;
  }

  function session() {
    var s = null;
    try { s = sessionStorage.getItem(KEY); } catch (e) { s = null; }
    return s && /^[A-Za-z0-9_-]{22,64}$/.test(s) ? s : newSession();
  }

  var sid = session();

  /* "Quitter vite": erase on the server, clear the page, leave without a way Back. */
  function quit() {
    if (gone) { return; }
    gone = true;
    var body = JSON.stringify({ session: sid });
    try { sessionStorage.clear(); } catch (e) { /* nothing stored */ }
    log.textContent = "";
    document.title = "";
    document.body.textContent = "";
    try {
      fetch("api/exit", { method: "POST", keepalive: true, body: body,
                          headers: { "Content-Type": "application/json" } });
    } catch (e) { /* the tab leaves anyway; the state expires by itself */ }
    try { window.top.location.replace(conf.exit); } catch (e) { location.replace(conf.exit); }
  }

  document.getElementById("exit").addEventListener("click", quit);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" || ev.key === "Esc") { quit(); }
  });
  /* a page restored from the back-forward cache shows nothing of the conversation */
  window.addEventListener("pageshow", function (ev) {
    if (ev.persisted) { log.textContent = ""; sid = newSession(); start(); }
  });

  function labels(strings) {
    ui = strings || ui;
    var items = document.querySelectorAll("[data-ui]");
    for (var i = 0; i < items.length; i++) {
      var text = ui[items[i].getAttribute("data-ui")];
      if (text) { items[i].textContent = text; }
    }
    msg.setAttribute("placeholder", ui.web_message);
    document.title = ui.web_title;
  }

  function showNote(text) {
    note.textContent = text || "";
    note.hidden = !text;
  }

  /* Bot text as nodes: lines kept, web addresses and isolated phone numbers as links,
     "/command" words as buttons that send the command. */
  var TOKEN = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)])|\u2068(\+?[0-9][0-9 .\/-]{1,18}[0-9]|[0-9]{3,})\u2069|(^|[\s(])(\/[a-z]{2,16})(?=[\s.,;:!?)]|$)/g;

  function richText(parent, text) {
    var last = 0;
    var m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      var start = m.index + (m[3] ? m[3].length : 0);
      parent.appendChild(document.createTextNode(text.slice(last, start)));
      if (m[1]) {
        var a = document.createElement("a");
        a.href = m[1];
        a.rel = "noopener noreferrer";
        a.target = "_blank";
        a.textContent = m[1];
        parent.appendChild(a);
      } else if (m[2]) {
        var tel = document.createElement("a");
        tel.href = "tel:" + m[2].replace(/[^0-9+]/g, "");
        tel.textContent = "\u2068" + m[2] + "\u2069";
        parent.appendChild(tel);
      } else {
        var cmd = document.createElement("button");
        cmd.type = "button";
        cmd.className = "cmd";
        cmd.dir = "ltr";
        cmd.textContent = m[4];
        cmd.setAttribute("data-text", m[4]);
        parent.appendChild(cmd);
      }
      last = m.index + m[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function bubble(who, dir) {
    var li = document.createElement("div");
    li.className = "msg " + who;
    li.tabIndex = -1;
    if (dir) { li.dir = dir; }
    var label = document.createElement("span");
    label.className = "sr-only";
    label.textContent = (who === "me" ? ui.web_you : ui.web_bot) + " ";
    li.appendChild(label);
    log.appendChild(li);
    return li;
  }

  function addMine(text) {
    var span = document.createElement("span");
    span.dir = "auto";  // the direction of what was typed, not of the page
    span.textContent = text;
    bubble("me", "").appendChild(span);
  }

  function addReply(reply, dir) {
    var li = bubble("bot", dir);
    var p = document.createElement("p");
    p.className = "pre";
    richText(p, reply.text);
    li.appendChild(p);
    if (reply.venue) {
      var v = document.createElement("p");
      v.className = "venue";
      v.textContent = "📍 " + reply.venue.title + " — " + reply.venue.address;
      li.appendChild(v);
    }
    for (var r = 0; r < reply.buttons.length; r++) {
      var row = document.createElement("div");
      row.className = "choices";
      for (var b = 0; b < reply.buttons[r].length; b++) {
        var spec = reply.buttons[r][b];
        var el;
        if (spec.url) {
          el = document.createElement("a");
          el.href = spec.url;
          el.rel = "noopener noreferrer";
          el.target = "_blank";
          el.className = "choice link";
        } else {
          el = document.createElement("button");
          el.type = "button";
          el.className = "choice";
          el.setAttribute("data-choice", spec.data);
        }
        el.textContent = spec.label;
        row.appendChild(el);
      }
      li.appendChild(row);
    }
    return li;
  }

  function render(data, focusReply) {
    if (data.forget) {  // /forget: the page forgets too, and the tab gets a new id
      log.textContent = "";
      sid = newSession();
    }
    if (data.lang) {
      document.documentElement.lang = data.lang;
      document.documentElement.dir = data.dir;
    }
    labels(data.ui);
    var first = null;
    var replies = data.replies || [];
    for (var i = 0; i < replies.length; i++) {
      var li = addReply(replies[i], data.dir);
      first = first || li;
    }
    place.hidden = data.ask !== "place";
    if (!place.hidden) { placeInput.value = ""; }
    if (first && focusReply) {
      first.focus();
    } else if (first) {
      first.scrollIntoView({ block: "start" });
    }
  }

  function send(event, focusReply) {
    if (busy || gone) { return; }
    busy = true;
    log.setAttribute("aria-busy", "true");
    showNote("");
    var body = { session: sid, event: event, lang: conf.lang || navigator.language || "" };
    fetch("api/turn", { method: "POST", body: JSON.stringify(body),
                        headers: { "Content-Type": "application/json" } })
      .then(function (res) {
        return res.json().then(function (data) { return { ok: res.ok, data: data }; });
      })
      .then(function (r) {
        if (r.data && r.data.replies) { render(r.data, focusReply); }
      })
      .catch(function () { showNote(ui.web_offline); })
      .then(function () {
        busy = false;
        log.removeAttribute("aria-busy");
      });
  }

  function start() { send({ type: "start" }, false); }

  log.addEventListener("click", function (ev) {
    var target = ev.target.closest ? ev.target.closest("button") : null;
    if (!target) { return; }
    if (target.hasAttribute("data-choice")) {
      send({ type: "press", data: target.getAttribute("data-choice") }, true);
    } else if (target.hasAttribute("data-text")) {
      send({ type: "text", text: target.getAttribute("data-text") }, true);
    }
  });

  say.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = msg.value.trim();
    if (!text || busy) { return; }
    addMine(text);
    msg.value = "";
    send({ type: "text", text: text }, false);
    msg.focus();
  });
  msg.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) {
      ev.preventDefault();
      say.requestSubmit ? say.requestSubmit() : say.dispatchEvent(new Event("submit"));
    }
  });

  place.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = placeInput.value.trim();
    if (!text || busy) { return; }
    addMine(text);
    send({ type: "text", text: text }, true);
  });

  document.getElementById("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { showNote(ui.web_locate_failed); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      send({ type: "location", lat: pos.coords.latitude, lon: pos.coords.longitude }, true);
    }, function () {
      showNote(ui.web_locate_failed);
      placeInput.focus();
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  });

  var langButton = document.getElementById("lang");
  langButton.addEventListener("click", function () {
    send({ type: "text", text: "/language" }, true);
  });
  langButton.hidden = false;
  say.hidden = false;
  start();
}());

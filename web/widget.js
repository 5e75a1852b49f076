/* govqa chat widget: one <script> tag adds an accessible chat panel that quotes the site.
 * No build, no framework. Server text is only ever inserted with textContent. */
(function () {
  "use strict";
  if (window.__govqaWidget) return; // a second tag on the page must not add a second widget
  window.__govqaWidget = true;

  var script = document.currentScript || document.querySelector("script[src*='widget.js']");
  var data = (script && script.dataset) || {};
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var API = (data.api || scriptOrigin).replace(/\/+$/, "");
  var TITLE = data.title || "Ask a question";
  var ACCENT = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(data.accent || "") ? data.accent : "#1a5aa6";
  var TIMEOUT_MS = Number(data.timeout) > 0 ? Number(data.timeout) : 20000;
  var STORE_KEY = "govqa:" + API;
  var MAX_KEPT = 60; // messages kept in sessionStorage

  // ---- state, kept in sessionStorage so the conversation survives navigation ----
  var state = load();
  var busy = null; // the AbortController of the request in flight

  function load() {
    try {
      var s = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      if (s && Array.isArray(s.messages)) return s;
    } catch (e) { /* storage disabled or corrupt: start afresh */ }
    return { conversation_id: null, messages: [], open: false };
  }
  function save() {
    state.messages = state.messages.slice(-MAX_KEPT);
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) { /* quota */ }
  }

  // ---- tiny DOM helpers: every string goes in through textContent ----
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = v;
        else if (k === "class") node.className = v;
        else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  // Only http(s) URLs become links; anything else (javascript:, data:, ...) stays text.
  function safeUrl(u) {
    if (typeof u !== "string" || !u) return null;
    try {
      var url = new URL(u, location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) { return null; }
  }
  function link(url, text, label) {
    var href = safeUrl(url);
    if (!href) return el("span", { class: "gq-nolink", text: text });
    return el("a", { href: href, "aria-label": label || null, text: text });
  }
  function str(v) { return typeof v === "string" ? v : ""; }
  // Icons as inline SVG (Material Icons paths, Apache-2.0): no emoji font needed.
  var ICONS = {
    chat: "M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2z",
    up: "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z",
    down: "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z",
  };
  function icon(name) {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "gq-svg");
    var path = document.createElementNS(NS, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  // Matched terms as <mark>, from [start, end] offsets into the answer text.
  function markedText(text, highlights) {
    var frag = document.createDocumentFragment();
    var spans = (Array.isArray(highlights) ? highlights : [])
      .filter(function (h) { return Array.isArray(h) && h[0] >= 0 && h[1] > h[0] && h[1] <= text.length; })
      .sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    spans.forEach(function (h) {
      if (h[0] < pos) return; // overlapping spans: keep the first
      frag.appendChild(document.createTextNode(text.slice(pos, h[0])));
      frag.appendChild(el("mark", { text: text.slice(h[0], h[1]) }));
      pos = h[1];
    });
    frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }

  // ---- the shadow DOM keeps the host page's CSS and ours apart ----
  var host = el("div", { id: "govqa-widget", "data-govqa": "" });
  var root = host.attachShadow({ mode: "open" });
  host.style.setProperty("--gq-accent", ACCENT);
  host.style.setProperty("--gq-on-accent", onAccent(ACCENT));

  // White or near-black text on the accent, whichever contrasts more: keeps >= 4.5:1.
  function onAccent(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h.replace(/./g, "$&$&");
    var lum = luminance([0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); }));
    return (1.05 / (lum + 0.05)) >= ((lum + 0.05) / (luminance([17, 24, 39]) + 0.05)) ? "#ffffff" : "#111827";
  }
  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  var launcher = el("button", {
    type: "button", class: "gq-launcher", "aria-expanded": "false", "aria-controls": "gq-panel",
    "aria-label": "Open chat: " + TITLE, onclick: function () { setOpen(!state.open); },
  }, [icon("chat"), el("span", { text: TITLE })]);

  var log = el("div", {
    class: "gq-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0",
  });
  var input = el("input", {
    id: "gq-input", type: "text", maxlength: "1000", autocomplete: "off", enterkeyhint: "send",
    placeholder: "Type your question",
  });
  var sendBtn = el("button", { type: "submit", class: "gq-send", text: "Send" });
  var form = el("form", { class: "gq-form", novalidate: true, onsubmit: onSubmit }, [
    el("label", { for: "gq-input", class: "gq-sr", text: "Your question" }), input, sendBtn,
  ]);
  var panel = el("div", {
    id: "gq-panel", class: "gq-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "gq-title", hidden: true,
  }, [
    el("div", { class: "gq-head" }, [
      el("h2", { id: "gq-title", class: "gq-title", text: TITLE }),
      el("button", { type: "button", class: "gq-icon gq-new", "aria-label": "New conversation",
        title: "New conversation", onclick: newConversation }, [el("span", { "aria-hidden": "true", text: "↺" })]),
      el("button", { type: "button", class: "gq-icon gq-close", "aria-label": "Close chat",
        title: "Close", onclick: function () { setOpen(false); } }, [el("span", { "aria-hidden": "true", text: "✕" })]),
    ]),
    log,
    form,
    el("p", { class: "gq-note", text: "Answers are quoted from this website. Check the linked page for details." }),
  ]);
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.preventDefault(); setOpen(false); }
  });

  function applyOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", (open ? "Close chat: " : "Open chat: ") + TITLE);
    host.toggleAttribute("data-open", open);
  }
  function setOpen(open) {
    state.open = open;
    save();
    applyOpen(open);
    if (open) { input.focus(); scrollDown(); } else launcher.focus();
  }

  // ---- rendering messages ----
  // A new message is scrolled to its top, so a long answer is read from its first line.
  // When the question and its answer fit together, both stay in view.
  function addMessage(node) {
    log.appendChild(node);
    var prev = node.previousElementSibling;
    var top = node.offsetTop;
    if (prev && prev.classList.contains("gq-user") && node.offsetTop + node.offsetHeight - prev.offsetTop < log.clientHeight - 24) top = prev.offsetTop;
    log.scrollTop = Math.max(0, top - 12);
    return node;
  }
  function scrollDown() { log.scrollTop = log.scrollHeight; }
  function userBubble(text) {
    return el("div", { class: "gq-msg gq-user" }, [el("span", { class: "gq-sr", text: "You asked: " }), text]);
  }
  function botBubble(msg) {
    var a = msg.data || {};
    var wrap = el("div", { class: "gq-msg gq-bot" }, [el("span", { class: "gq-sr", text: TITLE + " says: " })]);
    var items = (Array.isArray(a.items) ? a.items : []).filter(function (i) { return i && i.citation; });
    if (a.answered && items.length) {
      wrap.appendChild(itemList(a, items));
    } else if (a.answered && typeof a.answer === "string") {
      wrap.appendChild(el("p", { class: "gq-answer" }, [markedText(a.answer, a.highlights)]));
      var cites = (Array.isArray(a.citations) ? a.citations : []).filter(Boolean);
      if (cites.length) {
        wrap.appendChild(el("p", { class: "gq-label", text: cites.length > 1 ? "Sources" : "Source" }));
        wrap.appendChild(el("ul", { class: "gq-cites" }, cites.map(function (c) {
          var name = str(c.section) || str(c.title) || "this page";
          var where = str(c.title) && str(c.title) !== name ? " (" + str(c.title) + ")" : "";
          return el("li", null, [
            link(c.url, name, null), where ? el("span", { class: "gq-page", text: where }) : null,
            safeUrl(c.highlight_url) ? " · " : null,
            safeUrl(c.highlight_url) ? link(c.highlight_url, "Show on page", "Show on page: " + name + ", highlighted") : null,
          ]);
        })));
      }
    } else {
      wrap.appendChild(el("p", { class: "gq-answer", text: "The site doesn't say. I couldn't find an answer to that on this website." }));
      var sugg = (Array.isArray(a.suggestions) ? a.suggestions : []).filter(Boolean);
      if (sugg.length) {
        wrap.appendChild(el("p", { class: "gq-label", text: "These sections might help:" }));
        wrap.appendChild(el("ul", { class: "gq-sugg" }, sugg.map(function (s) {
          var name = str(s.section) || str(s.title) || "A related section";
          var where = str(s.title) && str(s.title) !== name ? " (" + str(s.title) + ")" : "";
          return el("li", null, [link(s.url, name, null), where ? el("span", { class: "gq-page", text: where }) : null]);
        })));
      }
    }
    if (a.conversation_id && typeof a.turn === "number") wrap.appendChild(feedbackBar(msg));
    return wrap;
  }
  // A list the page spreads over sibling sections: the heading's lead-in, then one linked
  // line per card or accordion item, each with its own "Show on page".
  function itemList(a, items) {
    var box = el("div", { class: "gq-answer gq-list" });
    var cites = (Array.isArray(a.citations) ? a.citations : []).filter(Boolean);
    if (cites.length > items.length && str(cites[0].quote)) box.appendChild(el("p", { text: str(cites[0].quote) }));
    box.appendChild(el("ul", { class: "gq-items" }, items.map(function (item) {
      var c = item.citation, name = str(c.section) || str(c.title) || "this section";
      var text = str(item.text), rest = text.indexOf(name) === 0 ? text.slice(name.length) : "";
      return el("li", null, [
        link(c.url, name, null), rest ? el("span", { text: rest }) : null,
        safeUrl(c.highlight_url) ? " · " : null,
        safeUrl(c.highlight_url) ? link(c.highlight_url, "Show on page", "Show on page: " + name + ", highlighted") : null,
      ]);
    })));
    var path = Array.isArray(items[0].citation.section_path) ? items[0].citation.section_path : [];
    if (path.length > 1) box.appendChild(el("p", { class: "gq-label", text: "From " + str(path[0]) + " › " + str(path[path.length - 2]) }));
    return box;
  }
  function feedbackBar(msg) {
    var status = el("span", { class: "gq-fb-status", role: "status" });
    var group = el("div", { class: "gq-fb", role: "group", "aria-label": "Was this answer helpful?" });
    function btn(helpful, name, label) {
      return el("button", {
        type: "button", class: "gq-icon gq-vote", "aria-label": label, title: label,
        "aria-pressed": String(msg.feedback === helpful),
        onclick: function () { sendFeedback(msg, helpful, group, status); },
      }, [icon(name)]);
    }
    group.appendChild(el("span", { class: "gq-fb-q", "aria-hidden": "true", text: "Helpful?" }));
    group.appendChild(btn(true, "up", "Helpful"));
    group.appendChild(btn(false, "down", "Not helpful"));
    group.appendChild(status);
    if (msg.feedback !== undefined && msg.feedback !== null) status.textContent = "Thanks for your feedback.";
    return group;
  }
  function sendFeedback(msg, helpful, group, status) {
    var a = msg.data;
    status.textContent = "Sending…";
    request("/api/feedback", { conversation_id: a.conversation_id, turn: a.turn, helpful: helpful })
      .then(function () {
        msg.feedback = helpful;
        save();
        group.querySelectorAll(".gq-vote").forEach(function (b, i) {
          b.setAttribute("aria-pressed", String((i === 0) === helpful));
        });
        status.textContent = "Thanks for your feedback.";
      })
      .catch(function () { status.textContent = "Sorry, your feedback couldn't be sent. Please try again."; });
  }
  function render(msg) {
    if (msg.role === "user") return userBubble(msg.text);
    return botBubble(msg);
  }
  function renderAll() {
    log.textContent = "";
    log.appendChild(el("div", { class: "gq-msg gq-bot gq-hello", text:
      "Hi! Ask me about this website. I answer with text quoted from its pages and link to where it says so." }));
    state.messages.forEach(function (m) { log.appendChild(render(m)); });
  }

  // ---- talking to the API ----
  function HttpError(status, retryAfter) { this.status = status; this.retryAfter = retryAfter; }
  function request(path, body) {
    var ctrl = new AbortController();
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; ctrl.abort(); }, TIMEOUT_MS);
    var p = fetch(API + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-GovQA-Channel": "widget" },
      body: JSON.stringify(body), signal: ctrl.signal, credentials: "omit",
    }).then(function (res) {
      if (res.ok) return res.json();
      var wait = retryAfterSeconds(res.headers.get("Retry-After"));
      // Cross-origin, Retry-After may be hidden from scripts; the body says it too.
      return res.json().catch(function () { return {}; }).then(function (body) {
        var alt = body && typeof body.retry_after === "number" ? Math.ceil(body.retry_after) : null;
        throw new HttpError(res.status, wait !== null ? wait : alt);
      });
    }, function (err) {
      throw timedOut ? { timeout: true } : err;
    }).finally(function () { clearTimeout(timer); });
    p.controller = ctrl;
    return p;
  }
  function retryAfterSeconds(v) {
    if (!v) return null;
    if (/^\d+$/.test(v.trim())) return parseInt(v, 10);
    var t = Date.parse(v);
    return isNaN(t) ? null : Math.max(0, Math.ceil((t - Date.now()) / 1000));
  }
  function errorText(err) {
    if (err instanceof HttpError) {
      if (err.status === 429) {
        var s = err.retryAfter;
        return "You've asked a lot of questions in a short time. Please wait " +
          (s ? (s === 1 ? "1 second" : s + " seconds") : "a moment") + ", then try again.";
      }
      if (err.status === 422) return "Sorry, I couldn't read that question. Please rephrase it (up to 1000 characters).";
      if (err.status >= 500) return "Sorry, something went wrong on our side. Please try again in a moment.";
      return "Sorry, the request didn't work (error " + err.status + "). Please try again.";
    }
    if (err && err.timeout) return "Sorry, the answer took too long to arrive. Please try again.";
    return "Sorry, I couldn't reach the server. Check your connection and try again.";
  }

  function ask(question) {
    if (busy) return;
    var thinking = addMessage(el("div", { class: "gq-msg gq-bot gq-thinking" }, [
      el("span", { text: "Thinking" }), el("span", { class: "gq-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
    ]));
    log.setAttribute("aria-busy", "true");
    sendBtn.setAttribute("aria-disabled", "true");
    var body = { question: question };
    if (state.conversation_id) body.conversation_id = state.conversation_id;
    var p = request("/api/chat", body);
    busy = p.controller;
    p.then(function (a) {
      if (!a || typeof a !== "object") throw new Error("bad response");
      if (typeof a.conversation_id === "string" && a.conversation_id) state.conversation_id = a.conversation_id;
      var msg = { role: "bot", data: slim(a) };
      state.messages.push(msg);
      save();
      done();
      addMessage(render(msg));
    }).catch(function (err) {
      done();
      if (err && err.name === "AbortError") return; // cancelled by "new conversation"
      showError(err, question);
    });
    function done() {
      busy = null;
      thinking.remove();
      log.removeAttribute("aria-busy");
      sendBtn.removeAttribute("aria-disabled");
    }
  }
  // Only what the widget shows is kept, so sessionStorage stays small.
  function slim(a) {
    return {
      answered: !!a.answered, answer: a.answer, highlights: a.highlights,
      citations: a.citations, items: a.items, suggestions: a.suggestions,
      conversation_id: a.conversation_id, turn: a.turn,
    };
  }
  function showError(err, question) {
    var wait = err instanceof HttpError && err.status === 429 ? (err.retryAfter || 0) : 0;
    var retry = el("button", { type: "button", class: "gq-retry", text: "Try again" });
    var box = addMessage(el("div", { class: "gq-msg gq-error" }, [el("p", { text: errorText(err) }), retry]));
    if (wait > 0) {
      retry.setAttribute("aria-disabled", "true");
      setTimeout(function () { retry.removeAttribute("aria-disabled"); }, wait * 1000);
    }
    retry.addEventListener("click", function () {
      if (retry.getAttribute("aria-disabled") === "true" || busy) return;
      box.remove();
      ask(question);
    });
  }

  function onSubmit(e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q || busy) return;
    input.value = "";
    state.messages.push({ role: "user", text: q });
    save();
    addMessage(userBubble(q));
    ask(q);
  }
  function newConversation() {
    if (busy) busy.abort();
    state.conversation_id = null;
    state.messages = [];
    save();
    renderAll();
    input.focus();
  }

  // ---- mount: wait for the stylesheet so the launcher never flashes unstyled ----
  // The stylesheet sits beside widget.js, wherever that was served from.
  var cssUrl = script && script.src ? new URL("widget.css", script.src).href : API + "/widget.css";
  var css = el("link", { rel: "stylesheet", href: cssUrl });
  var wrapper = el("div", { class: "gq-root" }, [panel, launcher]);
  function mount() {
    if (wrapper.isConnected) return;
    renderAll(); // before the log is attached, so restored history is not re-announced
    root.appendChild(wrapper);
    applyOpen(!!state.open); // reopened after navigation, without stealing focus from the page
    log.scrollTop = log.scrollHeight;
    host.setAttribute("data-ready", "");
  }
  css.addEventListener("load", mount);
  css.addEventListener("error", mount);
  root.appendChild(css);
  function attach() { document.body.appendChild(host); setTimeout(mount, 3000); }
  if (document.body) attach(); else document.addEventListener("DOMContentLoaded", attach);
})();

// The editors' dashboard: reads /admin/api/insights and draws it. Everything visitors typed
// is inserted as text (textContent), never as markup; links are only ever http(s).
(function () {
  "use strict";

  var CHARTS = {
    questions: { alt: "Questions per day", cols: [["day", "Day"], ["answered", "Answered"], ["abstained", "Abstained"]], rows: "days" },
    votes: { alt: "Votes per day", cols: [["day", "Day"], ["helpful", "Helpful"], ["unhelpful", "Not helpful"]], rows: "days" },
    confidence: { alt: "Answer confidence", cols: [["range", "Confidence"], ["answered", "Answered"], ["abstained", "Abstained"]], rows: "confidence" },
    latency: { alt: "Latency per day", cols: [["day", "Day"], ["p50_ms", "p50 (ms)"], ["p95_ms", "p95 (ms)"]], rows: "days" },
  };
  var TABLES = {
    gaps: { cols: [["question", "Asked as"], ["count", "Times asked"], ["last_asked", "Last asked"], ["variants", "Also asked as"], ["suggested", "Closest sections suggested"]], empty: "No unanswered questions in this range." },
    disliked: { cols: [["when", "When"], ["channel", "Channel"], ["question", "Question"], ["answer", "Answer"], ["citation", "Cited"], ["comment", "Comment"]], empty: "No answer was voted down in this range." },
    sections: { cols: [["citation", "Section"], ["count", "Times cited"]], empty: "No answers in this range." },
    pages: { cols: [["page", "Page"], ["count", "Times cited"]], empty: "No answers in this range." },
  };

  function el(tag, text) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(url) {
    try {
      var u = new URL(url, location.href);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) { return null; }
  }

  function link(text, url) {
    var href = safeUrl(url);
    if (!href) return el("span", text);
    var a = el("a", text);
    a.href = href;
    a.rel = "noopener noreferrer";
    return a;
  }

  function cell(row, key) {
    var td = el("td");
    var value = row[key];
    if (key === "citation") {
      if (row.url) td.appendChild(link([row.title, row.section].filter(Boolean).join(" › "), row.url));
    } else if (key === "page") {
      td.appendChild(link(row.title || row.url, row.url));
    } else if (key === "suggested") {
      var list = el("ul");
      (value || []).forEach(function (s) {
        var li = el("li");
        li.appendChild(link(s.title + " › " + s.section, s.url));
        list.appendChild(li);
      });
      td.appendChild(list);
    } else if (key === "variants") {
      td.textContent = (value || []).join(" · ");
    } else {
      td.textContent = value === null || value === undefined ? "–" : String(value);
    }
    return td;
  }

  function table(caption, cols, rows) {
    var t = el("table");
    t.appendChild(el("caption", caption));
    var head = el("tr");
    cols.forEach(function (c) { var th = el("th", c[1]); th.scope = "col"; head.appendChild(th); });
    var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
    var body = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr");
      cols.forEach(function (c) { tr.appendChild(cell(r, c[0])); });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }

  function query() {
    var form = document.getElementById("filters");
    var q = new URLSearchParams();
    ["from", "to", "channel"].forEach(function (name) {
      var v = form.elements[name].value;
      if (v) q.set(name, v);
    });
    return q.toString();
  }

  function render(data) {
    var form = document.getElementById("filters");
    form.elements.from.value = data.since;
    form.elements.to.value = data.until;
    var select = form.elements.channel;
    var chosen = data.channel || "all";
    while (select.options.length > 1) select.remove(1);
    data.channels.forEach(function (c) { select.add(new Option(c, c)); });
    select.value = chosen;

    var totals = document.getElementById("totals");
    totals.replaceChildren();
    [["Questions", data.totals.questions], ["Answered", data.totals.answered],
     ["Abstained", data.totals.abstained], ["Voted helpful", data.totals.helpful],
     ["Voted not helpful", data.totals.unhelpful]].forEach(function (pair) {
      totals.appendChild(el("dt", pair[0]));
      totals.appendChild(el("dd", pair[1]));
    });

    var q = query();
    document.querySelectorAll("figure[data-chart]").forEach(function (fig) {
      var name = fig.dataset.chart;
      var spec = CHARTS[name];
      fig.querySelectorAll("img, details").forEach(function (n) { n.remove(); });
      var img = el("img");
      img.src = "/admin/charts/" + name + ".svg?" + q;
      img.alt = spec.alt + ": the table below holds the same figures.";
      img.width = 640; img.height = 260;
      fig.insertBefore(img, fig.firstChild);
      var rows = (data[spec.rows] || []).map(function (r) {
        return spec.rows === "confidence" ? Object.assign({ range: r.from.toFixed(1) + "–" + r.to.toFixed(1) }, r) : r;
      });
      var details = el("details");
      details.appendChild(el("summary", "Table: " + spec.alt.toLowerCase()));
      details.appendChild(table(spec.alt, spec.cols, rows));
      fig.appendChild(details);
    });

    document.querySelectorAll("section[data-table]").forEach(function (sec) {
      var name = sec.dataset.table;
      var spec = TABLES[name];
      sec.querySelectorAll("table, .empty, .export").forEach(function (n) { n.remove(); });
      var rows = data[name] || [];
      var csv = el("a", "Download CSV");
      csv.className = "export";
      csv.href = "/admin/export/" + name + ".csv?" + q;
      sec.appendChild(csv);
      if (!rows.length) { var p = el("p", spec.empty); p.className = "empty"; sec.appendChild(p); return; }
      sec.appendChild(table(sec.querySelector("h2").textContent, spec.cols, rows));
    });
  }

  function load() {
    var status = document.getElementById("status");
    status.textContent = "Loading…";
    return fetch("/admin/api/insights?" + query(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        if (res.status === 401) { location.assign("/admin"); return null; }
        if (!res.ok) return res.json().then(function (b) { throw new Error(b.message || res.statusText); });
        return res.json();
      })
      .then(function (data) {
        if (!data) return;
        render(data);
        status.textContent = "Showing " + data.since + " to " + data.until + (data.channel ? ", " + data.channel : "") + ".";
        document.body.dataset.loaded = "true";
      })
      .catch(function (err) { status.textContent = "Could not load the figures: " + err.message; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var params = new URLSearchParams(location.search);
    var form = document.getElementById("filters");
    ["from", "to", "channel"].forEach(function (n) { if (params.get(n)) form.elements[n].value = params.get(n); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      history.replaceState(null, "", "/admin?" + query());
      load();
    });
    load();
  });
})();

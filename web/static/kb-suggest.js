// Live knowledge-base suggestions on the intake page: while the agent types the citizen's words (诉求内容) or
// keywords, ask the server for ranked entries and redraw the panel's list. The page works without this file
// (the "查找知识库" button does the same with a form post). The server escapes titles and snippets; the only
// markup in title_html and snippet_html is <mark> around the matched words.
(function () {
  "use strict";
  var panel = document.getElementById("kb-panel");
  if (!panel || !window.fetch) return;
  var url = panel.getAttribute("data-suggest-url");
  var keywords = document.getElementById("kb_q");
  var content = document.getElementById("content");
  var list = document.getElementById("kb-results");
  var empty = document.getElementById("kb-empty");
  var source = document.getElementById("kb-source");
  var timer = null;
  var lastQuery = null;
  var pending = null;
  var asked = 0;  // answers to an older question than the last one asked are dropped

  function query() {
    var q = keywords && keywords.value.trim();
    if (q) return { q: q, label: "按关键词“" + q + "”查找的结果：" };
    q = content ? content.value.trim().slice(0, 500) : "";
    return { q: q, label: q ? "按诉求内容推荐的条目：" : "填写诉求内容后，将按诉求人的原话推荐知识库条目。" };
  }

  function text(tag, className, value) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    node.textContent = value;
    return node;
  }

  function item(entry, checked) {
    var li = document.createElement("li");
    var label = document.createElement("label");
    label.className = "opt";
    var radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "kb_entry_id";
    radio.value = String(entry.id);
    radio.checked = checked;
    var span = document.createElement("span");
    var strong = document.createElement("strong");
    strong.innerHTML = entry.title_html;  // escaped by the server, <mark> only
    span.appendChild(strong);
    span.appendChild(document.createTextNode(" "));
    span.appendChild(text("small", "muted", (entry.category || "") + (entry.unit ? " · " + entry.unit : "")));
    label.appendChild(radio);
    label.appendChild(span);
    li.appendChild(label);
    var snippet = document.createElement("p");
    snippet.className = "snippet";
    snippet.innerHTML = entry.snippet_html;  // escaped by the server, <mark> only
    li.appendChild(snippet);
    if (entry.basis) li.appendChild(text("p", "muted small", "依据：" + entry.basis));
    return li;
  }

  function draw(entries, label, q) {
    var chosen = list.querySelector("input[name=kb_entry_id]:checked");
    var keep = null;
    if (chosen && !entries.some(function (e) { return String(e.id) === chosen.value; })) {
      keep = chosen.closest("li");  // the entry the agent picked stays, even when the words moved on
    }
    var ids = chosen ? chosen.value : null;
    while (list.firstChild) list.removeChild(list.firstChild);
    if (keep) list.appendChild(keep);
    entries.forEach(function (e) { list.appendChild(item(e, String(e.id) === ids)); });
    source.textContent = label;
    empty.hidden = !q || entries.length > 0;  // said even when a kept pick is shown: the new words found nothing
  }

  function refresh() {
    var wanted = query();
    if (wanted.q === lastQuery) return;
    lastQuery = wanted.q;
    if (pending) pending.abort();
    if (!wanted.q) { asked++; draw([], wanted.label, ""); return; }
    pending = window.AbortController ? new AbortController() : null;
    var number = ++asked;
    fetch(url + "?q=" + encodeURIComponent(wanted.q), {
      credentials: "same-origin", headers: { "Accept": "application/json" },
      signal: pending ? pending.signal : undefined
    }).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      if (!resp.ok || type.indexOf("application/json") < 0) throw new Error("suggest " + resp.status);
      return resp.json();
    }).then(function (data) {
      if (number === asked) draw(data.entries || [], wanted.label, wanted.q);
    }).catch(function () {
      if (number === asked) lastQuery = null;  // try again on the next keystroke; the button still works
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  if (keywords) keywords.addEventListener("input", later);
  if (content) content.addEventListener("input", later);
  lastQuery = query().q;  // the server drew the list for what the page was rendered with
})();

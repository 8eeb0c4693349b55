// Live similar tickets on the intake page: while the agent types the citizen's words, address, phone or category,
// ask the server for earlier tickets ranked by meaning, place and time, and redraw the panel. The page works
// without this file (the panel is drawn when the form is posted, e.g. "按电话和地址查询"). The server's JSON is
// plain text; it is put into the page with textContent only.
(function () {
  "use strict";
  var panel = document.getElementById("similar-panel");
  if (!panel || !window.fetch) return;
  var url = panel.getAttribute("data-similar-url");
  var list = document.getElementById("similar-results");
  var source = document.getElementById("similar-source");
  var fields = { content: "content", address: "address", citizen_phone: "citizen_phone", category: "category" };
  var timer = null, pending = null, asked = 0, last = null;

  function value(id) {
    var el = document.getElementById(id);
    return el ? el.value.trim() : "";
  }

  function query() {
    var parts = [];
    Object.keys(fields).forEach(function (key) {
      var v = value(fields[key]);
      if (v) parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(v.slice(0, key === "content" ? 1000 : 255)));
    });
    return value("content") ? parts.join("&") : "";
  }

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  function item(hit, checked) {
    var li = document.createElement("li");
    var label = node("label", "opt");
    var radio = document.createElement("input");
    radio.type = "radio"; radio.name = "related_ticket_id"; radio.value = String(hit.ticket_id); radio.checked = checked;
    var span = document.createElement("span");
    span.appendChild(node("strong", null, hit.number));
    span.appendChild(document.createTextNode(" " + hit.status_label + " "));
    span.appendChild(node("small", "muted", "相似度 " + hit.score.toFixed(2)));
    label.appendChild(radio); label.appendChild(span); li.appendChild(label);
    var reasons = node("p", "reasons");
    hit.reasons.forEach(function (r) { reasons.appendChild(node("span", "tag", r)); });
    li.appendChild(reasons);
    li.appendChild(node("p", "snippet", hit.snippet));
    return li;
  }

  function draw(hits) {
    var chosen = list.querySelector("input[name=related_ticket_id]:checked");
    var keep = chosen && !hits.some(function (h) { return String(h.ticket_id) === chosen.value; }) ? chosen.closest("li") : null;
    var id = chosen ? chosen.value : null;
    while (list.firstChild) list.removeChild(list.firstChild);
    if (keep) list.appendChild(keep);
    hits.forEach(function (h) { list.appendChild(item(h, String(h.ticket_id) === id)); });
    source.textContent = hits.length ? "与本次诉求相似的工单，同一事项已在办或已办结的，可选定后按第六条第（八）项不予受理。"
                                     : "没有找到相似的工单。";
  }

  function refresh() {
    var q = query();
    if (q === last) return;
    last = q;
    if (pending) pending.abort();
    if (!q) return;
    pending = window.AbortController ? new AbortController() : null;
    var number = ++asked;
    fetch(url + "?" + q, { credentials: "same-origin", headers: { "Accept": "application/json" },
                           signal: pending ? pending.signal : undefined })
      .then(function (resp) {
        var type = resp.headers.get("Content-Type") || "";
        if (!resp.ok || type.indexOf("application/json") < 0) throw new Error("similar " + resp.status);
        return resp.json();
      })
      .then(function (data) { if (number === asked) draw(data.similar || []); })
      .catch(function () { if (number === asked) last = null; });
  }

  function later() { clearTimeout(timer); timer = setTimeout(refresh, 400); }
  Object.keys(fields).forEach(function (key) {
    var el = document.getElementById(fields[key]);
    if (el) { el.addEventListener("input", later); el.addEventListener("change", later); }
  });
  last = query();  // the server drew the panel for what the page was rendered with
})();

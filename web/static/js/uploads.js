// Progressive help on the upload inputs: the browser's own file button (whose words follow the browser's language)
// is replaced by the Chinese label, and the chosen files are listed with their sizes. Everything works without it.
(function () {
  function size(n) {
    return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1024)) + " KB";
  }
  function show(input) {
    var list = document.getElementById(input.id + "-chosen");
    if (!list) return;
    list.textContent = "";
    Array.prototype.forEach.call(input.files || [], function (f) {
      var li = document.createElement("li");
      li.textContent = f.name + "（" + size(f.size) + "）";
      list.appendChild(li);
    });
    if (!list.children.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = "未选择";
      list.appendChild(none);
    }
  }
  document.querySelectorAll("section.uploads").forEach(function (section) {
    section.classList.add("js-uploads");
    section.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () { show(input); });
      show(input);
    });
  });
})();

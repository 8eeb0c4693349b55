// The dispatch page's "选用" buttons: put a suggested unit into the lead-unit list (direct dispatch). Nothing is
// chosen until the dispatcher clicks; without this file the buttons stay hidden and the list is used directly.
(function () {
  "use strict";
  var lead = document.getElementById("lead_unit");
  if (!lead) return;
  var buttons = document.querySelectorAll("#dispatch-suggestions .pick-unit");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var direct = document.querySelector("input[name=mode][value=direct]");
      if (direct) { direct.checked = true; direct.dispatchEvent(new Event("change", { bubbles: true })); }
      lead.value = button.getAttribute("data-unit-id");
      lead.dispatchEvent(new Event("change", { bubbles: true }));
      lead.focus();
    });
  });
})();

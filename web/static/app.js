// Progressive help on the scope decision: picking a refusal reason fills the explanation with its template
// when the explanation is still empty. Everything works without this file.
document.addEventListener("change", function (ev) {
  var select = ev.target;
  if (!select.matches || !select.matches("select[data-fill]")) return;
  var target = document.getElementById(select.getAttribute("data-fill"));
  var option = select.options[select.selectedIndex];
  var text = option && option.getAttribute("data-template");
  if (target && text && !target.value.trim()) target.value = text;
});

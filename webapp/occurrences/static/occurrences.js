// Report form: show exactly the chosen type's fields. Without this script the server does the
// same through the "Show the fields of this type" button.
(function () {
  var form = document.getElementById("report-form");
  if (!form) { return; }
  document.documentElement.classList.add("js");
  function show() {
    var chosen = form.querySelector("input[name=type_id]:checked");
    form.querySelectorAll(".occ-type-fields").forEach(function (set) {
      var on = chosen && set.dataset.type === chosen.value;
      set.hidden = !on;
      set.disabled = !on;
    });
  }
  form.querySelectorAll("input[name=type_id]").forEach(function (radio) {
    radio.addEventListener("change", show);
  });
  show();
})();

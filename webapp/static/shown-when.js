// Shows a group of fields only while a radio choice has a given value:
// <div data-shown-when="payment_method=card">. Without script every group stays visible,
// and the server ignores the fields of the choice not taken.
(function () {
  "use strict";
  var groups = document.querySelectorAll("[data-shown-when]");

  function update() {
    groups.forEach(function (group) {
      var rule = group.dataset.shownWhen.split("="), chosen = document.querySelector(
        'input[type="radio"][name="' + rule[0] + '"]:checked');
      group.hidden = chosen !== null && chosen.value !== rule[1];
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches('input[type="radio"]')) { update(); }
  });
  update();
})();

// Renders BPMN diagrams with the bpmn.io viewer (webapp/frontend.py installs it).
// Markup: <figure class="diagram" data-bpmn-url="..." data-active='["Task_1"]'
//          data-failed='[]' data-waiting='[]'> ... <div class="diagram-canvas"></div></figure>
(function () {
  "use strict";

  function say(figure, text) {
    var note = figure.querySelector(".diagram-note");
    note.textContent = text;
    note.hidden = false;
  }

  function ids(figure, name) {
    try { return JSON.parse(figure.dataset[name] || "[]"); } catch (e) { return []; }
  }

  function mark(viewer, figure) {
    var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
    [["active", "po-active"], ["waiting", "po-waiting"], ["failed", "po-failed"]].forEach(
      function (pair) {
        ids(figure, pair[0]).forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, pair[1]); }
        });
      });
  }

  function render(figure) {
    var canvas = figure.querySelector(".diagram-canvas");
    if (typeof window.BpmnJS !== "function") {
      say(figure, figure.dataset.missing);
      return;
    }
    fetch(figure.dataset.bpmnUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (xml) {
        var viewer = new window.BpmnJS({ container: canvas });
        return viewer.importXML(xml).then(function () {
          viewer.get("canvas").zoom("fit-viewport", "auto");
          mark(viewer, figure);
          figure.dataset.rendered = "true";
        });
      })
      .catch(function (error) {
        say(figure, figure.dataset.failedText + " (" + error.message + ")");
      });
  }

  document.querySelectorAll("figure.diagram[data-bpmn-url]").forEach(render);
})();

/* Pan and zoom for the lineage picture (provenance/templates/provenance/lineage_panel.html).

   Progressive enhancement: without this script the picture is drawn whole and every box is
   still a link. With it, the toolbar appears; zooming and moving change the SVG's viewBox, so
   the picture keeps its place on the page and the text grows as it is zoomed. Keys, while
   focus is in the picture or its toolbar: + and - zoom, the arrows move (once zoomed in), 0
   shows it all. A box that takes focus by Tab is brought into view. Dragging moves the view. */
(function () {
  "use strict";

  var MIN_ZOOM = 1;
  var MAX_ZOOM = 4;
  var STEP = 1.25;
  var PAN = 0.2; // of the visible width or height, per press

  function setUp(figure) {
    var svg = figure.querySelector("svg.lineage-graph");
    var tools = figure.querySelector(".lineage-tools");
    if (!svg || !tools) {
      return;
    }
    var box = svg.viewBox.baseVal;
    var full = { x: box.x, y: box.y, w: box.width, h: box.height };
    var view = { x: full.x, y: full.y, zoom: 1 };
    var status = tools.querySelector("[data-lineage-zoom]");

    function draw() {
      var w = full.w / view.zoom;
      var h = full.h / view.zoom;
      view.x = Math.min(Math.max(view.x, full.x), full.x + full.w - w);
      view.y = Math.min(Math.max(view.y, full.y), full.y + full.h - h);
      svg.setAttribute("viewBox", [view.x, view.y, w, h].map(function (n) { return Math.round(n * 10) / 10; }).join(" "));
      status.textContent = "Zoom " + Math.round(view.zoom * 100) + "%";
    }

    function zoomTo(zoom) {
      // Keep the middle of the view where it is.
      var cx = view.x + full.w / view.zoom / 2;
      var cy = view.y + full.h / view.zoom / 2;
      view.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
      view.x = cx - full.w / view.zoom / 2;
      view.y = cy - full.h / view.zoom / 2;
      draw();
    }

    function pan(dx, dy) {
      view.x += dx * PAN * full.w / view.zoom;
      view.y += dy * PAN * full.h / view.zoom;
      draw();
    }

    var actions = {
      "in": function () { zoomTo(view.zoom * STEP); },
      "out": function () { zoomTo(view.zoom / STEP); },
      "reset": function () { view.zoom = 1; view.x = full.x; view.y = full.y; draw(); },
      "left": function () { pan(-1, 0); },
      "right": function () { pan(1, 0); },
      "up": function () { pan(0, -1); },
      "down": function () { pan(0, 1); }
    };
    var keys = {
      "+": "in", "=": "in", "-": "out", "_": "out", "0": "reset",
      "ArrowLeft": "left", "ArrowRight": "right", "ArrowUp": "up", "ArrowDown": "down"
    };

    tools.addEventListener("click", function (event) {
      var button = event.target.closest("[data-lineage-action]");
      if (button) {
        actions[button.getAttribute("data-lineage-action")]();
      }
    });

    figure.addEventListener("keydown", function (event) {
      var action = keys[event.key];
      if (!action || event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      // Unzoomed, there is nothing to move: the arrows scroll the page as usual.
      if (view.zoom === 1 && /^(left|right|up|down)$/.test(action)) {
        return;
      }
      event.preventDefault();
      actions[action]();
    });

    // A box reached by Tab outside the zoomed view is brought into its middle. (Listened for
    // on the figure: Chromium makes an SVG element with a focus listener focusable itself.)
    figure.addEventListener("focusin", function (event) {
      if (view.zoom === 1 || !svg.contains(event.target) || !event.target.getBBox) {
        return;
      }
      var b = event.target.getBBox();
      var w = full.w / view.zoom;
      var h = full.h / view.zoom;
      if (b.x < view.x || b.y < view.y || b.x + b.width > view.x + w || b.y + b.height > view.y + h) {
        view.x = b.x + b.width / 2 - w / 2;
        view.y = b.y + b.height / 2 - h / 2;
        draw();
      }
    });

    // Dragging the picture moves the view (a press on a box still follows its link).
    var drag = null;
    svg.addEventListener("pointerdown", function (event) {
      if (view.zoom === 1 || event.button !== 0 || event.target.closest("a")) {
        return;
      }
      drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, scale: full.w / view.zoom / svg.getBoundingClientRect().width };
      svg.setPointerCapture(event.pointerId);
      svg.classList.add("is-grabbing");
    });
    svg.addEventListener("pointermove", function (event) {
      if (drag) {
        view.x = drag.vx - (event.clientX - drag.x) * drag.scale;
        view.y = drag.vy - (event.clientY - drag.y) * drag.scale;
        draw();
      }
    });
    function release() {
      drag = null;
      svg.classList.remove("is-grabbing");
    }
    svg.addEventListener("pointerup", release);
    svg.addEventListener("pointercancel", release);

    tools.hidden = false;
    draw();
  }

  document.querySelectorAll("[data-lineage-picture]").forEach(setUp);
})();

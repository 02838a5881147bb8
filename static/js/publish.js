/* Publisher forms: add and remove rows, and the live quality score.
   Everything here is an enhancement: the form works fully without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("dataset-form");
  if (!form) return;

  // --- add a row to a formset -------------------------------------------------------
  form.querySelectorAll("[data-formset]").forEach(function (box) {
    var prefix = box.getAttribute("data-formset");
    var total = box.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var template = box.querySelector("template[data-empty-row]");
    var rows = box.querySelector(".formset-rows");
    var button = box.querySelector("[data-add-row]");
    if (!total || !template || !rows || !button) return;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
      scheduleScore();
    });
  });

  // --- live score ---------------------------------------------------------------------
  var panel = document.getElementById("live-score");
  var url = form.getAttribute("data-score-url");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;
  var pending = null;

  function setText(name, text) {
    var el = panel.querySelector("[data-live='" + name + "']");
    if (el) el.textContent = text;
    return el;
  }

  function show(result) {
    panel.hidden = false;
    setText("mqa", String(result.mqa_score));
    var band = setText("band", result.band.charAt(0).toUpperCase() + result.band.slice(1));
    band.className = "band band-" + result.band;
    panel.querySelector("[data-live='meter']").style.width = Math.round((100 * result.mqa_score) / result.mqa_max) + "%";
    setText("provcat", "Provcat's own check (definitions, collection method, checks, lineage): " +
      result.provcat_score + " / " + result.provcat_max);
    var list = panel.querySelector("[data-live='hints']");
    list.innerHTML = "";
    result.hints.forEach(function (hint) {
      var li = document.createElement("li");
      li.textContent = hint;
      list.appendChild(li);
    });
    var barScore = form.querySelector("[data-live-bar='mqa']");
    var barBand = form.querySelector("[data-live-bar='band']");
    if (barScore) barScore.textContent = String(result.mqa_score);
    if (barBand) {
      barBand.textContent = band.textContent;
      barBand.className = "band band-" + result.band;
    }
    form.setAttribute("data-live-score", String(result.mqa_score));
    form.setAttribute("data-live-provcat", String(result.provcat_score));
  }

  function score() {
    timer = null;
    if (pending) pending.abort();
    pending = new AbortController();
    var data = new FormData(form);
    data.delete("dictionary-file");  // the import's file is read on import, not scored
    fetch(url, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": token ? token.value : "" },
      credentials: "same-origin",
      signal: pending.signal,
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) { if (result) show(result); })
      .catch(function () { /* the saved score still shows */ });
  }

  function scheduleScore() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(score, 250);
  }

  if (panel && url) {
    form.addEventListener("input", scheduleScore);
    form.addEventListener("change", scheduleScore);
    score();
  }
})();

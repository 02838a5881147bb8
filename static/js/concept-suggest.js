/* The data dictionary's concept suggestions: as a field's name or title changes, ask the
   glossary which concepts it probably measures and offer them as buttons that fill the
   row's concept box. An enhancement: without it the rows show the suggestions made when
   the page was rendered, as radio buttons. */
(function () {
  "use strict";
  var form = document.getElementById("dataset-form");
  if (!form) return;
  var url = form.getAttribute("data-suggest-url");
  if (!url) return;
  var NAMED = /^fields-(\d+|__prefix__)-(name|title)$/;

  function rowOf(element) {
    return element.closest("[data-row]");
  }

  function valueIn(row, suffix) {
    var input = row.querySelector("[name$='-" + suffix + "']");
    return input ? input.value.trim() : "";
  }

  function hint(text) {
    var p = document.createElement("p");
    p.className = "hint";
    p.textContent = text;
    return p;
  }

  function show(row, name, suggestions) {
    var box = row.querySelector("[data-suggestion-list]");
    if (!box) return;
    box.innerHTML = "";
    // The suggestions rendered with the page were for the name it had then.
    var choices = row.querySelector(".suggestion-choices");
    if (choices) choices.remove();
    if (!name) return;
    if (!suggestions.length) {
      box.appendChild(hint("No glossary concept matches “" + name + "”."));
      return;
    }
    box.appendChild(hint("Concepts “" + name + "” may measure:"));
    var list = document.createElement("ul");
    list.className = "plain";
    suggestions.forEach(function (s) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary";
      button.setAttribute("data-concept-uri", s.uri);
      button.setAttribute("data-concept-label", s.label);
      button.textContent = s.label + " ";
      var where = document.createElement("span");
      where.className = "meta";
      where.textContent = "(" + s.scheme + ", " + s.organisation + ")";
      button.appendChild(where);
      item.appendChild(button);
      if (s.definition) item.appendChild(hint(s.definition.length > 200 ? s.definition.slice(0, 200) + "…" : s.definition));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function ask(row) {
    row.suggestTimer = null;
    if (row.suggestPending) row.suggestPending.abort();
    var name = valueIn(row, "name");
    var title = valueIn(row, "title");
    if (!name && !title) {
      show(row, "", []);
      return;
    }
    row.suggestPending = new AbortController();
    var query = "?name=" + encodeURIComponent(name) + "&title=" + encodeURIComponent(title);
    fetch(url + query, { credentials: "same-origin", signal: row.suggestPending.signal })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (suggestions) { if (suggestions) show(row, name || title, suggestions); })
      .catch(function () { /* the box still takes a pasted IRI */ });
  }

  form.addEventListener("input", function (event) {
    if (!NAMED.test(event.target.name || "")) return;
    var row = rowOf(event.target);
    if (!row) return;
    if (row.suggestTimer) clearTimeout(row.suggestTimer);
    row.suggestTimer = setTimeout(function () { ask(row); }, 300);
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-concept-uri]");
    if (!button) return;
    var row = rowOf(button);
    var input = row && row.querySelector("input[name$='-concept_uri']");
    if (!input) return;
    input.value = button.getAttribute("data-concept-uri");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    row.querySelectorAll("[data-concept-uri]").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
    var box = row.querySelector("[data-suggestion-list]");
    var said = box.querySelector("[data-chosen]") || box.appendChild(hint(""));
    said.setAttribute("data-chosen", "");
    said.setAttribute("role", "status");
    said.textContent = "Linked to “" + button.getAttribute("data-concept-label") + "”: saving keeps it.";
  });
})();

/* The derivation's sources chosen by searching as you type (an ARIA 1.2 combobox).
   Progressive enhancement: without it the text box takes names or title words and the
   server searches them. The answers come from /publish/datasets/sources.json, which offers
   only datasets the user may see. The chosen names are written back into the text box,
   which is what the form submits. */
(function () {
  "use strict";
  var box = document.getElementById("id_derivation-sources");
  if (!box || !box.form) return;
  var form = box.form;
  var url = form.getAttribute("data-sources-url");
  if (!url || !window.fetch) return;
  var datasetInput = form.querySelector("input[name=dataset]");
  var label = document.querySelector("label[for='id_derivation-sources']");
  var hint = document.getElementById("id_derivation-sources_helptext");
  var chosen = [];
  var results = [];
  var active = -1;
  var timer = null;
  var pending = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  var picker = el("div", { "class": "source-picker" });
  var list = el("ul", { "class": "source-chosen", "aria-label": "Chosen sources" });
  var none = el("p", { "class": "meta source-none" }, "No sources chosen yet.");
  var input = el("input", {
    type: "text", id: "source-picker-input", role: "combobox", "aria-autocomplete": "list",
    "aria-expanded": "false", "aria-controls": "source-picker-options", autocomplete: "off",
    "class": "source-picker-input"
  });
  if (hint) input.setAttribute("aria-describedby", hint.id);
  var options = el("ul", { id: "source-picker-options", role: "listbox", "class": "source-options", "aria-label": "Matching datasets" });
  options.hidden = true;
  var status = el("p", { "class": "visually-hidden", role: "status", "aria-live": "polite" });
  picker.appendChild(list);
  picker.appendChild(none);
  picker.appendChild(input);
  picker.appendChild(options);
  picker.appendChild(status);
  box.parentNode.insertBefore(picker, box.nextSibling);
  box.hidden = true;
  if (label) {
    label.setAttribute("for", input.id);
    label.textContent = "Source datasets: search by title or address name";
  }
  if (hint) hint.textContent = "Type a few letters of a dataset's title, then choose it from the list. Example: 'population estimates'.";

  function sync() {
    box.value = chosen.map(function (item) { return item.slug; }).join(", ");
    list.innerHTML = "";
    chosen.forEach(function (item, index) {
      var li = el("li", { "class": "source-chip" });
      li.appendChild(el("span", { "class": "source-chip-title" }, item.title));
      if (item.publisher) li.appendChild(el("span", { "class": "meta" }, " · " + item.publisher));
      var remove = el("button", { type: "button", "class": "link-button source-remove" }, "Remove");
      remove.appendChild(el("span", { "class": "visually-hidden" }, " " + item.title));
      remove.addEventListener("click", function () {
        chosen.splice(index, 1);
        sync();
        status.textContent = item.title + " removed.";
        input.focus();
        form.dispatchEvent(new Event("change"));
      });
      li.appendChild(remove);
      list.appendChild(li);
    });
    none.hidden = chosen.length > 0;
  }

  function close() {
    options.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    var items = options.querySelectorAll("[role=option]");
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function choose(index) {
    var item = results[index];
    if (!item) return;
    if (!chosen.some(function (c) { return c.slug === item.slug; })) chosen.push(item);
    sync();
    status.textContent = item.title + " added as a source.";
    input.value = "";
    close();
    form.dispatchEvent(new Event("change"));
  }

  function show(found) {
    results = found.filter(function (item) { return !chosen.some(function (c) { return c.slug === item.slug; }); });
    options.innerHTML = "";
    results.forEach(function (item, index) {
      var li = el("li", { role: "option", id: "source-option-" + index, "aria-selected": "false", "class": "source-option" });
      li.appendChild(el("span", { "class": "source-option-title" }, item.title));
      li.appendChild(el("span", { "class": "meta" }, item.publisher + " · " + item.slug));
      li.addEventListener("mousedown", function (event) { event.preventDefault(); });
      li.addEventListener("click", function () { choose(index); input.focus(); });
      options.appendChild(li);
    });
    if (results.length) {
      options.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = results.length + " matching dataset" + (results.length > 1 ? "s" : "") + ". Use the arrow keys to choose.";
    } else {
      close();
      status.textContent = "No dataset you can see matches.";
    }
  }

  function query(params) {
    if (datasetInput) params.set("dataset", datasetInput.value);
    return fetch(url + "?" + params.toString(), { credentials: "same-origin", signal: pending ? pending.signal : undefined })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; });
  }

  function search() {
    timer = null;
    var text = input.value.trim();
    if (text.length < 2) { close(); return; }
    if (pending) pending.abort();
    pending = new AbortController();
    query(new URLSearchParams({ q: text }))
      .then(function (answer) { show(answer.results || []); })
      .catch(function () { /* the text box still works: typed names are searched on save */ });
  }

  input.addEventListener("input", function () {
    if (timer) clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); if (options.hidden) search(); else highlight(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Enter") {
      if (!options.hidden && active >= 0) { event.preventDefault(); choose(active); }
      else if (!options.hidden && results.length === 1) { event.preventDefault(); choose(0); }
    } else if (event.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });

  // The sources already named: their titles, from the same endpoint.
  var names = box.value.split(/[\n,]/).map(function (s) { return s.trim(); }).filter(Boolean);
  if (names.length) {
    query(new URLSearchParams({ slugs: names.join(",") })).then(function (answer) {
      var known = {};
      (answer.results || []).forEach(function (item) { known[item.slug] = item; });
      chosen = names.map(function (name) { return known[name] || { slug: name, title: name, publisher: "" }; });
      sync();
    }).catch(function () {
      chosen = names.map(function (name) { return { slug: name, title: name, publisher: "" }; });
      sync();
    });
  } else {
    sync();
  }
})();

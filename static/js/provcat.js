/* Provcat: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  // Sorting: choosing an order applies it at once; without JavaScript the "Sort" button does.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    var button = form.querySelector("[data-autosubmit-button]");
    if (button) button.hidden = true;
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { form.submit(); });
    });
  });
  // Facets: on a phone the groups start folded so the results are reachable; a keyboard or tap opens them.
  if (window.matchMedia && window.matchMedia("(max-width: 48rem)").matches) {
    document.querySelectorAll("details.facet[data-fold-on-phone]").forEach(function (group) {
      if (!group.querySelector("[aria-current='true']")) group.open = false;
    });
  }
})();

// Starts Redoc on /api/redoc/ (a file, not an inline script, for the Content-Security-Policy).
// The nonce, from the bundle's own <script> element, lets the styles Redoc writes through.
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  var bundle = document.querySelector("script[nonce]");
  if (!container || !window.Redoc) { return; }
  var options = container.dataset.settings ? JSON.parse(container.dataset.settings) : {};
  options.nonce = bundle ? bundle.nonce : undefined;

  // Redoc puts h5 headings ("path Parameters") straight under an operation's h2, so a screen
  // reader's outline skips levels. Announce each heading at most one level below the one
  // before it, and again whenever Redoc draws more (a response opened, a schema expanded).
  function outlineHeadings() {
    var previous = 1;
    container.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach(function (heading) {
      var level = Number(heading.tagName.charAt(1));
      var announced = Math.min(level, previous + 1);
      if (announced !== level) {
        heading.setAttribute("aria-level", String(announced));
      } else {
        heading.removeAttribute("aria-level");
      }
      previous = announced;
    });
  }
  var pending = null;
  new MutationObserver(function () {
    if (pending === null) {
      pending = window.requestAnimationFrame(function () { pending = null; outlineHeadings(); });
    }
  }).observe(container, { childList: true, subtree: true });

  window.Redoc.init(container.dataset.schemaUrl, options, container, outlineHeadings);
}());

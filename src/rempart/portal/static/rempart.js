// Rempart portal behaviour. All of it lives in static files: the Content-Security-Policy
// allows no inline script, no eval and no inline style.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  // Every HTMX request of a signed-in page echoes the session's CSRF token in the header
  // the server checks on unsafe methods (deps.get_actor).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });

  // An answer swapped in takes the focus, so that keyboard and screen-reader users land
  // on it rather than staying on the button they pressed.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.querySelector) {
      return;
    }
    var focus = target.matches && target.matches("[data-focus]") ? target : target.querySelector("[data-focus]");
    if (focus) {
      focus.focus();
    }
  });

  // A request that could not reach the server at all: say so where the answer would go.
  document.addEventListener("htmx:sendError", function (event) {
    var target = event.detail.target;
    var message = document.body.getAttribute("data-offline-message");
    if (target && message) {
      target.textContent = message;
    }
  });

  window.Rempart = { csrfToken: csrfToken };
})();

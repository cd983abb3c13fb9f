// Step-up from the refusal that asks for it: the person presents their passkey again
// (RempartPasskeys.stepUp, static/passkeys.js) without leaving the page. A whole page
// refused goes back where the person was; a refusal swapped in beside a form says to
// send the form again (its fields are still filled in).
(function () {
  "use strict";

  document.addEventListener("click", async function (event) {
    var button = event.target.closest ? event.target.closest("[data-step-up]") : null;
    if (!button || !window.RempartPasskeys) {
      return;
    }
    event.preventDefault();
    var box = button.closest("[data-step-up-box]");
    var status = box.querySelector("[data-step-up-status]");
    button.disabled = true;
    status.textContent = box.getAttribute("data-msg-working");
    var result = await window.RempartPasskeys.stepUp();
    button.disabled = false;
    if (result.status !== 204 && result.status !== 200) {
      status.textContent = box.getAttribute("data-msg-failed");
      return;
    }
    var next = box.getAttribute("data-next");
    if (next) {
      window.location.assign(next);
      return;
    }
    status.textContent = box.getAttribute("data-msg-done");
  });
})();

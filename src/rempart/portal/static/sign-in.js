// The sign-in page: passkey, first passkey with an activation code, and the phishable
// fallback (password and one-time code) with its confirmation wait.
(function () {
  "use strict";

  var root = document.getElementById("sign-in");
  if (!root) {
    return;
  }
  var status = document.getElementById("sign-in-status");
  var error = document.getElementById("sign-in-error");
  var messages = root.dataset;

  function say(text) {
    error.hidden = true;
    error.textContent = "";
    status.textContent = text;
  }

  function fail(text) {
    status.textContent = "";
    error.textContent = text;
    error.hidden = false;
    error.focus();
  }

  function explain(result) {
    if (result.status === 0 && result.data && result.data.reason === "unsupported") {
      return messages.msgUnsupported;
    }
    if (result.status === 0) {
      return messages.msgCancelled;
    }
    if (result.status === 429) {
      return messages.msgThrottled;
    }
    return messages.msgRefused;
  }

  function done(result) {
    if (result.status === 200 && result.data && result.data.status === "signed_in") {
      window.location.assign(messages.next || "/home");
      return true;
    }
    return false;
  }

  function busy(form, on) {
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = on;
    }
  }

  error.setAttribute("tabindex", "-1");

  var passkeyForm = document.getElementById("passkey-form");
  passkeyForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    var login = passkeyForm.elements.login_name.value.trim();
    if (!login) {
      passkeyForm.elements.login_name.focus();
      return;
    }
    busy(passkeyForm, true);
    say(messages.msgWorking);
    var result = await window.RempartPasskeys.signIn(login);
    busy(passkeyForm, false);
    if (!done(result)) {
      fail(explain(result));
    }
  });

  var enrolForm = document.getElementById("enrol-form");
  enrolForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    var code = enrolForm.elements.code.value.trim();
    if (!code) {
      enrolForm.elements.code.focus();
      return;
    }
    busy(enrolForm, true);
    say(messages.msgWorking);
    var result = await window.RempartPasskeys.enrol(code);
    busy(enrolForm, false);
    if (!done(result)) {
      fail(explain(result));
    }
  });

  var passwordForm = document.getElementById("password-form");
  var pending = document.getElementById("pending");
  passwordForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    busy(passwordForm, true);
    say(messages.msgWorking);
    var result = await window.RempartPasskeys.postJSON("/api/v1/auth/password", {
      login_name: passwordForm.elements.login_name.value.trim(),
      password: passwordForm.elements.password.value,
      code: passwordForm.elements.code.value.trim(),
    });
    busy(passwordForm, false);
    passwordForm.elements.password.value = "";
    passwordForm.elements.code.value = "";
    if (done(result)) {
      return;
    }
    if (result.status === 202 && result.data) {
      document.getElementById("match-code").textContent = result.data.match_code || "";
      pending.hidden = false;
      say(messages.msgPending);
      document.getElementById("pending-continue").focus();
      return;
    }
    fail(explain(result));
  });

  document.getElementById("pending-continue").addEventListener("click", async function () {
    var result = await window.RempartPasskeys.postJSON("/api/v1/auth/pending", {});
    if (done(result)) {
      return;
    }
    if (result.status === 202) {
      say(messages.msgStillPending);
      return;
    }
    fail(explain(result));
  });
})();

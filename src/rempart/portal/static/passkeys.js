// Passkeys (WebAuthn) in the browser: the JSON options the server's endpoints give
// (py_webauthn's format, binary fields in base64url) become the browser's ArrayBuffers,
// and the credential the authenticator returns becomes JSON again.
(function () {
  "use strict";

  function fromBase64url(value) {
    var padded = value.replace(/-/g, "+").replace(/_/g, "/");
    while (padded.length % 4) {
      padded += "=";
    }
    var binary = atob(padded);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: fromBase64url(item.id) });
    });
  }

  function requestOptions(json) {
    return Object.assign({}, json, {
      challenge: fromBase64url(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    });
  }

  function creationOptions(json) {
    return Object.assign({}, json, {
      challenge: fromBase64url(json.challenge),
      user: Object.assign({}, json.user, { id: fromBase64url(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials),
    });
  }

  function assertionJSON(credential) {
    var response = {
      clientDataJSON: toBase64url(credential.response.clientDataJSON),
      authenticatorData: toBase64url(credential.response.authenticatorData),
      signature: toBase64url(credential.response.signature),
    };
    if (credential.response.userHandle) {
      response.userHandle = toBase64url(credential.response.userHandle);
    }
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
  }

  function attestationJSON(credential) {
    var transports = credential.response.getTransports ? credential.response.getTransports() : [];
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toBase64url(credential.response.clientDataJSON),
        attestationObject: toBase64url(credential.response.attestationObject),
        transports: transports,
      },
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
  }

  async function postJSON(url, body) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    var token = window.Rempart ? window.Rempart.csrfToken() : null;
    if (token) {
      headers["X-CSRF-Token"] = token;
    }
    var response = await fetch(url, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    var data = null;
    try {
      data = await response.json();
    } catch (ignored) {
      data = null;
    }
    return { status: response.status, data: data };
  }

  function supported() {
    return Boolean(window.PublicKeyCredential && navigator.credentials);
  }

  // Each returns {status, data} of the last call; status 0 when the browser or the
  // person declined (data.reason: "unsupported" or "cancelled").
  async function signIn(loginName) {
    if (!supported()) {
      return { status: 0, data: { reason: "unsupported" } };
    }
    var options = await postJSON("/api/v1/auth/passkey/options", { login_name: loginName });
    if (options.status !== 200) {
      return options;
    }
    var credential;
    try {
      credential = await navigator.credentials.get({ publicKey: requestOptions(options.data) });
    } catch (error) {
      return { status: 0, data: { reason: "cancelled" } };
    }
    return postJSON("/api/v1/auth/passkey", {
      login_name: loginName,
      credential: assertionJSON(credential),
    });
  }

  async function enrol(code) {
    if (!supported()) {
      return { status: 0, data: { reason: "unsupported" } };
    }
    var options = await postJSON("/api/v1/auth/enrolment/options", { code: code });
    if (options.status !== 200) {
      return options;
    }
    var credential;
    try {
      credential = await navigator.credentials.create({ publicKey: creationOptions(options.data) });
    } catch (error) {
      return { status: 0, data: { reason: "cancelled" } };
    }
    return postJSON("/api/v1/auth/enrolment", { code: code, credential: attestationJSON(credential) });
  }

  // Step-up: present the passkey again within a session (sensitive operations).
  async function stepUp() {
    if (!supported()) {
      return { status: 0, data: { reason: "unsupported" } };
    }
    var options = await postJSON("/api/v1/me/step-up/options", {});
    if (options.status !== 200) {
      return options;
    }
    var credential;
    try {
      credential = await navigator.credentials.get({ publicKey: requestOptions(options.data) });
    } catch (error) {
      return { status: 0, data: { reason: "cancelled" } };
    }
    return postJSON("/api/v1/me/step-up", { credential: assertionJSON(credential) });
  }

  window.RempartPasskeys = { signIn: signIn, enrol: enrol, stepUp: stepUp, postJSON: postJSON };
})();

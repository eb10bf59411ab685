// Tessera's passkey forms: runs the WebAuthn ceremony a form's
// `data-options` describe ({"publicKey": …}, binary fields base64url), puts
// the credential (WebAuthn's JSON encoding) in its `credential` field and
// submits it. Sign-in forms (#passkey-form) call navigator.credentials.get —
// with conditional mediation (autofill) when the form asks for it and the
// browser offers it, and modally from #passkey-button; registration forms
// (#passkey-register-form) call navigator.credentials.create on submit.
(function () {
  'use strict';
  function toBuffer(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) { s += '='; }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  function toBase64url(buf) {
    var bytes = new Uint8Array(buf);
    var s = '';
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBuffer(c.id) }); });
  }
  function requestOptions(form) {
    var p = Object.assign({}, JSON.parse(form.dataset.options).publicKey);
    p.challenge = toBuffer(p.challenge);
    p.allowCredentials = withIds(p.allowCredentials);
    return p;
  }
  function creationOptions(form) {
    var p = Object.assign({}, JSON.parse(form.dataset.options).publicKey);
    p.challenge = toBuffer(p.challenge);
    p.user = Object.assign({}, p.user, { id: toBuffer(p.user.id) });
    p.excludeCredentials = withIds(p.excludeCredentials);
    return p;
  }
  function encode(cred) {
    var r = cred.response;
    var out = { id: cred.id, rawId: toBase64url(cred.rawId), type: cred.type, response: {
      clientDataJSON: toBase64url(r.clientDataJSON) }, extensions: cred.getClientExtensionResults() };
    if (r.attestationObject) {
      out.response.attestationObject = toBase64url(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toBase64url(r.authenticatorData);
      out.response.signature = toBase64url(r.signature);
      out.response.userHandle = r.userHandle ? toBase64url(r.userHandle) : null;
    }
    return JSON.stringify(out);
  }
  function failed(form, e) {
    if (e && e.name === 'AbortError') { return; }
    var p = form.querySelector('#passkey-error');
    if (p) { p.textContent = 'The passkey did not work. Try again, or sign in another way.'; p.hidden = false; }
  }
  var signIn = document.getElementById('passkey-form');
  if (signIn && window.PublicKeyCredential) {
    var conditional = null;
    var get = function (mediation, signal) {
      var req = { publicKey: requestOptions(signIn) };
      if (mediation) { req.mediation = mediation; }
      if (signal) { req.signal = signal; }
      return navigator.credentials.get(req).then(function (cred) {
        signIn.elements.credential.value = encode(cred);
        signIn.submit();
      });
    };
    if (signIn.dataset.conditional === 'true' && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
        if (ok) {
          conditional = new AbortController();
          // Autofill that ends without the user (no passkey, timeout) is no error.
          get('conditional', conditional.signal).catch(function () {});
        }
      });
    }
    document.getElementById('passkey-button').addEventListener('click', function () {
      if (conditional) { conditional.abort(); conditional = null; }
      get(null, null).catch(function (e) { failed(signIn, e); });
    });
  }
  var register = document.getElementById('passkey-register-form');
  if (register && window.PublicKeyCredential) {
    register.addEventListener('submit', function (ev) {
      if (register.elements.credential.value) { return; }
      ev.preventDefault();
      navigator.credentials.create({ publicKey: creationOptions(register) }).then(function (cred) {
        register.elements.credential.value = encode(cred);
        register.submit();
      }).catch(function (e) { failed(register, e); });
    });
  }
}());

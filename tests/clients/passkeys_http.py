"""Strong authentication on Tessera's pages without a browser: `requests` as
the browser (cookies, forms, no redirects followed by itself), a software
passkey (soft_passkey.py: soft-webauthn with user verification) as the
authenticator, pyotp as the authenticator app, and MSAL for Python's
ConfidentialClientApplication as the web app that redeems the codes.

TESSERA_SCENARIO picks what runs:

"passkeys" —
  (a) two users with one-time Temporary Access Passes sign in with them at
      the security info page and register a passkey each there; the spent
      pass and a made-up one are then refused;
  (b) in a new browser, the first user signs in passwordless with the
      passkey at the authorize endpoint (acr_values asks for phishing-
      resistant MFA); the code's tokens carry amr fido+mfa and that acr. The
      second user's passkey keeps its signature counter at 0 (as synced
      passkeys do) and signs in the same way;
  (d) attacks, each refused with a 400 page, no code and no session: an
      assertion for another origin (and for another port), for another RP
      ID, with a flipped signature bit, answering another page's challenge,
      the second user's accepted POST sent again (counter 0, so only the
      spent challenge can refuse it), the first user's signature counter
      gone back; after the second user's password, the first user's passkey
      at the second user's MFA page — then the second user's own passkey
      passes it (amr pwd+fido+mfa).
"totp" —
  (c) a user signs in with a password at the security info page, enrolls an
      authenticator app from the QR page's secret (a code 3 steps old and a
      five-digit one refused first), then in a new browser signs in with the
      password, gets the MFA page, and passes it with a pyotp code; tokens
      carry amr pwd+otp+mfa and acr mfa;
  (d) a browser past the password but not the second factor can neither see
      nor use the add-method forms (POSTs 403), gets the MFA page again for
      the same request and an error (no code) for prompt=none; a wrong code,
      a code 3 steps ahead and one 3 steps old are refused, and the accepted
      code entered again in another sign-in is refused (replay);
  (e) with the session that passed MFA, the user changes the password (a
      wrong current password refused first) and deletes the authenticator
      app; then the old password is refused and the new one alone signs in
      (amr pwd, acr 1fa: no second factor left to ask for).

Each step prints an `OK <name>` line the Rust test asserts; any failure
exits non-zero with the page that showed it. Inputs (environment, set by the
Rust test): TESSERA_URL, TESSERA_TENANT, REQUESTS_CA_BUNDLE, TESSERA_SCENARIO,
TESSERA_WEB_CLIENT_ID, TESSERA_WEB_CLIENT_SECRET, TESSERA_WEB_REDIRECT,
TESSERA_USER_PASSWORD, and per scenario: TESSERA_PASSKEY_USER,
TESSERA_PASSKEY_USER_TAP, TESSERA_OTHER_USER, TESSERA_OTHER_USER_TAP
("passkeys"); TESSERA_TOTP_USER ("totp")."""
import copy
import json
import os
import secrets
import time
import urllib.parse

import jwt
import msal
import pyotp
import requests

from soft_passkey import (UvSoftWebauthnDevice, assertion_json, b64u, creation_options,
                          registration_json, request_options)
from tessera_pages import Page, fail

base = os.environ["TESSERA_URL"].rstrip("/")
tenant = os.environ["TESSERA_TENANT"]
scenario = os.environ["TESSERA_SCENARIO"]
web_client = os.environ["TESSERA_WEB_CLIENT_ID"]
web_secret = os.environ["TESSERA_WEB_CLIENT_SECRET"]
web_redirect = os.environ["TESSERA_WEB_REDIRECT"]
password = os.environ["TESSERA_USER_PASSWORD"]
authority = f"{base}/{tenant}"
issuer = f"{base}/{tenant}/v2.0"
origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(base))
rp_id = urllib.parse.urlsplit(base).hostname
security_info = f"/{tenant}/mysecurityinfo"
ACR_MFA = "urn:tessera:acr:mfa"
ACR_PHISHING_RESISTANT = "urn:tessera:acr:phishing-resistant-mfa"
WRONG_CODE = "The code is wrong or was already used."

if rp_id != "localhost":
    fail(f"the server's URL {base} is not on localhost: passkeys need a host name")


class Browser:
    """A browser: one cookie jar, redirects followed only within Tessera."""

    def __init__(self):
        self.s = requests.Session()  # honours REQUESTS_CA_BUNDLE

    def url(self, path):
        return path if path.startswith("http") else base + path

    def get(self, path):
        return self.s.get(self.url(path), allow_redirects=False)

    def post(self, path, data):
        return self.s.post(self.url(path), data=data, allow_redirects=False)

    def follow(self, resp):
        """Follows redirects to Tessera's own pages; stops at anything else."""
        while resp.is_redirect:
            loc = urllib.parse.urljoin(resp.url, resp.headers["Location"])
            if not loc.startswith(base + "/"):
                return resp
            resp = self.get(loc)
        return resp

    def session_cookie(self):
        return [c.name for c in self.s.cookies if "tessera_session" in c.name]


def submit(b, page, form_id, **typed):
    """Posts form `form_id` of `page` with its hidden fields and `typed`."""
    form = page.need(form_id, "form")
    if form.tag != "form" or form.get("method", "").lower() != "post":
        fail(f"#{form_id} is not a POST form", page.summary())
    data = form.fields()
    data.update(typed)
    return b.post(form.get("action"), data)


def options_of(page, form_id):
    form = page.need(form_id, "form")
    raw = form.get("data-options")
    if not raw:
        fail(f"#{form_id} has no data-options", page.summary())
    try:
        return json.loads(raw)
    except ValueError as e:
        fail(f"#{form_id} data-options is not JSON: {e}", raw)


def expect_refused(b, resp, what, message=None, signed_in=False):
    """A 400 page with p.error (optionally `message`), no redirect (so no
    code), and no session: none in the browser, or — for a browser that
    holds one already (`signed_in`: signed in, or past its password) — no
    new session cookie set."""
    page = Page(resp)
    if resp.status_code != 400 or resp.is_redirect:
        fail(f"{what}: expected a 400 page, got {resp.status_code}", page.summary())
    err = page.error()
    if not err:
        fail(f"{what}: the 400 page has no p.error", page.summary())
    if message is not None and message not in err:
        fail(f"{what}: p.error is {err!r}, expected {message!r}", page.summary())
    if "code=" in resp.text and web_redirect in resp.text:
        fail(f"{what}: the refusal page carries a code", page.summary())
    if signed_in:
        set_cookie = resp.headers.get("Set-Cookie", "")
        if "tessera_session" in set_cookie:
            fail(f"{what}: the refusal sets a session cookie", set_cookie)
    elif b.session_cookie():
        fail(f"{what}: the browser holds a session after the refusal", b.session_cookie())
    print(f"OK {what}: 400 {err!r}")
    return page


def ok(name, *more):
    print("OK", name, *more)


# --- The web app (MSAL) and the end of the authorize flow.

def web_app():
    return msal.ConfidentialClientApplication(
        web_client, client_credential=web_secret, authority=authority,
        # Only the authority URL changes; instance discovery would ask Microsoft's cloud.
        instance_discovery=False)


def start_flow(acr=None):
    app = web_app()
    flow = app.initiate_auth_code_flow(scopes=["User.Read"], redirect_uri=web_redirect)
    auth_uri = flow["auth_uri"]
    if not auth_uri.startswith(f"{authority}/oauth2/v2.0/authorize?"):
        fail("unexpected authorization endpoint", auth_uri)
    if acr:
        auth_uri += "&" + urllib.parse.urlencode({"acr_values": acr})
    return app, flow, auth_uri


def finish_flow(b, resp, app, flow, what):
    """From the response after the last sign-in step: accepts consent if
    asked, takes the code from the redirect, redeems it with MSAL and
    verifies the ID token; returns (result, id token claims)."""
    resp = b.follow(resp)
    if not resp.is_redirect:
        page = Page(resp)
        consent = [f for f in page.select("form") if f.get("action") == f"/{tenant}/consent"]
        if resp.status_code != 200 or not consent:
            fail(f"{what}: expected the redirect or the consent page", page.summary())
        data = consent[0].fields()
        data["decision"] = "accept"
        resp = b.follow(b.post(consent[0].get("action"), data))
    loc = resp.headers.get("Location", "")
    if not resp.is_redirect or not loc.startswith(web_redirect):
        fail(f"{what}: no redirect to the app", resp.status_code, loc, resp.text[:3000])
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
    if "code" not in params:
        fail(f"{what}: the redirect has no code", loc)
    result = app.acquire_token_by_auth_code_flow(flow, params)
    if "id_token" not in result or "access_token" not in result:
        fail(f"{what}: token response lacks tokens", result)
    jwks = jwt.PyJWKClient(f"{base}/{tenant}/discovery/v2.0/keys")
    key = jwks.get_signing_key_from_jwt(result["id_token"])
    claims = jwt.decode(result["id_token"], key.key, algorithms=["RS256", "ES256", "EdDSA"],
                        audience=web_client, issuer=issuer)
    return result, claims


def expect_amr(claims, want, acr, what):
    amr = claims.get("amr")
    if not isinstance(amr, list) or not set(want) <= set(amr):
        fail(f"{what}: id token amr {amr!r} lacks {want}", claims)
    if claims.get("acr") != acr:
        fail(f"{what}: id token acr {claims.get('acr')!r}, expected {acr!r}", claims)


# --- The security info page.

def sign_in_with_tap(b, upn, tap):
    """The security info page's sign-in with a Temporary Access Pass;
    returns the security info page it leads back to."""
    page = Page(b.get(security_info))
    form = page.need("tap-form", "the Temporary Access Pass form")
    ctx = dict(urllib.parse.parse_qsl(form.fields().get("ctx", "")))
    if ctx.get("mysecurityinfo") != "1":
        fail("the sign-in page at mysecurityinfo lacks ctx mysecurityinfo=1", form.fields())
    resp = submit(b, page, "tap-form", username=upn, tap=tap)
    return after_sign_in(b, resp, "TAP sign-in")


def sign_in_with_password(b, upn):
    page = Page(b.get(security_info))
    resp = submit(b, page, "password-form", username=upn, password=password)
    return resp


def after_sign_in(b, resp, what):
    if resp.status_code != 303 or urllib.parse.urljoin(resp.url, resp.headers["Location"]) \
            != base + security_info:
        fail(f"{what}: expected a 303 to {security_info}", Page(resp).summary())
    if not b.session_cookie():
        fail(f"{what}: no session cookie", resp.headers)
    page = Page(b.get(security_info))
    if page.resp.status_code != 200 or not page.select("li", cls="method"):
        fail(f"{what}: the security info page lists no methods", page.summary())
    return page


def methods(page, kind):
    return [m for m in page.select("li", cls="method") if m.get("data-kind") == kind]


def register_passkey(b, page, device, name):
    opts = options_of(page, "passkey-register-form")
    pk = opts["publicKey"]
    sel = pk.get("authenticatorSelection", {})
    if sel.get("residentKey") != "required" or sel.get("userVerification") != "required":
        fail("creation options do not require a resident key and user verification", opts)
    if pk.get("rp", {}).get("id") != rp_id:
        fail(f"creation options rp.id is not {rp_id}", opts)
    if not page.by_id("passkey-register-button"):
        fail("no #passkey-register-button", page.summary())
    before = len(methods(page, "fido2"))
    att = device.create(creation_options(opts), origin)
    resp = submit(b, page, "passkey-register-form", credential=registration_json(att),
                  display_name=name)
    if resp.status_code not in (200, 303):
        fail(f"registering passkey {name!r} answered {resp.status_code}", Page(resp).summary())
    page = Page(b.follow(resp))
    added = methods(page, "fido2")
    if len(added) != before + 1 or not any(name in m.text() for m in added):
        fail(f"passkey {name!r} is not listed after registering it", page.summary())
    return page


# --- Scenario "passkeys".

def passkey_page(b, acr=ACR_PHISHING_RESISTANT):
    """A new authorize request's sign-in page and its passkey options."""
    app, flow, auth_uri = start_flow(acr)
    page = Page(b.get(auth_uri))
    form = page.need("passkey-form", "the passkey sign-in form")
    if form.get("data-conditional") != "true":
        fail("#passkey-form lacks data-conditional=true", page.summary())
    if not page.by_id("passkey-button"):
        fail("no #passkey-button", page.summary())
    opts = options_of(page, "passkey-form")
    pk = opts["publicKey"]
    if pk.get("rpId") != rp_id or pk.get("userVerification") != "required" \
            or pk.get("allowCredentials") != []:
        fail("passwordless request options: rpId/userVerification/allowCredentials", opts)
    user = [i for i in page.select("input") if i.get("name") == "username"]
    if not user or user[0].get("autocomplete") != "username webauthn":
        fail("the username input lacks autocomplete='username webauthn'", page.summary())
    return app, flow, page, opts


def post_assertion(b, page, form_id, assertion):
    return submit(b, page, form_id, credential=assertion_json(assertion))


def scenario_passkeys():
    pat, pat_tap = os.environ["TESSERA_PASSKEY_USER"], os.environ["TESSERA_PASSKEY_USER_TAP"]
    bob, bob_tap = os.environ["TESSERA_OTHER_USER"], os.environ["TESSERA_OTHER_USER_TAP"]
    # Pat's key counts its signatures; Bob's reports 0 throughout, like a
    # synced passkey (so only the spent challenge can refuse a replay of it).
    pat_key, bob_key = UvSoftWebauthnDevice(), UvSoftWebauthnDevice(zero_counter=True)

    # (a) Temporary Access Pass, then a passkey from the security info page.
    b = Browser()
    page = sign_in_with_tap(b, pat, pat_tap)
    if not methods(page, "temporaryAccessPass"):
        fail("the security info page does not list the Temporary Access Pass", page.summary())
    register_passkey(b, page, pat_key, "Soft key of Pat")
    ok("tap sign-in and passkey registration", pat)
    b2 = Browser()
    register_passkey(b2, sign_in_with_tap(b2, bob, bob_tap), bob_key, "Soft key of Bob")
    ok("second user's passkey registration", bob)

    # The one-time pass is spent; a made-up pass never worked.
    for what, tap in (("spent one-time TAP refused", pat_tap),
                      ("wrong TAP refused", secrets.token_urlsafe(12))):
        c = Browser()
        page = Page(c.get(security_info))
        expect_refused(c, submit(c, page, "tap-form", username=pat, tap=tap), what)

    # (b) Passwordless with the passkey at the authorize endpoint, new browser.
    b = Browser()
    app, flow, page, opts = passkey_page(b)
    good = pat_key.get(request_options(opts), origin)
    good_post = dict(page.need("passkey-form").fields(), credential=assertion_json(good))
    resp = b.post(page.need("passkey-form").get("action"), good_post)
    _, claims = finish_flow(b, resp, app, flow, "passwordless sign-in")
    expect_amr(claims, ["fido", "mfa"], ACR_PHISHING_RESISTANT, "passwordless sign-in")
    if "pwd" in claims["amr"]:
        fail("passwordless sign-in's amr claims a password", claims)
    ok("passwordless passkey sign-in", "amr", claims["amr"], "acr", claims["acr"])

    # (d) Forged assertions at the passwordless page, each in a new browser
    # (no session to fall back on).
    def attack(what, **knobs):
        c = Browser()
        _, _, page, opts = passkey_page(c)
        a = pat_key.get(request_options(opts), knobs.pop("origin", origin), **knobs)
        expect_refused(c, post_assertion(c, page, "passkey-form", a), what)

    attack("assertion for another origin refused", origin="https://evil.example")
    attack("assertion for another origin (other port) refused",
           origin=f"https://localhost:{(urllib.parse.urlsplit(base).port or 443) + 1}")
    attack("assertion for another RP ID refused", rp_id="evil.example")
    attack("assertion with a flipped signature bit refused", flip_signature=True)

    # Another page's challenge: sign page 2's challenge, post with page 1's state.
    c = Browser()
    _, _, page1, _ = passkey_page(c)
    _, _, page2, opts2 = passkey_page(c)
    a = pat_key.get(request_options(opts2), origin)
    if page1.need("passkey-form").fields().get("state") == page2.need("passkey-form").fields().get("state"):
        fail("two sign-in pages carry the same passkey state")
    expect_refused(c, post_assertion(c, page1, "passkey-form", a),
                   "assertion of another page's challenge refused")

    # Bob's synced-style passkey signs in passwordless too; then the very
    # POST that was accepted is sent again (same CSRF cookie, no session).
    b = Browser()
    app, flow, page, opts = passkey_page(b)
    bob_post = dict(page.need("passkey-form").fields(),
                    credential=assertion_json(bob_key.get(request_options(opts), origin)))
    kept = [ck for ck in b.s.cookies if "tessera_session" not in ck.name]
    _, claims = finish_flow(b, b.post(page.need("passkey-form").get("action"), bob_post), app,
                            flow, "passwordless sign-in, counter 0")
    expect_amr(claims, ["fido", "mfa"], ACR_PHISHING_RESISTANT, "passwordless sign-in, counter 0")
    ok("passwordless passkey sign-in with a counter that stays 0", bob)
    c = Browser()
    for ck in kept:
        c.s.cookies.set_cookie(copy.copy(ck))
    expect_refused(c, c.post(page.need("passkey-form").get("action"), bob_post),
                   "replayed accepted assertion refused")

    # Counter regression: Pat's stored counter is 1 (the accepted sign-in;
    # the refused ones stored nothing); a cloned key that restarts from 0
    # answers with 1 again.
    pat_key.sign_count = 0
    attack("assertion with a signature counter gone back refused")

    # Pat's passkey at Bob's MFA page (after Bob's password).
    c = Browser()
    app, flow, auth_uri = start_flow()
    page = Page(c.get(auth_uri))
    page = Page(c.follow(submit(c, page, "password-form", username=bob, password=password)))
    if page.h1() != "Verify your identity":
        fail("Bob's password did not lead to the MFA page", page.summary())
    opts = options_of(page, "passkey-form")
    allowed = [d.get("id") for d in opts["publicKey"].get("allowCredentials", [])]
    if allowed != [b64u(bob_key.credential_id)]:
        fail("Bob's MFA options do not allow exactly Bob's passkey", allowed,
             b64u(bob_key.credential_id))
    if page.by_id("totp-form"):
        fail("Bob has no authenticator app, yet the MFA page offers a code", page.summary())
    pat_key.sign_count = 100  # past anything stored: only the user is wrong
    a = pat_key.get(request_options(opts), origin)
    refused = expect_refused(c, submit(c, page, "passkey-form", credential=assertion_json(a)),
                             "another user's passkey at the MFA page refused", signed_in=True)
    # The same step with Bob's own passkey, on the refusal page's form (or a
    # new MFA page if the refusal page does not offer it again).
    if not refused.by_id("passkey-form"):
        c = Browser()
        app, flow, auth_uri = start_flow()
        page = Page(c.get(auth_uri))
        refused = Page(c.follow(submit(c, page, "password-form", username=bob, password=password)))
    opts = options_of(refused, "passkey-form")
    a = bob_key.get(request_options(opts), origin)
    resp = submit(c, refused, "passkey-form", credential=assertion_json(a))
    _, claims = finish_flow(c, resp, app, flow, "Bob's MFA with his passkey")
    # A passkey is phishing-resistant, but the password came first: the
    # strongest strength the two satisfy is phishing-resistant MFA.
    expect_amr(claims, ["pwd", "fido", "mfa"], ACR_PHISHING_RESISTANT,
               "Bob's MFA with his passkey")
    ok("password then passkey at the MFA page", "amr", claims["amr"], "acr", claims["acr"])


# --- Scenario "totp".

def past_code(totp, steps):
    """A code `steps` steps away from now that no in-window step shares."""
    now = time.time()
    window = {totp.at(now + d * 30) for d in (-1, 0, 1, 2)}
    for extra in range(10):
        s = steps - extra if steps < 0 else steps + extra
        code = totp.at(now + s * 30)
        if code not in window:
            return code, s
    fail("could not find an out-of-window TOTP code distinct from the window's")


def scenario_totp():
    tom = os.environ["TESSERA_TOTP_USER"]

    # (c) Password sign-in at security info, then an authenticator app.
    b = Browser()
    page = after_sign_in(b, sign_in_with_password(b, tom), "password sign-in at security info")
    add = page.need("add-totp", "the add-authenticator-app link")
    page = Page(b.get(add.get("href")))
    qr = page.need("totp-qr", "the QR code")
    if not qr.get("src", "").startswith("data:image/svg+xml"):
        fail("#totp-qr is not a data: SVG", qr.get("src", "")[:80])
    secret = page.need("totp-secret").text().replace(" ", "")
    uri = page.need("totp-uri").get("href", "")
    parsed = pyotp.parse_uri(uri)
    if parsed.secret != secret or parsed.digits != 6 or parsed.interval != 30:
        fail("the otpauth URI does not match the secret shown", uri, secret)
    totp = pyotp.TOTP(secret)
    # Bad codes first: out of the ±1 step window (no step used yet, so only
    # the window can refuse it), and five digits.
    stale, steps = past_code(totp, -3)
    for what, code in ((f"enrolment with a code {-steps} steps old refused", stale),
                       ("enrolment with a five-digit code refused", stale[:5])):
        refused = expect_refused(b, submit(b, page, "totp-enroll-form", code=code), what,
                                 WRONG_CODE, signed_in=True)
        if not refused.by_id("totp-enroll-form"):
            fail(f"{what}: the refusal page does not offer the enrolment form again",
                 refused.summary())
        page = refused
        shown = page.need("totp-secret").text().replace(" ", "")
        if shown != secret:
            # The app the user set up holds the first secret; a page that
            # swaps it after a typo makes the next code fail too.
            fail(f"the enrolment page showed a new secret after: {what}", page.summary())
    enrolled_at = time.time()
    resp = submit(b, page, "totp-enroll-form", code=totp.at(enrolled_at))
    if resp.status_code not in (200, 303):
        fail("enrolment with the current code failed", Page(resp).summary())
    page = Page(b.follow(resp))
    if len(methods(page, "softwareOath")) != 1:
        fail("the authenticator app is not listed after enrolment", page.summary())
    ok("authenticator app enrolled", tom)

    def password_then_mfa(acr=None):
        c = Browser()
        app, flow, auth_uri = start_flow(acr)
        page = Page(c.get(auth_uri))
        resp = submit(c, page, "password-form", username=tom, password=password)
        page = Page(c.follow(resp))
        if page.resp.status_code != 200 or page.h1() != "Verify your identity":
            fail("the password did not lead to the MFA page", page.summary())
        code = page.need("totp-form").select("input", name="code")
        if not code or code[0].get("autocomplete") != "one-time-code":
            fail("the code input lacks autocomplete=one-time-code", page.summary())
        if page.by_id("passkey-form"):
            fail("Tom has no passkey, yet the MFA page offers one", page.summary())
        return c, app, flow, page

    # (d) Past the password, before the second factor: no adding methods.
    c, app, flow, page = password_then_mfa(ACR_MFA)
    csrf = page.need("totp-form").fields().get("csrf", "")
    si = Page(c.get(security_info))
    for id_ in ("passkey-register-form", "add-totp", "totp-enroll-form"):
        if si.by_id(id_):
            fail(f"half signed in (password only), the security info page offers #{id_}",
                 si.summary())
    enrol = Page(c.get(f"{security_info}/totp"))
    if enrol.by_id("totp-secret") or enrol.by_id("totp-enroll-form"):
        fail("half signed in, GET mysecurityinfo/totp shows a new secret", enrol.summary())
    for path, data in ((f"{security_info}/totp", {"csrf": csrf, "enrollment": "x", "code": "123456"}),
                       (f"{security_info}/passkey", {"csrf": csrf, "state": "x", "credential": "{}",
                                                     "display_name": "sneaky"})):
        r = c.post(path, data)
        if r.status_code != 403:
            fail(f"half signed in, POST {path} answered {r.status_code}, expected 403",
                 Page(r).summary())
    ok("no adding methods with the password alone (pages hide the forms, POSTs 403)")
    # Nor does the password alone sign in to an app: the same request again
    # shows the MFA page, and prompt=none gets an error, not a code.
    again = Page(c.follow(c.get(flow["auth_uri"])))
    if again.h1() != "Verify your identity" or again.resp.is_redirect:
        fail("half signed in, the authorize request again did not ask for the second factor",
             again.summary())
    _, _, silent_uri = start_flow()
    r = c.get(silent_uri + "&prompt=none")
    loc = r.headers.get("Location", "")
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
    if not r.is_redirect or not loc.startswith(web_redirect) or "code" in q or "error" not in q:
        fail("half signed in, prompt=none did not answer an error", r.status_code, loc,
             r.text[:2000])
    ok("no code with the password alone", "prompt=none:", q["error"])

    # Wrong, future and stale codes at the MFA page, each on the refusal
    # page's form (the same sign-in goes on).
    now = time.time()
    window = {totp.at(now + d * 30) for d in (-1, 0, 1, 2)}
    wrong = next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in window)
    future, ahead = past_code(totp, 3)
    stale, back = past_code(totp, -3)
    for what, code in ((f"wrong code {wrong} refused", wrong),
                       (f"code {ahead} steps ahead refused", future),
                       (f"code {-back} steps old refused", stale)):
        page = expect_refused(c, submit(c, page, "totp-form", code=code), what, WRONG_CODE,
                              signed_in=True)
        if not page.by_id("totp-form"):
            fail(f"{what}: the refusal page does not offer the code form again", page.summary())

    # The next step's code (the enrolment may have spent this step's).
    good = totp.at(time.time() + 30)
    resp = submit(c, page, "totp-form", code=good)
    _, claims = finish_flow(c, resp, app, flow, "password + authenticator app")
    expect_amr(claims, ["pwd", "otp", "mfa"], ACR_MFA, "password + authenticator app")
    ok("password and TOTP at the MFA page", "amr", claims["amr"], "acr", claims["acr"])

    mfa_browser = c

    # Replay: the same code in another sign-in.
    c, app, flow, page = password_then_mfa()
    expect_refused(c, submit(c, page, "totp-form", code=good), "replayed TOTP code refused",
                   WRONG_CODE, signed_in=True)

    # (e) Self-service with the session that passed MFA: change the password
    # (a wrong current password refused first), delete the authenticator
    # app; then the new password alone signs in, nothing else asked.
    c = mfa_browser
    page = Page(c.get(security_info))
    page = Page(c.get(page.need("change-password", "the change-password link").get("href")))
    new_password = "Another-Sufficient-Passphrase-9"
    refused = expect_refused(c, submit(c, page, "password-change-form",
                                       current_password=password + "x",
                                       new_password=new_password, confirm_password=new_password),
                             "password change with a wrong current password refused",
                             signed_in=True)
    resp = submit(c, refused, "password-change-form", current_password=password,
                  new_password=new_password, confirm_password=new_password)
    if resp.status_code not in (200, 303):
        fail("the password change failed", Page(resp).summary())
    page = Page(c.follow(resp))
    apps_ = methods(page, "softwareOath")
    if len(apps_) != 1:
        fail("the security info page does not list the authenticator app", page.summary())
    delete = [f for f in apps_[0].select("form", cls="delete-method")]
    if not delete:
        fail("the authenticator app has no delete form", page.summary())
    data = delete[0].fields()
    if data.get("id") != apps_[0].get("data-id"):
        fail("the delete form names another method", data, apps_[0].attrs)
    page = Page(c.follow(c.post(delete[0].get("action"), data)))
    if methods(page, "softwareOath") or page.resp.status_code != 200:
        fail("the authenticator app is still listed after deleting it", page.summary())
    ok("password changed and authenticator app deleted at security info")
    c = Browser()
    app, flow, auth_uri = start_flow()
    page = Page(c.get(auth_uri))
    expect_refused(c, submit(c, page, "password-form", username=tom, password=password),
                   "the old password refused after the change")
    page = Page(c.get(auth_uri))
    resp = submit(c, page, "password-form", username=tom, password=new_password)
    _, claims = finish_flow(c, resp, app, flow, "the new password, no second factor left")
    expect_amr(claims, ["pwd"], "urn:tessera:acr:1fa", "the new password, no second factor left")
    if "mfa" in claims["amr"]:
        fail("a password-only sign-in claims mfa", claims)
    ok("new password alone signs in once no second factor is left", "amr", claims["amr"])


if scenario == "passkeys":
    scenario_passkeys()
elif scenario == "totp":
    scenario_totp()
else:
    fail(f"unknown TESSERA_SCENARIO {scenario!r}")
print("OK scenario", scenario)

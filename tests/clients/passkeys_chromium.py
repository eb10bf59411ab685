"""Passkeys in a real browser: a headless Debian Chromium (through
chromedriver, trusting Tessera's dev CA) with a WebAuthn virtual
authenticator (CTAP2, internal transport, resident keys, user verification
that succeeds) — the browser's own WebAuthn code path, with Tessera's page
script (/static/webauthn.js) calling navigator.credentials.create and .get.

1. The user signs in at the security info page with a Temporary Access Pass
   and registers a passkey by clicking #passkey-register-button; the
   authenticator then holds one resident credential for RP ID `localhost`.
2. The user signs out (the logout page's "Sign out" button); the session
   cookie is gone.
3. MSAL for Python's acquire_token_interactive (auth code + PKCE, loopback
   listener), twice, each followed by signing out:
   - "conditional": the sign-in page's conditional request (the autofill
     UI) is answered by the authenticator without any click;
   - "button": the authenticator holds no credential while the page loads
     (so the conditional request has nothing to offer), the page reports
     PublicKeyCredential.isConditionalMediationAvailable() true, the
     credential comes back and the user clicks #passkey-button — no
     password typed.
   Each time MSAL gets tokens whose ID token (verified with PyJWT) has amr
   "fido" and "mfa" and no "pwd", and a recorder injected before the page's
   scripts shows which navigator.credentials.get call (conditional or
   modal) resolved.
4. No Content-Security-Policy violation in the console on any page.

Inputs (environment, set by the Rust test): TESSERA_URL, TESSERA_TENANT,
REQUESTS_CA_BUNDLE, TESSERA_PUBLIC_CLIENT_ID, TESSERA_USERNAME, TESSERA_TAP,
TESSERA_TEST_CHROMIUM, TESSERA_TEST_CHROMEDRIVER. Exits non-zero on failure."""
import os
import threading
import traceback
import urllib.parse

import jwt
import msal
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.virtual_authenticator import VirtualAuthenticatorOptions

from tessera_chromium import STEP_WAIT, Chromium, abort_msal
from tessera_pages import fail

base = os.environ["TESSERA_URL"].rstrip("/")
tenant = os.environ["TESSERA_TENANT"]
client_id = os.environ["TESSERA_PUBLIC_CLIENT_ID"]
username = os.environ["TESSERA_USERNAME"]
tap = os.environ["TESSERA_TAP"]
authority = f"{base}/{tenant}"
issuer = f"{base}/{tenant}/v2.0"
security_info = f"{base}/{tenant}/mysecurityinfo"
msal_wait = 240  # a hang guard only

if urllib.parse.urlsplit(base).hostname != "localhost":
    fail(f"the server's URL {base} is not on localhost: passkeys need a host name")

# With none of these, Python's webbrowser module finds no browser to launch,
# so MSAL gives the URI to auth_uri_callback below.
for var in ("DISPLAY", "WAYLAND_DISPLAY", "TERM"):
    os.environ.pop(var, None)
os.environ["BROWSER"] = ""

CONDITIONAL = """
const done = arguments[arguments.length - 1];
if (!window.PublicKeyCredential || !PublicKeyCredential.isConditionalMediationAvailable) {
  done("unsupported");
} else {
  PublicKeyCredential.isConditionalMediationAvailable().then(done, e => done("error " + e));
}"""


def css(d, selector):
    return d.find_elements(By.CSS_SELECTOR, selector)


def session_cookies(chrome):
    """Tessera's session cookie(s) as Chromium holds them (read on Tessera's
    origin: get_cookies() lists the current page's)."""
    chrome.driver.get(f"{base}/static/tessera.css")
    return [c for c in chrome.driver.get_cookies() if "tessera_session" in c["name"]]


def register(chrome):
    d = chrome.driver
    d.get(security_info)
    chrome.wait_for("the sign-in page's #tap-form", lambda d: css(d, "#tap-form"))
    # The pass form sits in a collapsed <details>: open it as a user would.
    if not css(d, "#tap-form input[name='tap']")[0].is_displayed():
        css(d, "details:has(#tap-form) > summary")[0].click()
    css(d, "#tap-form input[name='username']")[0].send_keys(username)
    css(d, "#tap-form input[name='tap']")[0].send_keys(tap)
    css(d, "#tap-form button[type='submit']")[0].click()
    chrome.wait_for("the security info page", lambda d: css(d, "#passkey-register-button"))
    if css(d, "li.method[data-kind='fido2']"):
        chrome.fail("a passkey is listed before registering one")
    names = css(d, "#passkey-register-form input[name='display_name']")
    if names:
        names[0].clear()
        names[0].send_keys("Chromium virtual authenticator")
    css(d, "#passkey-register-button")[0].click()
    chrome.wait_for("the passkey in the method list",
                    lambda d: css(d, "li.method[data-kind='fido2']")
                    or (css(d, "p.error") and css(d, "p.error")[0].text))
    if not css(d, "li.method[data-kind='fido2']"):
        chrome.fail("registration refused", css(d, "p.error")[0].text)
    creds = d.get_credentials()
    if len(creds) != 1 or not creds[0].is_resident_credential or creds[0].rp_id != "localhost":
        chrome.fail("the authenticator does not hold one resident credential for localhost",
                    [(c.id, c.rp_id, c.is_resident_credential) for c in creds])
    print("OK chromium passkey registered", f"credential {creds[0].id}")


def sign_out(chrome):
    d = chrome.driver
    d.get(f"{base}/{tenant}/oauth2/v2.0/logout")
    chrome.wait_for("the sign-out page", lambda d: css(d, "button[name='decision'][value='signout']"))
    css(d, "button[name='decision'][value='signout']")[0].click()
    chrome.wait_for("the signed-out page",
                    lambda d: not css(d, "button[name='decision'][value='signout']"))
    left = session_cookies(chrome)
    if left:
        chrome.fail("the session cookie survived signing out", left)
    print("OK chromium signed out")


# Records each navigator.credentials.get call and its outcome in the tab's
# sessionStorage (kept across navigations within Tessera's origin), injected
# before any page script runs: which path (conditional or modal) signed in.
RECORDER = """
(() => {
  const c = navigator.credentials;
  if (!c || !c.get) { return; }
  const orig = c.get.bind(c);
  const note = (s) => {
    try { sessionStorage.setItem('tessera-webauthn', (sessionStorage.getItem('tessera-webauthn') || '') + s + ';'); }
    catch (e) {}
  };
  c.get = function (req) {
    const m = (req && req.mediation) || 'modal';
    note('start:' + m);
    return orig(req).then(v => { note('resolved:' + m); return v; },
                          e => { note('rejected:' + m + ':' + e.name); throw e; });
  };
})();"""


def webauthn_calls(chrome):
    """The recorded get() calls, read back on Tessera's origin, then cleared."""
    d = chrome.driver
    if not d.current_url.startswith(base + "/"):
        d.get(f"{base}/static/tessera.css")
    calls = d.execute_script("const v = sessionStorage.getItem('tessera-webauthn') || '';"
                             "sessionStorage.removeItem('tessera-webauthn'); return v;")
    return [c for c in calls.split(";") if c]


def sign_in_with_passkey(chrome, st, mode, auth_uri, redirect_uri):
    """mode "conditional": the page's conditional request (autofill UI) is
    answered by the authenticator, no click. mode "button": the
    authenticator holds no credential while the page loads (so the
    conditional request finds nothing to offer), gets it back, and the user
    clicks #passkey-button."""
    d = chrome.driver
    saved = None
    if mode == "button":
        saved = d.get_credentials()
        d.remove_all_credentials()
    d.get(auth_uri)
    chrome.wait_for("the sign-in page's #passkey-button", lambda d: css(d, "#passkey-button")
                    or d.current_url.startswith(redirect_uri)
                    or not d.current_url.startswith(f"{authority}/oauth2/v2.0/authorize"))
    if mode == "button":
        user = css(d, "input[name='username']")
        if not user or "webauthn" not in (user[0].get_attribute("autocomplete") or "").split():
            raise AssertionError("the username input lacks the autocomplete token 'webauthn'")
        st["conditional"] = d.execute_async_script(CONDITIONAL)
        if st["conditional"] is not True:
            raise AssertionError(f"isConditionalMediationAvailable() gave {st['conditional']!r}")
        # The page has started its conditional request before the click.
        chrome.wait_for("the page's conditional request",
                        lambda d: "start:conditional" in (d.execute_script(
                            "return sessionStorage.getItem('tessera-webauthn') || ''") or ""))
        for c in saved:
            d.add_credential(c)
        # Chromium's virtual authenticator rejects a conditional request it
        # has nothing for (NotAllowedError) instead of leaving it pending as
        # a browser's autofill UI does: that is no error for the user.
        if css(d, "#passkey-error") and css(d, "#passkey-error")[0].is_displayed():
            raise AssertionError("before any click the page shows #passkey-error: "
                                 + repr(css(d, "#passkey-error")[0].text))
        css(d, "#passkey-button")[0].click()

    def consent_or_done(d):
        if d.current_url.startswith(redirect_uri):
            return "done"
        errs = [e.text for e in css(d, "p.error") if e.text]
        if errs:
            raise AssertionError(f"sign-in refused: {errs[0]}")
        if css(d, "button[name='decision'][value='accept']"):
            return "consent"
        return None

    if chrome.wait_for("the consent page or the redirect", consent_or_done) == "consent":
        css(d, "button[name='decision'][value='accept']")[0].click()
        st["consented"] = True
    chrome.wait_for("MSAL's loopback page",
                    lambda d: d.current_url.startswith(redirect_uri)
                    and "Authentication complete" in chrome.page_text())


def msal_sign_in(chrome, mode):
    st = {"auth_uri": None, "redirect_uri": None, "conditional": None, "error": None,
          "consented": False}
    threads = []

    def browser_thread(auth_uri, redirect_uri):
        try:
            sign_in_with_passkey(chrome, st, mode, auth_uri, redirect_uri)
        except Exception as e:  # reported by the main thread, after MSAL returns
            st["error"] = f"{e}\n{traceback.format_exc()}"
            abort_msal(redirect_uri, auth_uri, str(e).splitlines()[0][:200])

    def auth_uri_callback(auth_uri):
        # Runs on MSAL's listener thread before it serves requests: return at once.
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(auth_uri).query))
        st["auth_uri"], st["redirect_uri"] = auth_uri, q.get("redirect_uri", "")
        if not auth_uri.startswith(f"{authority}/oauth2/v2.0/authorize?"):
            st["error"] = f"unexpected authorization endpoint: {auth_uri}"
            abort_msal(st["redirect_uri"], auth_uri, "unexpected endpoint")
            return
        t = threading.Thread(target=browser_thread, args=(auth_uri, st["redirect_uri"]),
                             daemon=True)
        t.start()
        threads.append(t)

    webauthn_calls(chrome)  # forget the calls of earlier pages
    app = msal.PublicClientApplication(client_id, authority=authority, instance_discovery=False)
    try:
        result = app.acquire_token_interactive(scopes=["User.Read"], port=0, timeout=msal_wait,
                                               auth_uri_callback=auth_uri_callback)
    except msal.BrowserInteractionTimeoutError as e:
        chrome.fail("MSAL's listener got no response", e, st)
    for t in threads:
        t.join(STEP_WAIT)
    if st["auth_uri"] is None:
        fail("MSAL never called auth_uri_callback (it launched some other browser?)")
    if st["error"]:
        chrome.fail(f"the browser part failed ({mode})", st["error"])
    for k in ("access_token", "id_token", "id_token_claims"):
        if k not in result:
            chrome.fail(f"token response lacks {k}", result)
    jwks = jwt.PyJWKClient(f"{base}/{tenant}/discovery/v2.0/keys")
    key = jwks.get_signing_key_from_jwt(result["id_token"])
    claims = jwt.decode(result["id_token"], key.key, algorithms=["RS256", "ES256", "EdDSA"],
                        audience=client_id, issuer=issuer)
    if claims.get("preferred_username", "").lower() != username.lower():
        fail("preferred_username mismatch", claims)
    amr = claims.get("amr") or []
    if "fido" not in amr or "mfa" not in amr or "pwd" in amr:
        fail(f"ID token amr {amr!r}: expected fido and mfa, no pwd", claims)
    calls = webauthn_calls(chrome)
    resolved = [c for c in calls if c.startswith("resolved:")]
    if resolved != [f"resolved:{mode if mode == 'conditional' else 'modal'}"] \
            or calls[0] != "start:conditional":
        chrome.fail(f"{mode}: unexpected navigator.credentials.get calls", calls)
    print(f"OK chromium msal passkey sign-in ({mode})", msal.__version__, "amr", amr, "acr",
          claims.get("acr"), "get() calls", calls,
          "(consent shown)" if st["consented"] else "(no consent page)")


chrome = Chromium()
try:
    try:
        chrome.driver.add_virtual_authenticator(VirtualAuthenticatorOptions(
            protocol="ctap2", transport="internal", has_resident_key=True,
            has_user_verification=True, is_user_verified=True))
    except WebDriverException as e:
        chrome.fail("chromedriver refused the virtual authenticator", e)
    chrome.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    register(chrome)
    sign_out(chrome)
    msal_sign_in(chrome, "conditional")
    sign_out(chrome)
    msal_sign_in(chrome, "button")
    chrome.drain_console()
finally:
    chrome.quit()

for line in chrome.console_lines():
    print(line)
if chrome.csp_violations():
    fail("Chromium reported Content-Security-Policy violations", *chrome.csp_violations())
print("OK chromium no CSP violations")

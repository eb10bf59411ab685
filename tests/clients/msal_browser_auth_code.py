"""MSAL for Python's PublicClientApplication.acquire_token_interactive against
Tessera, with a real browser: MSAL runs its own loopback listener and the auth
code + PKCE flow (response_mode=form_post, redirect URI http://localhost on a
port the system picks, RFC 8252 section 7.3), and a headless Chromium (Debian's
`chromium`, driven by `chromium-driver` through selenium) signs the user in on
Tessera's sign-in page, accepts the consent page if it is shown, and runs the
form_post page's script that posts the code to MSAL's listener.

Checked besides the tokens (PyJWT against the JWKS): the sign-in inputs carry
the autocomplete hints password managers need; Chromium itself accepted the
`__Host-tessera_session` cookie (so it is Secure, Path=/, host-only), keeps it
HttpOnly (flag set, and hidden from the page's document.cookie); and the
browser's console shows no Content-Security-Policy violation on any page.

Chromium trusts Tessera's development CA properly, no certificate errors are
ignored: Chromium on Linux reads trust anchors from the NSS database in
$HOME/.pki/nssdb, so the script gives the browser a throwaway HOME whose NSS
database holds that CA, imported with `certutil` (Debian's libnss3-tools).

MSAL hands the authorization URI to `auth_uri_callback` only when Python's
webbrowser module finds no browser, so the script clears the variables that
module consults (DISPLAY, WAYLAND_DISPLAY, TERM, BROWSER) and then drives the
browser itself, as an app with an embedded browser would.

Inputs come from the environment (set by the Rust test): TESSERA_URL,
TESSERA_TENANT, TESSERA_PUBLIC_CLIENT_ID, TESSERA_USERNAME, TESSERA_PASSWORD,
and REQUESTS_CA_BUNDLE (the dev CA). TESSERA_TEST_CHROMIUM and
TESSERA_TEST_CHROMEDRIVER override /usr/bin/chromium and /usr/bin/chromedriver.
Exits non-zero on any failure."""
import os
import shutil
import subprocess
import tempfile
import threading
import traceback
import urllib.parse
import urllib.request

import jwt
import msal
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tessera_pages import fail

base = os.environ["TESSERA_URL"]
tenant = os.environ["TESSERA_TENANT"]
client_id = os.environ["TESSERA_PUBLIC_CLIENT_ID"]
username = os.environ["TESSERA_USERNAME"]
password = os.environ["TESSERA_PASSWORD"]
ca_file = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ["SSL_CERT_FILE"]
chromium = os.environ.get("TESSERA_TEST_CHROMIUM", "/usr/bin/chromium")
chromedriver = os.environ.get("TESSERA_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
authority = f"{base}/{tenant}"
issuer = f"{base}/{tenant}/v2.0"
graph_app_id = "00000003-0000-0000-c000-000000000000"
session_cookie = "__Host-tessera_session"
# Guards against a hang only (the flow takes a few seconds); nothing asserts on time.
step_wait = 60
msal_wait = 240

for path in (chromium, chromedriver):
    if not os.access(path, os.X_OK):
        fail(f"{path} is missing: scripts/test.sh installs Debian's chromium and chromium-driver")
certutil = shutil.which("certutil")
if not certutil:
    fail("certutil is missing: scripts/test.sh installs Debian's libnss3-tools")

work = tempfile.mkdtemp(prefix="tessera-chromium-")


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}", p.stdout, p.stderr)


def start_chromium():
    """A headless Chromium whose HOME has an NSS database trusting the dev CA."""
    nssdb = os.path.join(work, ".pki", "nssdb")
    os.makedirs(nssdb)
    run(certutil, "-d", f"sql:{nssdb}", "-N", "--empty-password")
    # "C,,": a trusted CA for TLS server certificates.
    run(certutil, "-d", f"sql:{nssdb}", "-A", "-t", "C,,", "-n", "Tessera development CA", "-i", ca_file)
    options = Options()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                f"--user-data-dir={os.path.join(work, 'profile')}",
                # Everything here is on loopback; no proxy setting may intervene.
                "--no-proxy-server", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(chromedriver, env=dict(os.environ, HOME=work),
                      log_output=os.path.join(work, "chromedriver.log"))
    try:
        return webdriver.Chrome(service=service, options=options)
    except WebDriverException as e:
        fail("headless Chromium did not start", e, chromedriver_log())


def chromedriver_log():
    try:
        with open(os.path.join(work, "chromedriver.log"), encoding="utf-8", errors="replace") as f:
            return f.read()[-4000:]
    except OSError:
        return "(no chromedriver log)"


console = []  # every browser console entry, in order


def drain_console(driver):
    try:
        console.extend(driver.get_log("browser"))
    except WebDriverException as e:
        console.append({"level": "INFO", "message": f"(get_log failed: {e.msg})"})


def console_lines():
    return [f"console: {e.get('level')} {e.get('message')}" for e in console]


def browser_fail(driver, msg, *details):
    drain_console(driver)
    fail(msg, *details, *console_lines(), chromedriver_log())


def wait_for(driver, what, cond):
    try:
        return WebDriverWait(driver, step_wait, poll_frequency=0.2).until(cond)
    except TimeoutException:
        raise AssertionError(f"timed out waiting for {what}; at {driver.current_url}:\n"
                             f"{page_text(driver)}") from None


def page_text(driver):
    try:
        return driver.find_element(By.TAG_NAME, "body").text[:2000]
    except WebDriverException:
        return driver.page_source[:2000]


state = {"auth_uri": None, "redirect_uri": None, "consented": False, "error": None}


def sign_in(driver, auth_uri, redirect_uri):
    """What the user does in the browser, from the authorize URL to MSAL's page."""
    driver.get(auth_uri)
    user = wait_for(driver, "the sign-in page", lambda d: d.find_elements(By.NAME, "username"))[0]
    pw = driver.find_element(By.NAME, "password")
    if user.get_attribute("autocomplete") != "username webauthn":
        raise AssertionError(f"username input autocomplete={user.get_attribute('autocomplete')!r}")
    if pw.get_attribute("autocomplete") != "current-password" or pw.get_attribute("type") != "password":
        raise AssertionError("password input lacks type=password autocomplete=current-password")
    user.send_keys(username)
    pw.send_keys(password)
    pw.find_element(By.XPATH, "./ancestor::form//button[@type='submit']").click()

    def consent_or_done(d):
        if d.current_url.startswith(redirect_uri):
            return "done"
        if d.find_elements(By.ID, "signin-error"):
            raise AssertionError(f"sign-in refused: {d.find_element(By.ID, 'signin-error').text}")
        if d.find_elements(By.CSS_SELECTOR, "button[name='decision'][value='accept']"):
            return "consent"
        return None

    if wait_for(driver, "the consent page or the redirect", consent_or_done) == "consent":
        if "Permissions requested" not in page_text(driver):
            raise AssertionError(f"consent page lacks 'Permissions requested':\n{page_text(driver)}")
        if not driver.find_elements(By.CSS_SELECTOR, "button[name='decision'][value='cancel']"):
            raise AssertionError("consent page lacks a decision=cancel button")
        driver.find_element(By.CSS_SELECTOR, "button[name='decision'][value='accept']").click()
        state["consented"] = True
    # The form_post page's script posts the code to MSAL's listener, which answers
    # with its own page once it has taken the response (and checked `state`).
    wait_for(driver, "MSAL's loopback page",
             lambda d: d.current_url.startswith(redirect_uri)
             and "Authentication complete" in page_text(d))


def abort_msal(redirect_uri, auth_uri, why):
    """Ends MSAL's wait at once: posts an error response to its listener."""
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(auth_uri).query))
    body = urllib.parse.urlencode({"error": "test_browser_failed", "error_description": why,
                                   "state": q.get("state", "")}).encode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        opener.open(redirect_uri, data=body, timeout=10).read()
    except OSError:
        pass  # MSAL's timeout still ends the wait


def browser_thread(driver, auth_uri, redirect_uri):
    try:
        sign_in(driver, auth_uri, redirect_uri)
    except Exception as e:  # reported by the main thread, after MSAL returns
        state["error"] = f"{e}\n{traceback.format_exc()}"
        abort_msal(redirect_uri, auth_uri, str(e).splitlines()[0][:200])


# With none of these, Python's webbrowser module finds no browser to launch,
# so MSAL gives the URI to auth_uri_callback below.
for var in ("DISPLAY", "WAYLAND_DISPLAY", "TERM"):
    os.environ.pop(var, None)
os.environ["BROWSER"] = ""

driver = start_chromium()
try:
    threads = []

    def auth_uri_callback(auth_uri):
        # Runs on MSAL's listener thread before it serves requests: return at once.
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(auth_uri).query))
        state["auth_uri"] = auth_uri
        state["redirect_uri"] = q.get("redirect_uri", "")
        if not auth_uri.startswith(f"{authority}/oauth2/v2.0/authorize?"):
            state["error"] = f"unexpected authorization endpoint: {auth_uri}"
            abort_msal(state["redirect_uri"], auth_uri, "unexpected endpoint")
            return
        t = threading.Thread(target=browser_thread, args=(driver, auth_uri, state["redirect_uri"]),
                             daemon=True)
        t.start()
        threads.append(t)

    app = msal.PublicClientApplication(
        client_id,
        authority=authority,
        # Only the authority URL changes; instance discovery would ask Microsoft's cloud.
        instance_discovery=False,
    )
    try:
        result = app.acquire_token_interactive(
            scopes=["User.Read"],
            port=0,  # the system picks a free port: no race with another listener
            timeout=msal_wait,
            auth_uri_callback=auth_uri_callback,
        )
    except msal.BrowserInteractionTimeoutError as e:
        browser_fail(driver, "MSAL's listener got no response", e, state)
    for t in threads:
        t.join(step_wait)
    if state["auth_uri"] is None:
        fail("MSAL never called auth_uri_callback (it launched some other browser?)")
    if state["error"]:
        browser_fail(driver, "the browser part failed", state["error"])
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(state["auth_uri"]).query))
    redirect = urllib.parse.urlsplit(state["redirect_uri"])
    if (redirect.scheme, redirect.hostname) != ("http", "localhost") or not redirect.port:
        fail("MSAL's redirect URI is not http://localhost:<port>", state["redirect_uri"])
    if q.get("response_mode") != "form_post" or q.get("code_challenge_method") != "S256":
        fail("MSAL's authorize request lacks form_post or PKCE S256", state["auth_uri"])

    # --- The tokens MSAL redeemed with the code and its PKCE verifier.
    for k in ("access_token", "refresh_token", "id_token", "id_token_claims"):
        if k not in result:
            fail(f"token response lacks {k}", result)
    if result.get("token_source") != "identity_provider":
        fail("token did not come from the token endpoint", result)
    id_claims = result["id_token_claims"]
    if id_claims.get("preferred_username", "").lower() != username.lower():
        fail("preferred_username mismatch", id_claims)

    jwks = jwt.PyJWKClient(f"{base}/{tenant}/discovery/v2.0/keys")
    algs = ["RS256", "ES256", "EdDSA"]
    id_key = jwks.get_signing_key_from_jwt(result["id_token"])
    verified_id = jwt.decode(result["id_token"], id_key.key, algorithms=algs, audience=client_id, issuer=issuer)
    if verified_id.get("tid") != tenant:
        fail("ID token tid mismatch", verified_id)
    at_key = jwks.get_signing_key_from_jwt(result["access_token"])
    at_claims = jwt.decode(result["access_token"], at_key.key, algorithms=algs, audience=graph_app_id,
                           issuer=issuer)
    if at_claims.get("tid") != tenant or at_claims.get("azp") != client_id:
        fail("access token tid/azp mismatch", at_claims)
    if "User.Read" not in at_claims.get("scp", "").split():
        fail("access token lacks scp User.Read", at_claims)

    # --- What the browser kept. get_cookies() lists the current page's cookies,
    # so go back to Tessera's origin (its stylesheet: no side effect).
    drain_console(driver)
    driver.get(f"{base}/static/tessera.css")
    cookies = {c["name"]: c for c in driver.get_cookies()}
    session = cookies.get(session_cookie)
    if session is None:
        browser_fail(driver, f"Chromium holds no {session_cookie} cookie", sorted(cookies))
    if session.get("httpOnly") is not True or session.get("secure") is not True:
        browser_fail(driver, f"{session_cookie} is not HttpOnly and Secure in Chromium", session)
    if session.get("path") != "/" or session.get("domain", "").startswith("."):
        browser_fail(driver, f"{session_cookie} is not host-only with Path=/", session)
    if session_cookie in driver.execute_script("return document.cookie"):
        browser_fail(driver, f"{session_cookie} is readable by the page's scripts")
    drain_console(driver)
finally:
    try:
        driver.quit()
    finally:
        shutil.rmtree(work, ignore_errors=True)

for line in console_lines():
    print(line)
csp = [e for e in console
       if "content security policy" in e.get("message", "").lower().replace("-", " ")]
if csp:
    fail("Chromium reported Content-Security-Policy violations", *[e["message"] for e in csp])
print(f"cookie {session_cookie}: httpOnly secure path=/ sameSite={session.get('sameSite')}")
print("OK chromium msal interactive", msal.__version__,
      "(consent shown)" if state["consented"] else "(no consent page)")

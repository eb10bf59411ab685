"""A headless Debian Chromium (through chromedriver) that trusts Tessera's
development CA, and the console bookkeeping the browser tests share.

Chromium on Linux reads trust anchors from the NSS database in
$HOME/.pki/nssdb, so the browser gets a throwaway HOME whose NSS database
holds the dev CA (imported with Debian's `certutil`): no certificate error is
ignored. Environment: REQUESTS_CA_BUNDLE or SSL_CERT_FILE (the CA),
TESSERA_TEST_CHROMIUM and TESSERA_TEST_CHROMEDRIVER (default /usr/bin/...)."""
import os
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tessera_pages import fail

# Guards against a hang only (each step takes a second or two); nothing asserts on time.
STEP_WAIT = 60


class Chromium:
    def __init__(self):
        self.ca_file = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ["SSL_CERT_FILE"]
        self.chromium = os.environ.get("TESSERA_TEST_CHROMIUM", "/usr/bin/chromium")
        self.chromedriver = os.environ.get("TESSERA_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
        for path in (self.chromium, self.chromedriver):
            if not os.access(path, os.X_OK):
                fail(f"{path} is missing: scripts/test.sh installs Debian's chromium and chromium-driver")
        self.certutil = shutil.which("certutil")
        if not self.certutil:
            fail("certutil is missing: scripts/test.sh installs Debian's libnss3-tools")
        self.work = tempfile.mkdtemp(prefix="tessera-chromium-")
        self.console = []  # every browser console entry, in order
        self.driver = self._start()

    def _run(self, *cmd):
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            fail(f"{' '.join(cmd)} exited {p.returncode}", p.stdout, p.stderr)

    def _start(self):
        nssdb = os.path.join(self.work, ".pki", "nssdb")
        os.makedirs(nssdb)
        self._run(self.certutil, "-d", f"sql:{nssdb}", "-N", "--empty-password")
        # "C,,": a trusted CA for TLS server certificates.
        self._run(self.certutil, "-d", f"sql:{nssdb}", "-A", "-t", "C,,", "-n",
                  "Tessera development CA", "-i", self.ca_file)
        options = Options()
        options.binary_location = self.chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    f"--user-data-dir={os.path.join(self.work, 'profile')}",
                    # Everything here is on loopback; no proxy setting may intervene.
                    "--no-proxy-server", "--no-first-run", "--disable-extensions"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(self.chromedriver, env=dict(os.environ, HOME=self.work),
                          log_output=os.path.join(self.work, "chromedriver.log"))
        try:
            return webdriver.Chrome(service=service, options=options)
        except WebDriverException as e:
            fail("headless Chromium did not start", e, self.chromedriver_log())

    def chromedriver_log(self):
        try:
            with open(os.path.join(self.work, "chromedriver.log"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return "(no chromedriver log)"

    def drain_console(self):
        try:
            self.console.extend(self.driver.get_log("browser"))
        except WebDriverException as e:
            self.console.append({"level": "INFO", "message": f"(get_log failed: {e.msg})"})

    def console_lines(self):
        return [f"console: {e.get('level')} {e.get('message')}" for e in self.console]

    def csp_violations(self):
        return [e["message"] for e in self.console
                if "content security policy" in e.get("message", "").lower().replace("-", " ")]

    def fail(self, msg, *details):
        self.drain_console()
        fail(msg, *details, *self.console_lines(), self.chromedriver_log())

    def wait_for(self, what, cond):
        try:
            return WebDriverWait(self.driver, STEP_WAIT, poll_frequency=0.2).until(cond)
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what}; at {self.driver.current_url}:\n"
                                 f"{self.page_text()}") from None

    def page_text(self):
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text[:2000]
        except WebDriverException:
            return self.driver.page_source[:2000]

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.work, ignore_errors=True)


def abort_msal(redirect_uri, auth_uri, why):
    """Ends MSAL's wait for its loopback listener at once: posts an error
    response to it (with the request's state, which MSAL checks)."""
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(auth_uri).query))
    body = urllib.parse.urlencode({"error": "test_browser_failed", "error_description": why,
                                   "state": q.get("state", "")}).encode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        opener.open(redirect_uri, data=body, timeout=10).read()
    except OSError:
        pass  # MSAL's timeout still ends the wait

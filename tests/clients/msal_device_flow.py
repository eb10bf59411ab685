"""MSAL for Python against Tessera: the device authorization grant (RFC 8628),
"sign in on a TV with a browser on another device". MSAL starts the flow and
polls the token endpoint in a thread, as a device would; meanwhile the "other
device" (requests) opens the verification URI, enters the user code, confirms
the application, signs in and consents. PyJWT verifies the access token
against Tessera's JWKS; then MSAL refreshes silently. Exits non-zero on any
failure. Inputs come from the environment (set by the Rust test)."""
import os
import threading
import urllib.parse

import jwt
import msal
import requests

from tessera_pages import fail, find_form, hidden_fields, input_types

base = os.environ["TESSERA_URL"]
tenant = os.environ["TESSERA_TENANT"]
client_id = os.environ["TESSERA_PUBLIC_CLIENT_ID"]
username = os.environ["TESSERA_USERNAME"]
password = os.environ["TESSERA_PASSWORD"]
authority = f"{base}/{tenant}"
issuer = f"{base}/{tenant}/v2.0"
graph_app_id = "00000003-0000-0000-c000-000000000000"

app = msal.PublicClientApplication(client_id, authority=authority, instance_discovery=False)
flow = app.initiate_device_flow(scopes=["User.Read"])
for k in ("user_code", "device_code", "verification_uri", "expires_in", "interval", "message"):
    if k not in flow:
        fail(f"device authorization response lacks {k!r}", flow)
if flow["verification_uri"] != f"{base}/devicelogin":
    fail("unexpected verification_uri", flow["verification_uri"])
if flow["user_code"] not in flow["message"] or flow["verification_uri"] not in flow["message"]:
    fail("message does not tell the user where to go and what to type", flow["message"])

# --- The device: MSAL polls (authorization_pending) until the user approves.
outcome = {}
poller = threading.Thread(target=lambda: outcome.update(result=app.acquire_token_by_device_flow(flow)))
poller.start()

# --- The other device's browser.
browser = requests.Session()
resp = browser.get(flow["verification_uri"], allow_redirects=False)
if resp.status_code != 200:
    fail(f"/devicelogin answered {resp.status_code}", resp.text[:4000])
entry = find_form(resp, "/devicelogin")
if "user_code" not in input_types(entry):
    fail("code entry form lacks a user_code input", entry)
fields = hidden_fields(entry)
# People type codes loosely: lower case and a dash must still work.
typed = flow["user_code"].lower()
fields["user_code"] = typed[:4] + "-" + typed[4:]
resp = browser.post(urllib.parse.urljoin(resp.url, entry["action"]), data=fields, allow_redirects=False)
if resp.status_code != 200:
    fail(f"code entry answered {resp.status_code}", resp.text[:4000])
confirm = find_form(resp, "/devicelogin")
if "Native Notes" not in resp.text:
    fail("the confirmation page does not name the application", resp.text[:4000])
decisions = {b.get("value") for b in confirm["buttons"] if b.get("name") == "decision"}
if not {"continue", "cancel"} <= decisions:
    fail("confirmation lacks Continue/Cancel", confirm)
fields = hidden_fields(confirm)
fields["decision"] = "continue"
resp = browser.post(urllib.parse.urljoin(resp.url, confirm["action"]), data=fields, allow_redirects=False)
if resp.status_code != 200:
    fail(f"confirmation answered {resp.status_code}", resp.text[:4000])

login = find_form(resp, f"/{tenant}/login")
fields = hidden_fields(login)
fields.update(username=username, password=password)
resp = browser.post(urllib.parse.urljoin(resp.url, login["action"]), data=fields, allow_redirects=False)
if resp.status_code != 200:
    fail(f"sign-in answered {resp.status_code}", resp.text[:4000])
if "You're signed in" not in resp.text and "You&#x27;re signed in" not in resp.text:
    consent = find_form(resp, f"/{tenant}/consent")
    fields = hidden_fields(consent)
    fields["decision"] = "accept"
    resp = browser.post(urllib.parse.urljoin(resp.url, consent["action"]), data=fields, allow_redirects=False)
if resp.status_code != 200 or "signed in to Native Notes" not in resp.text:
    fail("no confirmation that the device is signed in", resp.status_code, resp.text[:4000])

poller.join(timeout=120)
if poller.is_alive():
    fail("MSAL was still polling two minutes after the approval")
result = outcome.get("result") or {}
for k in ("access_token", "refresh_token", "id_token_claims"):
    if k not in result:
        fail(f"device flow result lacks {k}", result)
if result["id_token_claims"].get("preferred_username", "").lower() != username.lower():
    fail("preferred_username mismatch", result["id_token_claims"])

jwks = jwt.PyJWKClient(f"{base}/{tenant}/discovery/v2.0/keys")
key = jwks.get_signing_key_from_jwt(result["access_token"])
claims = jwt.decode(result["access_token"], key.key, algorithms=["RS256", "ES256", "EdDSA"],
                    audience=graph_app_id, issuer=issuer)
if claims["azp"] != client_id or claims.get("azpacr") != "0" or "User.Read" not in claims["scp"].split():
    fail("unexpected access token claims", claims)
print("OK msal device flow", msal.__version__)

# The same code cannot be redeemed twice.
again = requests.post(f"{authority}/oauth2/v2.0/token", data={
    "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
    "client_id": client_id, "device_code": flow["device_code"]})
if again.status_code != 400 or again.json().get("error") != "invalid_grant":
    fail("a redeemed device code was accepted again", again.status_code, again.text)

accounts = app.get_accounts()
if len(accounts) != 1:
    fail("expected one cached account", accounts)
silent = app.acquire_token_silent(["User.Read"], account=accounts[0], force_refresh=True)
if not silent or "access_token" not in silent:
    fail("acquire_token_silent after the device flow failed", silent)
print("OK msal device silent refresh")

"""MSAL for Python against Tessera's access rules: a public client whose
service principal requires assignment (appRoleAssignmentRequired), and
revocation. The administrator's side goes through the directory API with
the bootstrap client's token (requests). Steps:
1. Ada signs in (auth code + PKCE through the pages) while the app is open
   to everyone; MSAL caches her refresh token.
2. The app is made to require assignment: MSAL's silent refresh fails with
   invalid_grant and AADSTS50105.
3. Ada is assigned (default access): the silent refresh works again.
4. Her sessions are revoked (revokeSignInSessions): the silent refresh fails.
Inputs come from the environment (set by the Rust test)."""
import os
import urllib.parse
import warnings

import msal
import requests

from tessera_pages import fail, find_form, hidden_fields

base = os.environ["TESSERA_URL"]
tenant = os.environ["TESSERA_TENANT"]
client_id = os.environ["TESSERA_PUBLIC_CLIENT_ID"]
sp_id = os.environ["TESSERA_PUBLIC_SP_ID"]
user_id = os.environ["TESSERA_USER_ID"]
username = os.environ["TESSERA_USERNAME"]
password = os.environ["TESSERA_PASSWORD"]
authority = f"{base}/{tenant}"
redirect_uri = "http://localhost:53124"

admin = msal.ConfidentialClientApplication(
    os.environ["TESSERA_CLIENT_ID"],
    client_credential=os.environ["TESSERA_CLIENT_SECRET"],
    authority=authority,
    instance_discovery=False,
)
graph_token = admin.acquire_token_for_client(["https://graph.microsoft.com/.default"])
if "access_token" not in graph_token:
    fail("no directory API token for the administrator", graph_token)
graph = requests.Session()
graph.headers["Authorization"] = "Bearer " + graph_token["access_token"]


def graph_call(method, path, body=None, expect=(200, 201, 204)):
    r = graph.request(method, f"{base}/v1.0{path}", json=body)
    if r.status_code not in expect:
        fail(f"{method} {path} answered {r.status_code}", r.text[:2000])
    return r


app = msal.PublicClientApplication(client_id, authority=authority, instance_discovery=False)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
    flow = app.initiate_auth_code_flow(scopes=["User.Read"], redirect_uri=redirect_uri)
browser = requests.Session()
resp = browser.get(flow["auth_uri"], allow_redirects=False)
login = find_form(resp, f"/{tenant}/login")
fields = hidden_fields(login)
fields.update(username=username, password=password)
resp = browser.post(urllib.parse.urljoin(resp.url, login["action"]), data=fields, allow_redirects=False)
if not (resp.is_redirect and resp.headers["Location"].startswith(redirect_uri)):
    consent = find_form(resp, f"/{tenant}/consent")
    fields = hidden_fields(consent)
    fields["decision"] = "accept"
    resp = browser.post(urllib.parse.urljoin(resp.url, consent["action"]), data=fields, allow_redirects=False)
query = urllib.parse.urlsplit(resp.headers["Location"]).query
result = app.acquire_token_by_auth_code_flow(flow, dict(urllib.parse.parse_qsl(query)))
if "refresh_token" not in result:
    fail("sign-in gave no refresh token", result)
account = app.get_accounts()[0]
print("OK msal signed in")


def silent():
    # A fresh application object over the same token cache for each call:
    # MSAL keeps an HTTP 400 answer for 60 seconds and replays it for the
    # same request (its throttling), which would hide the server's new answer.
    fresh = msal.PublicClientApplication(client_id, authority=authority, instance_discovery=False,
                                         token_cache=app.token_cache)
    return fresh.acquire_token_silent_with_error(["User.Read"], account=account, force_refresh=True)


graph_call("PATCH", f"/servicePrincipals/{sp_id}", {"appRoleAssignmentRequired": True})
refused = silent()
if not refused or refused.get("error") != "invalid_grant" or 50105 not in refused.get("error_codes", []):
    fail("an unassigned user's refresh was not refused with AADSTS50105", refused)
print("OK msal refused unassigned", refused["error_codes"])

graph_call("POST", f"/servicePrincipals/{sp_id}/appRoleAssignedTo",
           {"principalId": user_id, "resourceId": sp_id, "appRoleId": "00000000-0000-0000-0000-000000000000"})
again = silent()
if not again or "access_token" not in again:
    fail("an assigned user's refresh failed", again)
print("OK msal assigned")

graph_call("POST", f"/users/{user_id}/revokeSignInSessions")
revoked = silent()
if not revoked or revoked.get("error") != "invalid_grant":
    fail("a revoked user's refresh was not refused", revoked)
print("OK msal revoked", revoked.get("error_codes"))

"""MSAL for Python against Tessera: a public client's authorization code flow
(PKCE, loopback redirect per RFC 8252) with the browser part driven by
`requests` through Tessera's sign-in page (and its consent page if shown),
then a silent refresh with the refresh token MSAL cached. PyJWT verifies the
ID token and the access token against Tessera's JWKS. Exits non-zero on any
failure. Inputs come from the environment (set by the Rust test)."""
import os
import urllib.parse
import warnings

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
# Registered as "http://localhost"; RFC 8252 section 7.3: any port is accepted.
redirect_uri = "http://localhost:53123"


def is_final(resp):
    return resp.is_redirect and resp.headers.get("Location", "").startswith(redirect_uri)


app = msal.PublicClientApplication(
    client_id,
    authority=authority,
    # Only the authority URL changes; instance discovery would ask Microsoft's cloud.
    instance_discovery=False,
)
with warnings.catch_warnings():
    # A loopback listener reads the query; MSAL nags about form_post regardless.
    warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
    flow = app.initiate_auth_code_flow(scopes=["User.Read"], redirect_uri=redirect_uri)
if "auth_uri" not in flow:
    fail("initiate_auth_code_flow gave no auth_uri", flow)
auth_uri = flow["auth_uri"]
if not auth_uri.startswith(f"{authority}/oauth2/v2.0/authorize?"):
    fail("unexpected authorization endpoint", auth_uri)

# --- The browser: GET authorize, sign in, consent if asked; stop at the redirect.
browser = requests.Session()  # honours REQUESTS_CA_BUNDLE; keeps the cookies
resp = browser.get(auth_uri, allow_redirects=False)
if resp.status_code != 200:
    fail(f"authorize answered {resp.status_code}, expected the sign-in page", resp.headers, resp.text[:4000])
if "__Host-tessera_csrf" not in browser.cookies:
    fail("no __Host-tessera_csrf cookie set by the sign-in page", resp.headers)

login = find_form(resp, f"/{tenant}/login")
types = input_types(login)
fields = hidden_fields(login)
for name in ("ctx", "csrf"):
    if name not in fields:
        fail(f"sign-in form lacks hidden input {name!r}", login)
if types.get("username") not in ("text", "email") or types.get("password") != "password":
    fail("sign-in form lacks username/password inputs", login)
fields.update(username=username, password=password)
resp = browser.post(urllib.parse.urljoin(resp.url, login["action"]), data=fields, allow_redirects=False)

consented = False
if not is_final(resp):
    if resp.status_code != 200:
        fail(f"sign-in POST answered {resp.status_code}", resp.headers, resp.text[:4000])
    consent = find_form(resp, f"/{tenant}/consent")
    fields = hidden_fields(consent)
    for name in ("ctx", "csrf"):
        if name not in fields:
            fail(f"consent form lacks hidden input {name!r}", consent)
    decisions = {b.get("value") for b in consent["buttons"] if b.get("name") == "decision"}
    decisions |= {i.get("value") for i in consent["inputs"]
                  if i.get("name") == "decision" and i.get("type", "").lower() == "submit"}
    if not {"accept", "cancel"} <= decisions:
        fail("consent form lacks decision=accept/cancel buttons", consent)
    fields["decision"] = "accept"
    resp = browser.post(urllib.parse.urljoin(resp.url, consent["action"]), data=fields, allow_redirects=False)
    consented = True
    if not is_final(resp):
        fail(f"consent POST answered {resp.status_code} {resp.headers.get('Location')}", resp.text[:4000])

if "__Host-tessera_session" not in browser.cookies:
    fail("no __Host-tessera_session cookie after sign-in", browser.cookies)
location = resp.headers["Location"]
query = urllib.parse.urlsplit(location).query
auth_response = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
if "error" in auth_response:
    fail("authorization error response", location)
for k in ("code", "state", "iss"):
    if k not in auth_response:
        fail(f"redirect lacks {k!r}", location)
if auth_response["iss"] != issuer:  # RFC 9207
    fail(f"iss {auth_response['iss']!r} != {issuer!r}", location)

# --- Back in the app: MSAL checks state, redeems the code with the PKCE verifier.
result = app.acquire_token_by_auth_code_flow(flow, auth_response)
for k in ("access_token", "refresh_token", "id_token", "id_token_claims"):
    if k not in result:
        fail(f"token response lacks {k}", result)
id_claims = result["id_token_claims"]
if id_claims.get("preferred_username", "").lower() != username.lower():
    fail("preferred_username mismatch", id_claims)

jwks = jwt.PyJWKClient(f"{base}/{tenant}/discovery/v2.0/keys")
algs = ["RS256", "ES256", "EdDSA"]

# MSAL (>= 1.38) no longer validates ID tokens, so check it here.
id_key = jwks.get_signing_key_from_jwt(result["id_token"])
verified_id = jwt.decode(result["id_token"], id_key.key, algorithms=algs, audience=client_id, issuer=issuer)
assert verified_id["tid"] == tenant, verified_id
assert verified_id["sub"] == id_claims["sub"], verified_id


def verify_access_token(token):
    key = jwks.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=algs, audience=graph_app_id, issuer=issuer)
    assert claims["tid"] == tenant, claims
    assert claims["azp"] == client_id, claims
    assert "User.Read" in claims["scp"].split(), claims
    return claims


at_claims = verify_access_token(result["access_token"])
if "oid" in at_claims and "oid" in verified_id:
    assert at_claims["oid"] == verified_id["oid"], (at_claims, verified_id)
print("OK msal public auth code", msal.__version__, "(consent shown)" if consented else "(no consent page)")

# --- Silent: the account is in MSAL's cache; force_refresh redeems the refresh token.
accounts = app.get_accounts()
if len(accounts) != 1:
    fail("expected one cached account", accounts)
if accounts[0].get("username", "").lower() != username.lower():
    fail("cached account username mismatch", accounts[0])
silent = app.acquire_token_silent(["User.Read"], account=accounts[0], force_refresh=True)
if not silent or "access_token" not in silent:
    fail("acquire_token_silent failed", silent)
if silent["access_token"] == result["access_token"]:
    fail("silent refresh returned the same access token")
if silent.get("token_source") != "identity_provider":
    fail("silent refresh did not go to the token endpoint", silent)
verify_access_token(silent["access_token"])
print("OK msal silent refresh")

"""Authlib's private_key_jwt client authentication (RFC 7523) against
Tessera: client credentials with a certificate's key registered on the
application, as Authlib sends it — no client_id beside the assertion
(RFC 7521 §4.2: its `sub` names the client) and its default one-hour
lifetime. The same assertion sent again is refused as a replay. Exits
non-zero on any failure."""
import base64
import json
import os
from urllib.parse import parse_qs

import authlib
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT

base = os.environ["TESSERA_URL"]
tenant = os.environ["TESSERA_TENANT"]
client_id = os.environ["TESSERA_CLIENT_ID"]
key_pem = open(os.environ["TESSERA_CLIENT_KEY_FILE"]).read()
token_url = f"{base}/{tenant}/oauth2/v2.0/token"
scope = "https://graph.microsoft.com/.default"

sent = []
session = OAuth2Session(client_id, key_pem, token_endpoint_auth_method="private_key_jwt", scope=scope)
session.register_client_auth_method(PrivateKeyJWT(token_url))
session.hooks["response"].append(lambda r, *args, **kwargs: sent.append(r.request.body))
token = session.fetch_token(token_url, grant_type="client_credentials")
assert token.get("access_token"), token

# What Authlib sent: an assertion, no client_id, a one-hour lifetime.
form = parse_qs(sent[-1] if isinstance(sent[-1], str) else sent[-1].decode())
assert "client_id" not in form, form.keys()
assertion = form["client_assertion"][0]
payload = assertion.split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
assert claims["sub"] == client_id and claims["iss"] == client_id, claims
assert claims["exp"] - claims["iat"] == 3600, claims

access = token["access_token"].split(".")[1]
access = json.loads(base64.urlsafe_b64decode(access + "=" * (-len(access) % 4)))
assert access["azp"] == client_id and access["azpacr"] == "2", access

# The same assertion again: a replay.
replay = requests.post(
    token_url,
    data={
        "grant_type": "client_credentials",
        "scope": scope,
        "client_assertion_type": form["client_assertion_type"][0],
        "client_assertion": assertion,
    },
    timeout=30,
)
assert replay.status_code == 401, (replay.status_code, replay.text)
body = replay.json()
assert body["error"] == "invalid_client" and 9900009 in body["error_codes"], body
print("OK authlib private_key_jwt", authlib.__version__)

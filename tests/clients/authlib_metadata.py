"""Authlib against Tessera's discovery: the OpenID Connect document must pass
Authlib's OpenID Provider metadata validation, and the RFC 8414 document —
fetched where RFC 8414 §3.1 puts it for the issuer (Authlib's
get_well_known_url) — its authorization server metadata validation.
Exits non-zero on any failure."""
import os

import authlib
import requests
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata, get_well_known_url
from authlib.oidc.discovery import OpenIDProviderMetadata

base = os.environ["TESSERA_URL"]
tenant = os.environ["TESSERA_TENANT"]


def fetch(url):
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, (url, r.status_code, r.text)
    return r.json()


oidc = fetch(f"{base}/{tenant}/v2.0/.well-known/openid-configuration")
OpenIDProviderMetadata(oidc).validate()

url = get_well_known_url(oidc["issuer"], external=True)
assert url == f"{base}/.well-known/oauth-authorization-server/{tenant}/v2.0", url
rfc8414 = fetch(url)
# RFC 8414 §3.3: the issuer in the document is the one the URL was built from.
assert rfc8414["issuer"] == oidc["issuer"], rfc8414["issuer"]
AuthorizationServerMetadata(rfc8414).validate()
print("OK authlib metadata", authlib.__version__)

"""MSAL for Python against Tessera: client credentials with a secret, then
PyJWT verifies the access token against Tessera's JWKS. Exits non-zero on any
failure. Inputs come from the environment (set by the Rust test)."""
import os
import sys

import jwt
import msal

base = os.environ["TESSERA_URL"]
tenant = os.environ["TESSERA_TENANT"]
client_id = os.environ["TESSERA_CLIENT_ID"]
secret = os.environ["TESSERA_CLIENT_SECRET"]
authority = f"{base}/{tenant}"
graph_app_id = "00000003-0000-0000-c000-000000000000"

app = msal.ConfidentialClientApplication(
    client_id,
    authority=authority,
    client_credential=secret,
    # Only the authority URL changes; instance discovery would ask Microsoft's cloud.
    instance_discovery=False,
)
result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
if "access_token" not in result:
    print("token request failed:", result, file=sys.stderr)
    sys.exit(1)
assert result["token_type"].lower() == "bearer", result
assert result.get("token_source") == "identity_provider", result

# A second call is served from MSAL's cache.
again = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
assert again["access_token"] == result["access_token"], "expected a cached token"
assert again.get("token_source") == "cache", again

jwks = jwt.PyJWKClient(f"{base}/{tenant}/discovery/v2.0/keys")
key = jwks.get_signing_key_from_jwt(result["access_token"])
claims = jwt.decode(
    result["access_token"],
    key.key,
    algorithms=["RS256", "ES256", "EdDSA"],
    audience=graph_app_id,
    issuer=f"{base}/{tenant}/v2.0",
)
assert claims["tid"] == tenant, claims
assert claims["azp"] == client_id, claims
assert "Directory.ReadWrite.All" in claims["roles"], claims

# A wrong secret is refused with Entra's error shape, which MSAL surfaces.
bad = msal.ConfidentialClientApplication(
    client_id, authority=authority, client_credential="wrong", instance_discovery=False
)
err = bad.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
assert err.get("error") == "invalid_client", err
assert 7000215 in err.get("error_codes", []), err

# A tampered token does not verify.
head, body, sig = result["access_token"].split(".")
forged = ".".join([head, body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1], sig])
try:
    jwt.decode(forged, key.key, algorithms=["RS256"], audience=graph_app_id)
    print("forged token verified", file=sys.stderr)
    sys.exit(1)
except jwt.InvalidTokenError:
    pass

print("OK msal client credentials", msal.__version__)

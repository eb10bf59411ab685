"""MSAL for Python against Tessera: client credentials with a certificate
(private_key_jwt). The Rust test registered the certificate on the app and
passes its private key and SHA-1 thumbprint. Exits non-zero on any failure."""
import os
import sys

import jwt
import msal

base = os.environ["TESSERA_URL"]
tenant = os.environ["TESSERA_TENANT"]
client_id = os.environ["TESSERA_CLIENT_ID"]
key_pem = open(os.environ["TESSERA_CLIENT_KEY_FILE"]).read()
thumbprint = os.environ["TESSERA_CLIENT_CERT_THUMBPRINT"]
authority = f"{base}/{tenant}"

app = msal.ConfidentialClientApplication(
    client_id,
    authority=authority,
    client_credential={"private_key": key_pem, "thumbprint": thumbprint},
    instance_discovery=False,
)
result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
if "access_token" not in result:
    print("token request failed:", result, file=sys.stderr)
    sys.exit(1)
claims = jwt.decode(result["access_token"], options={"verify_signature": False})
assert claims["azp"] == client_id, claims
assert claims["azpacr"] == "2", claims  # certificate

# The same client with a certificate that is not registered is refused.
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
bad = msal.ConfidentialClientApplication(
    client_id,
    authority=authority,
    client_credential={"private_key": other, "thumbprint": thumbprint},
    instance_discovery=False,
)
err = bad.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
assert err.get("error") == "invalid_client", err
assert 700027 in err.get("error_codes", []), err
print("OK msal certificate", msal.__version__)

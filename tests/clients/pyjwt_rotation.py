"""PyJWT verifies Tessera's access tokens against the tenant's JWKS across a
signing-key rotation: a token signed by the retired key and one signed by
its successor both verify (PyJWKClient finds each by kid), and a tampered
token does not. Inputs from the environment (set by the Rust test)."""
import os
import sys

import jwt

base = os.environ["TESSERA_URL"]
tenant = os.environ["TESSERA_TENANT"]
audience = os.environ["TESSERA_AUDIENCE"]
before = os.environ["TOKEN_BEFORE"]
after = os.environ["TOKEN_AFTER"]
issuer = f"{base}/{tenant}/v2.0"


def fail(msg, *details):
    print("FAIL:", msg, *details, file=sys.stderr)
    sys.exit(1)


client = jwt.PyJWKClient(f"{base}/{tenant}/discovery/v2.0/keys")
kids = set()
for name, token in (("before", before), ("after", after)):
    key = client.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256", "ES256", "EdDSA"],
                        audience=audience, issuer=issuer)
    if claims["tid"] != tenant:
        fail(f"token {name}: tid", claims)
    kids.add(key.key_id)
    print(f"OK pyjwt verified the token signed {name} the rotation (kid {key.key_id})")
if len(kids) != 2:
    fail("both tokens carry the same kid: no rotation happened", kids)

header, payload, signature = after.split(".")
tampered = ".".join([header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])
try:
    jwt.decode(tampered, client.get_signing_key_from_jwt(tampered).key,
               algorithms=["RS256", "ES256", "EdDSA"], audience=audience, issuer=issuer)
    fail("a tampered token verified")
except jwt.InvalidSignatureError:
    print("OK pyjwt rejected a tampered token")

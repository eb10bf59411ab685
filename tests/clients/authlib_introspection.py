"""Authlib as an RFC 7662 resource server in front of Tessera: its
IntrospectTokenValidator asks Tessera's introspection endpoint about a
user's access token (the Rust test signed the user in) and checks scopes
the standard way, from the answer's `scope`. Exits non-zero on any failure."""
import os

import authlib
import requests
from authlib.oauth2.rfc6750 import InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc7662 import IntrospectTokenValidator

base = os.environ["TESSERA_URL"]
tenant = os.environ["TESSERA_TENANT"]
client_id = os.environ["TESSERA_CLIENT_ID"]
secret = os.environ["TESSERA_CLIENT_SECRET"]
user_token = os.environ["TESSERA_USER_TOKEN"]


class TesseraIntrospection(IntrospectTokenValidator):
    def introspect_token(self, token_string):
        r = requests.post(
            f"{base}/{tenant}/oauth2/v2.0/introspect",
            data={"token": token_string},
            auth=(client_id, secret),
            timeout=30,
        )
        r.raise_for_status()
        return r.json()


validator = TesseraIntrospection()
token = validator.authenticate_token(user_token)
assert token["active"] is True, token
# The scope the user consented to opens the resource…
validator.validate_token(token, ["User.Read"], None)
# …one the token does not carry does not.
try:
    validator.validate_token(token, ["Mail.Send"], None)
    raise SystemExit("Mail.Send was accepted")
except InsufficientScopeError:
    pass
# A token Tessera did not issue is inactive.
try:
    validator.validate_token(validator.authenticate_token("not-a-token"), ["User.Read"], None)
    raise SystemExit("an unknown token was accepted")
except InvalidTokenError:
    pass
print("OK authlib introspection", authlib.__version__, token["scope"])

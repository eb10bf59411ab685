"""A software passkey for the HTTP-only tests: soft-webauthn's
SoftWebauthnDevice with user verification, speaking WebAuthn's JSON encoding
(what `PublicKeyCredential.toJSON()` gives and Tessera's forms accept).

soft-webauthn 0.1.4 never sets the UV flag (authenticator data flags 0x41 at
create: AT|UP, 0x01 at get: UP), and Tessera requires user verification in
every ceremony. So this subclass sets UV: 0x45 at create (the attestation is
"none", so nothing signs the authenticator data and patching the flag byte is
enough) and 0x05 at get (the signature covers the authenticator data, so the
assertion is rebuilt and signed here with the device's `private_key`).

The assertion builder also takes the deviations the attack tests need: another
origin in clientDataJSON, another RP ID's hash in the authenticator data, a
flipped signature byte. Nothing else of soft-webauthn's behaviour changes: one
credential per device, ES256, a signature counter that starts at 0 and goes up
by one per assertion (tests may set `sign_count` to replay an old one), or
stays 0 throughout (`zero_counter`, like a synced passkey).

Run directly (`python soft_passkey.py`) for a self-check against an
independent verifier (python-fido2's Fido2Server, user verification required).
"""
import base64
import json
from struct import pack

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.utils import sha256
from soft_webauthn import SoftWebauthnDevice

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40


def b64u(data: bytes) -> str:
    """base64url without padding (WebAuthn's JSON encoding)."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def creation_options(public_key_json: dict) -> dict:
    """The page's JSON creation options with the binary fields soft-webauthn
    reads (challenge, user.id) decoded to bytes."""
    pk = dict(public_key_json["publicKey"])
    pk["challenge"] = unb64u(pk["challenge"])
    pk["user"] = dict(pk["user"], id=unb64u(pk["user"]["id"]))
    return {"publicKey": pk}


def request_options(public_key_json: dict) -> dict:
    pk = dict(public_key_json["publicKey"])
    pk["challenge"] = unb64u(pk["challenge"])
    return {"publicKey": pk}


class UvSoftWebauthnDevice(SoftWebauthnDevice):
    """SoftWebauthnDevice that performs user verification. With
    `zero_counter`, its signature counter stays 0, as synced passkeys'
    do (then only the server's challenge bookkeeping can spot a replay)."""

    def __init__(self, zero_counter=False):
        super().__init__()
        self.zero_counter = zero_counter

    def create(self, options, origin):
        """navigator.credentials.create: the attestation, UV flag set."""
        out = super().create(options, origin)
        att = cbor.decode(out["response"]["attestationObject"])
        auth = bytearray(att["authData"])
        if auth[32] != FLAG_AT | FLAG_UP:
            raise AssertionError(f"soft-webauthn's create flags changed: {auth[32]:#04x}")
        auth[32] = FLAG_AT | FLAG_UV | FLAG_UP  # 0x45
        att["authData"] = bytes(auth)
        out["response"]["attestationObject"] = cbor.encode(att)
        return out

    def get(self, options, origin, *, rp_id=None, flip_signature=False):
        """navigator.credentials.get: the assertion, UV flag set. `rp_id`
        hashes another RP ID into the authenticator data; `flip_signature`
        flips a bit of the signature's last byte (still valid DER)."""
        if self.rp_id != options["publicKey"]["rpId"]:
            raise ValueError("Requested rpID does not match current credential")
        if not self.zero_counter:
            self.sign_count += 1
        client_data = json.dumps({
            "type": "webauthn.get",
            "challenge": b64u(options["publicKey"]["challenge"]),
            "origin": origin,
            "crossOrigin": False,
        }).encode("utf-8")
        rp_id_hash = sha256((rp_id or self.rp_id).encode("ascii"))
        auth = rp_id_hash + bytes([FLAG_UV | FLAG_UP]) + pack(">I", self.sign_count)
        sig = bytearray(self.private_key.sign(auth + sha256(client_data), ec.ECDSA(hashes.SHA256())))
        if flip_signature:
            sig[-1] ^= 0x01
        return {
            "id": self.credential_id,
            "rawId": self.credential_id,
            "response": {
                "authenticatorData": auth,
                "clientDataJSON": client_data,
                "signature": bytes(sig),
                "userHandle": self.user_handle,
            },
            "type": "public-key",
        }


def registration_json(att: dict) -> str:
    """A create() result as PublicKeyCredential.toJSON() would give it."""
    return json.dumps({
        "id": b64u(att["rawId"]),
        "rawId": b64u(att["rawId"]),
        "type": "public-key",
        "response": {
            "clientDataJSON": b64u(att["response"]["clientDataJSON"]),
            "attestationObject": b64u(att["response"]["attestationObject"]),
            "transports": ["internal"],
        },
        "extensions": {},
    })


def assertion_json(a: dict) -> str:
    """A get() result as PublicKeyCredential.toJSON() would give it."""
    r = a["response"]
    return json.dumps({
        "id": b64u(a["rawId"]),
        "rawId": b64u(a["rawId"]),
        "type": "public-key",
        "response": {
            "clientDataJSON": b64u(r["clientDataJSON"]),
            "authenticatorData": b64u(r["authenticatorData"]),
            "signature": b64u(r["signature"]),
            "userHandle": b64u(r["userHandle"]),
        },
        "extensions": {},
    })


def _self_check():
    """Registers and asserts against python-fido2's server (UV required),
    through the JSON encoding; checks the flags; and checks that each attack
    knob makes that verifier refuse."""
    from fido2.server import Fido2Server
    from fido2.webauthn import (AttestationObject, AuthenticatorData, CollectedClientData,
                                PublicKeyCredentialRpEntity, PublicKeyCredentialUserEntity,
                                UserVerificationRequirement)

    origin, rp = "https://localhost:8443", "localhost"
    server = Fido2Server(PublicKeyCredentialRpEntity(id=rp, name="Tessera"),
                         verify_origin=lambda o: o == origin)
    uv = UserVerificationRequirement.REQUIRED
    user_id = bytes(range(16))
    _, state = server.register_begin(
        PublicKeyCredentialUserEntity(id=user_id, name="ada", display_name="Ada"),
        user_verification=uv, resident_key_requirement="required")
    page = {"publicKey": {
        "rp": {"id": rp, "name": "Tessera"},
        "user": {"id": b64u(user_id), "name": "ada", "displayName": "Ada"},
        "challenge": state["challenge"],
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
        "attestation": "none",
    }}
    dev = UvSoftWebauthnDevice()
    reg = json.loads(registration_json(dev.create(creation_options(page), origin)))
    att = AttestationObject(unb64u(reg["response"]["attestationObject"]))
    if att.auth_data.flags != 0x45:
        raise AssertionError(f"create flags {att.auth_data.flags:#04x}, expected 0x45")
    auth_data = server.register_complete(
        state, CollectedClientData(unb64u(reg["response"]["clientDataJSON"])), att)
    cred = auth_data.credential_data
    if cred.credential_id != unb64u(reg["rawId"]) or reg["id"] != reg["rawId"]:
        raise AssertionError("credential id mismatch")

    def assert_once(**knobs):
        _, st = server.authenticate_begin([], user_verification=uv)
        opts = request_options({"publicKey": {"challenge": st["challenge"], "rpId": rp,
                                              "allowCredentials": [], "userVerification": "required"}})
        a = json.loads(assertion_json(dev.get(opts, knobs.pop("origin", origin), **knobs)))
        r = a["response"]
        ad = AuthenticatorData(unb64u(r["authenticatorData"]))
        server.authenticate_complete(st, [cred], unb64u(a["rawId"]),
                                     CollectedClientData(unb64u(r["clientDataJSON"])),
                                     ad, unb64u(r["signature"]))
        return ad, unb64u(r["userHandle"])

    ad, handle = assert_once()
    if ad.flags != 0x05 or ad.counter != 1 or handle != user_id:
        raise AssertionError(f"get flags {ad.flags:#04x} counter {ad.counter} handle {handle!r}")
    ad, _ = assert_once()
    if ad.counter != 2:
        raise AssertionError(f"counter {ad.counter}, expected 2")
    for knobs, why in (({"origin": "https://evil.example"}, "Invalid origin"),
                       ({"rp_id": "evil.example"}, "Wrong RP ID hash"),
                       ({"flip_signature": True}, "signature")):
        try:
            assert_once(**knobs)
        except Exception as e:  # python-fido2 raises ValueError or InvalidSignature
            if why == "signature" or why in str(e):
                print(f"refused as expected with {knobs}: {type(e).__name__} {e}")
                continue
            raise AssertionError(f"{knobs}: refused for another reason: {e!r}") from e
        raise AssertionError(f"{knobs}: the verifier accepted it")
    print("OK soft passkey self-check (flags 0x45/0x05, counter 1,2, JSON round trip)")


if __name__ == "__main__":
    _self_check()

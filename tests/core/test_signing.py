"""The city's keys and the signed payloads of QR codes (core/signing.py, docs/documents.md)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hamburg_service.core import signing
from hamburg_service.core.errors import InvalidInput
from hamburg_service.core.signing import (
    PAYLOAD_PREFIX,
    base45_decode,
    base45_encode,
    jwks,
    payload_sign,
    payload_verify,
)

ISSUED = dt.datetime(2025, 6, 2, 9, 30, tzinfo=dt.UTC)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "documents.md"
# What a registration certificate's code carries (issue 11): name, date of birth, address,
# moved in, certificate id; issued is the payload's own time.
CERTIFICATE = {
    "n": "Çağlar Ğüneş-Ørsted",
    "b": "1990-04-17",
    "a": "Bramfelder Chaussee 230a, 22177 Hamburg",
    "m": "2024-03-01",
    "c": "MB-2025-0001234",
}


def key_settings(directory: Path) -> dict[str, Path]:
    return {
        "SIGNING_KEY_FILE": directory / "qr.pem",
        "SIGNING_PREVIOUS_KEYS_FILE": directory / "qr-previous.pem",
        "DOCUMENT_SIGNING_KEY_FILE": directory / "document-key.pem",
        "DOCUMENT_SIGNING_CERT_FILE": directory / "document-cert.pem",
        "DOCUMENT_PREVIOUS_CERTS_FILE": directory / "document-previous.pem",
    }


@pytest.fixture
def keys(tmp_path: Path, settings: Any) -> Path:
    """Key files under tmp_path: nothing is written into the checkout's var/."""
    directory = tmp_path / "keys"
    for name, path in key_settings(directory).items():
        setattr(settings, name, path)
    return directory


def raw(text: str) -> bytes:
    return base45_decode(text[len(PAYLOAD_PREFIX) :])


def text(data: bytes) -> str:
    return PAYLOAD_PREFIX + base45_encode(data)


def refused(payload: str, **kwargs: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        payload_verify(payload, **kwargs)
    assert caught.value.detail  # a message for the page
    return caught.value.code


# --- base45 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plain", "encoded"),
    [  # RFC 9285's examples
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
        (b"", ""),
    ],
)
def test_base45_rfc_examples(plain: bytes, encoded: str) -> None:
    assert base45_encode(plain) == encoded
    assert base45_decode(encoded) == plain


@pytest.mark.parametrize("bad", ["GGW", "ZZZZ", "a", "BB8x", "ÄB8"])
def test_base45_refuses_what_it_cannot_hold(bad: str) -> None:
    with pytest.raises(ValueError, match="base45"):
        base45_decode(bad)


@given(st.binary(max_size=300))
def test_base45_round_trip(data: bytes) -> None:
    assert base45_decode(base45_encode(data)) == data


# --- payloads ----------------------------------------------------------------------------------


def test_sign_and_verify(keys: Path) -> None:
    payload = payload_sign("mb", CERTIFICATE, issued_at=ISSUED)

    verified = payload_verify(payload, kind="mb")

    assert verified.kind == "mb"
    assert verified.data == CERTIFICATE
    assert verified.issued_at == ISSUED
    assert verified.kid == jwks()["keys"][0]["kid"]
    # Only the QR code's alphanumeric characters: the densest mode for the text.
    assert re.fullmatch(r"[0-9A-Z $%*+\-./:]+", payload)


def test_a_certificate_code_stays_small(keys: Path) -> None:
    payload = payload_sign("mb", CERTIFICATE, issued_at=ISSUED)
    message = json.dumps(
        {"d": CERTIFICATE, "k": "mb", "t": int(ISSUED.timestamp())},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    # version, kid, the message, the signature; base45 makes 3 characters of 2 bytes
    assert len(raw(payload)) == 1 + 8 + len(message) + 64 == 238
    assert len(payload) == 5 + 238 // 2 * 3 == 362  # < 400: docs/documents.md


def test_the_signature_covers_the_exact_bytes(keys: Path) -> None:
    data = raw(payload_sign("mb", CERTIFICATE, issued_at=ISSUED))
    public = signing.qr_private_key().public_key()

    public.verify(data[-64:], data[:-64])  # the recipe of docs/documents.md


@pytest.mark.parametrize("where", [0.3, 0.6, -1, -40])
def test_a_flipped_byte_is_refused(keys: Path, where: float) -> None:
    data = bytearray(raw(payload_sign("mb", CERTIFICATE, issued_at=ISSUED)))
    at = int(len(data) * where) if isinstance(where, float) else where
    data[at] ^= 0x01

    assert refused(text(bytes(data))) == "signature-invalid"


def test_a_changed_field_is_refused(keys: Path) -> None:
    data = raw(payload_sign("mb", CERTIFICATE, issued_at=ISSUED))
    forged = data.replace(b"1990-04-17", b"1990-04-18")
    assert forged != data

    assert refused(text(forged)) == "signature-invalid"


def test_a_re_encoded_payload_with_other_data_is_refused(keys: Path) -> None:
    """Someone who keeps the header and signature but writes their own message."""
    data = raw(payload_sign("mb", CERTIFICATE, issued_at=ISSUED))
    message = json.dumps({"d": {**CERTIFICATE, "n": "Eve"}, "k": "mb", "t": 1}).encode()

    assert refused(text(data[:9] + message + data[-64:])) == "signature-invalid"


def test_a_truncated_text_is_refused(keys: Path) -> None:
    payload = payload_sign("mb", CERTIFICATE, issued_at=ISSUED)

    assert refused(payload[:-3]) == "signature-invalid"  # a whole group less: incomplete
    assert refused(payload[:-1]) in {"signature-invalid", "payload-malformed"}
    assert refused(payload[: len(PAYLOAD_PREFIX) + 90]) == "payload-malformed"  # no room
    assert refused(payload[:3]) == "payload-malformed"


@pytest.mark.parametrize(
    "foreign",
    [
        "",
        "https://service.hamburg.example/verify/123",
        "HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N",  # an EU vaccination certificate
        PAYLOAD_PREFIX + "lowercase is not base45",
        PAYLOAD_PREFIX + "ZZZ",
        PAYLOAD_PREFIX + "A" * 5000,
    ],
)
def test_foreign_texts_are_refused(keys: Path, foreign: str) -> None:
    assert refused(foreign) == "payload-malformed"


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=signing.BASE45_ALPHABET, max_size=400) | st.text(max_size=50))
def test_any_text_is_refused_with_a_code(keys: Path, scanned: str) -> None:
    for candidate in (scanned, PAYLOAD_PREFIX + scanned):
        assert refused(candidate) in {"payload-malformed", "key-unknown"}


def test_another_version_is_refused(keys: Path) -> None:
    data = bytearray(raw(payload_sign("mb", CERTIFICATE, issued_at=ISSUED)))
    data[0] = 2

    assert refused(text(bytes(data))) == "payload-malformed"


def test_another_keys_signature_is_refused(keys: Path, settings: Any, tmp_path: Path) -> None:
    ours = payload_sign("mb", CERTIFICATE, issued_at=ISSUED)
    settings.SIGNING_KEY_FILE = tmp_path / "someone-else.pem"
    theirs = payload_sign("mb", CERTIFICATE, issued_at=ISSUED)
    settings.SIGNING_KEY_FILE = keys / "qr.pem"

    assert refused(theirs) == "key-unknown"
    # Their signature under our key id: the signature does not match.
    forged = raw(ours)[:9] + raw(theirs)[9:]
    assert refused(text(forged)) == "signature-invalid"


def test_an_unknown_kid_is_refused(keys: Path) -> None:
    data = bytearray(raw(payload_sign("mb", CERTIFICATE, issued_at=ISSUED)))
    data[1:9] = b"\x00" * 8

    assert refused(text(bytes(data))) == "key-unknown"


def test_a_code_of_another_kind_is_refused(keys: Path) -> None:
    payload = payload_sign("fb", {"c": "FB-1"}, issued_at=ISSUED)

    assert payload_verify(payload).kind == "fb"
    assert refused(payload, kind="mb") == "payload-kind"


def test_a_signed_message_that_is_not_ours_is_malformed(keys: Path) -> None:
    """Correctly signed bytes that are not the message format (never made by payload_sign)."""
    key = signing.qr_private_key()
    signed = bytes([1]) + signing._kid_bytes(key.public_key()) + b'["not", "an", "object"]'

    assert refused(text(signed + key.sign(signed))) == "payload-malformed"


def test_what_cannot_be_signed(keys: Path) -> None:
    with pytest.raises(TypeError):
        payload_sign("mb", {"b": dt.date(1990, 4, 17)})
    with pytest.raises(ValueError, match="aware"):
        payload_sign("mb", {}, issued_at=dt.datetime(2025, 6, 2, 9, 30))
    with pytest.raises(ValueError, match="kind"):
        payload_sign("", {})


def test_a_line_break_after_the_code_is_ignored(keys: Path) -> None:
    payload = payload_sign("mb", CERTIFICATE, issued_at=ISSUED)

    assert payload_verify(payload + "\r\n").data == CERTIFICATE


def docs_snippet(containing: str) -> str:
    """The Python block of docs/documents.md that contains `containing`."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.DOTALL)
    (block,) = [block for block in blocks if containing in block]
    return block


def test_the_offline_recipe_of_the_docs(keys: Path) -> None:
    namespace: dict[str, Any] = {}
    exec(docs_snippet("def verify("), namespace)  # noqa: S102 - our own documentation
    verify = namespace["verify"]
    published = json.loads(json.dumps(jwks()))  # as fetched from the site
    payload = payload_sign("mb", CERTIFICATE, issued_at=ISSUED)

    assert verify(payload, published) == {"d": CERTIFICATE, "k": "mb", "t": 1748856600}
    forged = raw(payload).replace(b"1990-04-17", b"1990-04-18")
    with pytest.raises(InvalidSignature):
        verify(text(forged), published)
    with pytest.raises(StopIteration):
        verify(text(raw(payload)[:1] + b"\x00" * 8 + raw(payload)[9:]), published)


# --- keys and rotation -------------------------------------------------------------------------


def test_keys_are_created_on_first_use_readable_by_the_owner_only(keys: Path) -> None:
    assert not keys.exists()

    payload_sign("mb", {})

    path = keys / "qr.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    assert keys.stat().st_mode & 0o777 == 0o700
    assert not path.is_relative_to(django_settings.VAR_DIR)


def test_rotation_keeps_old_codes_verifying(keys: Path) -> None:
    old = payload_sign("mb", CERTIFICATE, issued_at=ISSUED)
    old_kid = payload_verify(old).kid

    new_kid = signing.qr_key_rotate()
    new = payload_sign("mb", CERTIFICATE, issued_at=ISSUED)

    assert new_kid != old_kid
    assert payload_verify(new).kid == new_kid
    assert payload_verify(old).kid == old_kid
    assert [key["kid"] for key in jwks()["keys"]] == [new_kid, old_kid]

    # Once the old key is no longer listed, its codes are refused.
    (keys / "qr-previous.pem").unlink()
    assert refused(old) == "key-unknown"
    assert payload_verify(new).kid == new_kid


def test_previous_keys_may_come_from_elsewhere(keys: Path) -> None:
    """An operator lists earlier public keys (PEM blocks one after the other)."""
    earlier = [Ed25519PrivateKey.generate() for _ in range(2)]
    keys.mkdir()
    (keys / "qr-previous.pem").write_bytes(
        b"".join(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            for key in earlier
        )
    )

    kids = [key["kid"] for key in jwks()["keys"]]

    assert kids[1:] == [signing.key_id(key.public_key()) for key in earlier]


def test_jwks_shape(keys: Path) -> None:
    document = jwks()

    assert list(document) == ["keys"]
    (jwk,) = document["keys"]
    assert jwk.keys() == {"kty", "crv", "x", "kid", "use", "alg"}
    assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("OKP", "Ed25519", "sig", "EdDSA")
    raw_key = base64.urlsafe_b64decode(jwk["x"] + "=")
    assert len(raw_key) == 32
    assert "=" not in jwk["x"]
    assert re.fullmatch(r"[A-Z2-7]{13}", jwk["kid"])
    public = Ed25519PublicKey.from_public_bytes(raw_key)
    payload = raw(payload_sign("mb", CERTIFICATE, issued_at=ISSUED))
    public.verify(payload[-64:], payload[:-64])  # the published key checks the code
    assert json.loads(json.dumps(document)) == document


def test_a_wrong_key_file_fails_loudly(keys: Path) -> None:
    keys.mkdir()
    (keys / "qr.pem").write_bytes(b"not a key")

    with pytest.raises(ImproperlyConfigured, match="SIGNING_KEY_FILE"):
        payload_sign("mb", {})


def test_production_never_creates_keys(keys: Path, settings: Any) -> None:
    settings.PRODUCTION = True

    with pytest.raises(ImproperlyConfigured, match="SIGNING_KEY_FILE"):
        payload_sign("mb", {})
    assert not (keys / "qr.pem").exists()


def test_the_deploy_check_requires_the_keys(keys: Path, settings: Any) -> None:
    settings.PRODUCTION = True

    errors = signing.signing_keys_provided(None)
    assert {e.id for e in errors} == {"hamburg.E010"}
    assert len(errors) == 3

    signing.keys_ensure()  # what `manage.py keys_create` does
    assert signing.signing_keys_provided(None) == []

    os.chmod(keys / "qr.pem", 0o644)
    assert [e.id for e in signing.signing_keys_provided(None)] == ["hamburg.W010"]

    (keys / "document-cert.pem").write_bytes(b"not a certificate")
    assert [e.id for e in signing.signing_keys_provided(None)] == ["hamburg.E011"]


def test_a_certificate_of_another_key_is_refused(keys: Path, settings: Any, tmp_path: Path) -> None:
    signing.keys_ensure()
    other = tmp_path / "other"
    settings.DOCUMENT_SIGNING_KEY_FILE = other / "key.pem"
    settings.DOCUMENT_SIGNING_CERT_FILE = other / "cert.pem"
    signing.document_key()
    settings.DOCUMENT_SIGNING_CERT_FILE = keys / "document-cert.pem"

    with pytest.raises(ImproperlyConfigured, match="not the certificate of the key"):
        signing.document_key()


def test_the_city_certificate(keys: Path) -> None:
    certificate = signing.document_key().certificate

    assert certificate.subject == certificate.issuer
    assert certificate.subject.rfc4514_string() == (
        "CN=Freie und Hansestadt Hamburg – Hamburg Service,O=Freie und Hansestadt Hamburg,"
        "L=Hamburg,C=DE"
    )
    public = certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == "secp256r1"
    assert (keys / "document-key.pem").stat().st_mode & 0o777 == 0o600


def test_keys_create_is_idempotent_and_prints_the_public_parts(keys: Path) -> None:
    first, second = io.StringIO(), io.StringIO()

    call_command("keys_create", stdout=first)
    call_command("keys_create", stdout=second)

    assert first.getvalue().count("Created ") == 3
    assert "Created " not in second.getvalue()
    kid = jwks()["keys"][0]["kid"]
    fingerprint = signing.certificate_fingerprint(signing.document_key().certificate)
    for out in (first.getvalue(), second.getvalue()):
        assert f'"kid": "{kid}"' in out
        assert fingerprint in out


def test_keys_create_rotates(keys: Path) -> None:
    call_command("keys_create", stdout=io.StringIO())
    old_kid = jwks()["keys"][0]["kid"]
    old_fingerprint = signing.certificate_fingerprint(signing.document_key().certificate)
    out = io.StringIO()

    call_command("keys_create", "--rotate", "qr", "--rotate", "document", stdout=out)

    assert [k["kid"] for k in jwks()["keys"]][1:] == [old_kid]
    key = signing.document_key()
    assert signing.certificate_fingerprint(key.certificate) != old_fingerprint
    assert [signing.certificate_fingerprint(c) for c in key.previous] == [old_fingerprint]
    assert f"previous  {old_fingerprint}" in out.getvalue()

"""The city's keys and the signed payloads of QR codes (docs/documents.md).

Two keys, each a PEM file whose path is a setting (under `var/keys/` by default, outside the
web root, mode 600):

- the **QR key** (Ed25519): signs the compact payloads that certificates carry in their QR code,
  so that anyone can check them offline with the public keys the site publishes (`jwks()`);
- the **document-signing key** (ECDSA P-256) with its self-signed X.509 certificate for the
  city: signs the PDFs themselves (PAdES, `core.pdf`), so a PDF reader shows them as signed.

In development and tests a missing key is created on first use; production never creates one
(`check --deploy` fails without them, and so does the first use). `manage.py keys_create`
creates missing keys and rotates them: the old public key (certificate) moves to the
"previous" file, and what it signed keeps verifying.

A payload is `HHS1:` followed by base45 (RFC 9285, the QR code's alphanumeric alphabet) of

    version (1 byte, 1) | kid (8 bytes) | message (UTF-8 JSON) | Ed25519 signature (64 bytes)

where the signature covers every byte before it and the message is
`{"d": {...data}, "k": kind, "t": issued at (Unix seconds)}` (sorted keys, no spaces).
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.core.errors import InvalidInput

PAYLOAD_PREFIX = "HHS1:"
PAYLOAD_VERSION = 1
KID_BYTES = 8
SIGNATURE_BYTES = 64
# Longer texts are refused before any decoding (a QR code holds at most 4,296 characters).
PAYLOAD_MAX_CHARS = 4296

CITY_NAME = "Freie und Hansestadt Hamburg"
CERTIFICATE_NAME = "Freie und Hansestadt Hamburg – Hamburg Service"
CERTIFICATE_DAYS = 5 * 365

FileVersion = tuple[str, int, int, int]
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


# --- base45 (RFC 9285) ----------------------------------------------------------------------

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_BASE45_VALUE = {char: value for value, char in enumerate(BASE45_ALPHABET)}


def base45_encode(data: bytes) -> str:
    """Two bytes become three characters of the QR code's alphanumeric mode (RFC 9285)."""
    out = []
    for i in range(0, len(data), 2):
        if i + 1 < len(data):
            n = data[i] * 256 + data[i + 1]
            n, c = divmod(n, 45)
            e, d = divmod(n, 45)
            out += [c, d, e]
        else:
            d, c = divmod(data[i], 45)
            out += [c, d]
    return "".join(BASE45_ALPHABET[v] for v in out)


def base45_decode(text: str) -> bytes:
    """The bytes of a base45 text; ValueError for a character or length base45 cannot have."""
    if len(text) % 3 == 1:
        raise ValueError("base45: impossible length")
    try:
        values = [_BASE45_VALUE[char] for char in text]
    except KeyError:
        raise ValueError("base45: not in the alphabet") from None
    out = bytearray()
    for i in range(0, len(values), 3):
        group = values[i : i + 3]
        if len(group) == 3:
            n = group[0] + group[1] * 45 + group[2] * 45 * 45
            if n > 0xFFFF:
                raise ValueError("base45: group out of range")
            out += n.to_bytes(2, "big")
        else:
            n = group[0] + group[1] * 45
            if n > 0xFF:
                raise ValueError("base45: group out of range")
            out.append(n)
    return bytes(out)


# --- key files -------------------------------------------------------------------------------


def _may_create() -> bool:
    """Keys are created on first use only outside production."""
    return not settings.PRODUCTION


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One process at a time creates or rotates the keys in `directory` (the web server, the
    worker and the scheduler may all start at once)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, readable by the owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".new-")  # created with mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"{setting} ({path}) does not exist. Production needs the key provided: "
            "`manage.py keys_create` on the key host, or the city's own (docs/documents.md)."
        ) from None
    except OSError as error:
        raise ImproperlyConfigured(f"{setting} ({path}) cannot be read: {error}.") from None


def _file_version(path: Path) -> FileVersion:
    """What the caches are keyed on: a replaced file (rotation writes a new one) is read
    again: (path, inode, modified, size), the size -1 for a missing file."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (str(path), 0, 0, -1)
    return (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _pem_blocks(data: bytes, kind: bytes) -> list[bytes]:
    return [m.group(0) for m in _PEM_BLOCK.finditer(data) if m.group(1) == kind]


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key id (kid): the first 8 bytes of the SHA-256 of the raw public key, base32."""
    return base64.b32encode(_kid_bytes(public_key)).decode().rstrip("=")


def _kid_bytes(public_key: Ed25519PublicKey) -> bytes:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:KID_BYTES]


# --- the QR key (Ed25519) --------------------------------------------------------------------


def _qr_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _qr_key_create() -> bool:
    """Create the QR key if it is missing; True if it was created."""
    path = Path(settings.SIGNING_KEY_FILE)
    with _locked(path.parent):
        if path.exists():
            return False
        _write_private(path, _qr_key_pem(Ed25519PrivateKey.generate()))
        return True


@lru_cache(maxsize=8)
def _qr_private_key_at(version: FileVersion) -> Ed25519PrivateKey:
    path = Path(version[0])
    try:
        key = serialization.load_pem_private_key(_read(path, "SIGNING_KEY_FILE"), password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"SIGNING_KEY_FILE ({path}) is not a PEM key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"SIGNING_KEY_FILE ({path}) is not an Ed25519 private key.")
    return key


@lru_cache(maxsize=8)
def _previous_public_keys_at(version: FileVersion) -> tuple[Ed25519PublicKey, ...]:
    path = Path(version[0])
    if version[3] < 0:  # no file: no earlier keys
        return ()
    keys = []
    for block in _pem_blocks(_read(path, "SIGNING_PREVIOUS_KEYS_FILE"), b"PUBLIC KEY"):
        try:
            key = serialization.load_pem_public_key(block)
        except ValueError as error:
            raise ImproperlyConfigured(
                f"SIGNING_PREVIOUS_KEYS_FILE ({path}) holds a broken key: {error}"
            ) from None
        if not isinstance(key, Ed25519PublicKey):
            raise ImproperlyConfigured(
                f"SIGNING_PREVIOUS_KEYS_FILE ({path}) holds a key that is not Ed25519."
            )
        keys.append(key)
    return tuple(keys)


def qr_private_key() -> Ed25519PrivateKey:
    """The current QR key (created on first use outside production)."""
    path = Path(settings.SIGNING_KEY_FILE)
    if _may_create() and not path.exists():
        _qr_key_create()
    return _qr_private_key_at(_file_version(path))


def qr_public_keys() -> list[Ed25519PublicKey]:
    """The keys payloads verify with: the current one first, then the earlier ones."""
    current = qr_private_key().public_key()
    previous = _previous_public_keys_at(_file_version(Path(settings.SIGNING_PREVIOUS_KEYS_FILE)))
    keys = [current]
    seen = {_kid_bytes(current)}
    for key in previous:
        if _kid_bytes(key) not in seen:
            seen.add(_kid_bytes(key))
            keys.append(key)
    return keys


def qr_key_rotate() -> str:
    """A new QR key; the current public key is appended to SIGNING_PREVIOUS_KEYS_FILE, so what
    it signed keeps verifying. Returns the new kid."""
    path = Path(settings.SIGNING_KEY_FILE)
    previous_path = Path(settings.SIGNING_PREVIOUS_KEYS_FILE)
    with _locked(path.parent):
        if path.exists():
            old = _qr_private_key_at(_file_version(path)).public_key()
            earlier = previous_path.read_bytes() if previous_path.exists() else b""
            if _public_pem(old) not in earlier:
                _write_private(previous_path, earlier + _public_pem(old))
        new = Ed25519PrivateKey.generate()
        _write_private(path, _qr_key_pem(new))
    return key_id(new.public_key())


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """One public key as a JWK (RFC 8037: OKP, Ed25519)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "kid": key_id(key),
        "use": "sig",
        "alg": "EdDSA",
    }


def jwks() -> dict[str, list[dict[str, str]]]:
    """The public QR keys as a JWK Set (RFC 7517), current first: what the site publishes
    (serve it as `application/jwk-set+json`)."""
    return {"keys": [public_jwk(key) for key in qr_public_keys()]}


# --- signed payloads -------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedPayload:
    """A payload whose signature checked out: what it says, when and with which key."""

    kind: str
    data: dict[str, Any]
    issued_at: dt.datetime
    kid: str


def payload_sign(
    kind: str, data: Mapping[str, Any], *, issued_at: dt.datetime | None = None
) -> str:
    """A compact signed text for a QR code: `HHS1:` + base45 (module docstring). `data` holds
    JSON values only (strings, numbers, booleans, None, lists, objects); keep keys and kinds
    short, every byte makes the code denser."""
    if not kind:
        raise ValueError("A payload needs a kind.")
    issued_at = issued_at or timezone.now()
    if timezone.is_naive(issued_at):
        raise ValueError("issued_at must be aware.")
    message = json.dumps(
        {"k": kind, "t": int(issued_at.timestamp()), "d": dict(data)},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
    ).encode()
    key = qr_private_key()
    signed = bytes([PAYLOAD_VERSION]) + _kid_bytes(key.public_key()) + message
    return PAYLOAD_PREFIX + base45_encode(signed + key.sign(signed))


def _malformed() -> InvalidInput:
    return InvalidInput(
        _("This is not a verification code of the Hamburg Service, or it is incomplete."),
        code="payload-malformed",
    )


def payload_verify(text: str, *, kind: str | None = None) -> VerifiedPayload:
    """The payload of a signed text, if its signature checks out with the current or an earlier
    key. Raises InvalidInput with code `payload-malformed` (not ours, or cut short before the
    signature), `key-unknown` (signed with a key the city does not know), `signature-invalid`
    (altered or incomplete), or `payload-kind` (a code of another kind than `kind`)."""
    text = text.strip("\r\n")
    if len(text) > PAYLOAD_MAX_CHARS or not text.startswith(PAYLOAD_PREFIX):
        raise _malformed()
    try:
        raw = base45_decode(text[len(PAYLOAD_PREFIX) :])
    except ValueError:
        raise _malformed() from None
    if len(raw) < 1 + KID_BYTES + 2 + SIGNATURE_BYTES or raw[0] != PAYLOAD_VERSION:
        raise _malformed()
    signed, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    kid = raw[1 : 1 + KID_BYTES]
    key = next((k for k in qr_public_keys() if _kid_bytes(k) == kid), None)
    if key is None:
        raise InvalidInput(
            _("This code was not signed by the Hamburg Service: its key is unknown."),
            code="key-unknown",
        )
    try:
        key.verify(signature, signed)
    except InvalidSignature:
        raise InvalidInput(
            _("This code has been altered or is incomplete: its signature does not match."),
            code="signature-invalid",
        ) from None
    try:
        body = json.loads(signed[1 + KID_BYTES :].decode())
        found_kind, seconds, data = body["k"], body["t"], body["d"]
        if not (
            isinstance(found_kind, str) and isinstance(seconds, int) and isinstance(data, dict)
        ):
            raise TypeError
        issued_at = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (ValueError, KeyError, TypeError, OverflowError, OSError):
        raise _malformed() from None
    if kind is not None and found_kind != kind:
        raise InvalidInput(_("This code belongs to another kind of document."), code="payload-kind")
    return VerifiedPayload(kind=found_kind, data=data, issued_at=issued_at, kid=key_id(key))


# --- the document-signing key and certificate (ECDSA P-256, X.509) --------------------------


@dataclass(frozen=True)
class DocumentKey:
    """What signs PDFs: the private key (PEM), the city's certificate, and earlier
    certificates (trusted too when a signature is checked)."""

    key_pem: bytes
    certificate: x509.Certificate
    previous: tuple[x509.Certificate, ...]

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 fingerprint, as PDF readers and `openssl x509 -fingerprint -sha256` show it."""
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def _certificate_for(key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Hamburg"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, CITY_NAME),
            x509.NameAttribute(NameOID.COMMON_NAME, CERTIFICATE_NAME),
        ]
    )
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CERTIFICATE_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: a document signature
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        # Document signing (RFC 9336), and Adobe's older "Authentic Documents Trust" purpose.
        .add_extension(
            x509.ExtendedKeyUsage(
                [
                    x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36"),
                    x509.ObjectIdentifier("1.2.840.113583.1.1.5"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _load_ec_key(data: bytes, path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"DOCUMENT_SIGNING_KEY_FILE ({path}) is not a PEM key: {error}"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured(
            f"DOCUMENT_SIGNING_KEY_FILE ({path}) is not an elliptic-curve (ECDSA) private key."
        )
    return key


def _document_key_create() -> bool:
    """Create the document-signing key and/or its certificate where missing; True if anything
    was created. A certificate without its key cannot be repaired and is refused."""
    key_path = Path(settings.DOCUMENT_SIGNING_KEY_FILE)
    with _locked(key_path.parent):
        return _document_key_create_locked()


def _document_key_create_locked() -> bool:
    key_path = Path(settings.DOCUMENT_SIGNING_KEY_FILE)
    cert_path = Path(settings.DOCUMENT_SIGNING_CERT_FILE)
    if key_path.exists() and cert_path.exists():
        return False
    if cert_path.exists():
        raise ImproperlyConfigured(
            f"DOCUMENT_SIGNING_CERT_FILE ({cert_path}) exists but its key "
            f"DOCUMENT_SIGNING_KEY_FILE ({key_path}) does not."
        )
    if key_path.exists():
        key = _load_ec_key(key_path.read_bytes(), key_path)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        _write_private(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    certificate = _certificate_for(key, timezone.now())
    _write_private(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    return True


@lru_cache(maxsize=8)
def _document_key_at(
    key_version: FileVersion,
    cert_version: FileVersion,
    previous_version: FileVersion,
) -> DocumentKey:
    key_path, cert_path = Path(key_version[0]), Path(cert_version[0])
    key_pem = _read(key_path, "DOCUMENT_SIGNING_KEY_FILE")
    key = _load_ec_key(key_pem, key_path)
    try:
        certificate = x509.load_pem_x509_certificate(_read(cert_path, "DOCUMENT_SIGNING_CERT_FILE"))
    except ValueError:
        raise ImproperlyConfigured(
            f"DOCUMENT_SIGNING_CERT_FILE ({cert_path}) is not a PEM certificate."
        ) from None
    if certificate.public_key() != key.public_key():
        raise ImproperlyConfigured(
            f"DOCUMENT_SIGNING_CERT_FILE ({cert_path}) is not the certificate of the key in "
            f"DOCUMENT_SIGNING_KEY_FILE ({key_path})."
        )
    previous: tuple[x509.Certificate, ...] = ()
    if previous_version[3] >= 0:
        data = _read(Path(previous_version[0]), "DOCUMENT_PREVIOUS_CERTS_FILE")
        try:
            previous = tuple(
                x509.load_pem_x509_certificate(block) for block in _pem_blocks(data, b"CERTIFICATE")
            )
        except ValueError:
            raise ImproperlyConfigured(
                f"DOCUMENT_PREVIOUS_CERTS_FILE ({previous_version[0]}) holds a broken certificate."
            ) from None
    return DocumentKey(key_pem=key_pem, certificate=certificate, previous=previous)


def document_key() -> DocumentKey:
    """The document-signing key and certificate (created on first use outside production)."""
    key_path = Path(settings.DOCUMENT_SIGNING_KEY_FILE)
    cert_path = Path(settings.DOCUMENT_SIGNING_CERT_FILE)
    if _may_create() and not (key_path.exists() and cert_path.exists()):
        _document_key_create()
    return _document_key_at(
        _file_version(key_path),
        _file_version(cert_path),
        _file_version(Path(settings.DOCUMENT_PREVIOUS_CERTS_FILE)),
    )


def document_key_rotate() -> str:
    """A new document-signing key and certificate; the current certificate is appended to
    DOCUMENT_PREVIOUS_CERTS_FILE. Returns the new certificate's fingerprint."""
    key_path = Path(settings.DOCUMENT_SIGNING_KEY_FILE)
    cert_path = Path(settings.DOCUMENT_SIGNING_CERT_FILE)
    previous_path = Path(settings.DOCUMENT_PREVIOUS_CERTS_FILE)
    with _locked(key_path.parent):
        if cert_path.exists():
            old = cert_path.read_bytes()
            earlier = previous_path.read_bytes() if previous_path.exists() else b""
            if old not in earlier:
                _write_private(previous_path, earlier + old)
        key_path.unlink(missing_ok=True)
        cert_path.unlink(missing_ok=True)
        _document_key_create_locked()
    return certificate_fingerprint(document_key().certificate)


def keys_ensure() -> list[Path]:
    """Create every missing key (also in production: an operator's explicit act, as
    `manage.py keys_create`). Returns the files written."""
    created = []
    if _qr_key_create():
        created.append(Path(settings.SIGNING_KEY_FILE))
    if _document_key_create():
        created += [
            Path(settings.DOCUMENT_SIGNING_KEY_FILE),
            Path(settings.DOCUMENT_SIGNING_CERT_FILE),
        ]
    return created


# --- the production check --------------------------------------------------------------------

KEY_SETTINGS = ("SIGNING_KEY_FILE", "DOCUMENT_SIGNING_KEY_FILE", "DOCUMENT_SIGNING_CERT_FILE")


@register(Tags.security, deploy=True)
def signing_keys_provided(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Production signs certificates with keys it is given: each must exist, load and match,
    and the private keys must not be readable by others."""
    if not settings.PRODUCTION:
        return []
    missing = [name for name in KEY_SETTINGS if not Path(getattr(settings, name)).is_file()]
    if missing:
        return [
            Error(
                f"{name} ({getattr(settings, name)}) does not exist: certificates cannot be "
                "signed.",
                hint="Provide the city's keys, or create them with `manage.py keys_create` "
                "(docs/documents.md).",
                id="hamburg.E010",
            )
            for name in missing
        ]
    try:
        qr_public_keys()
        document_key()
    except (ImproperlyConfigured, ValueError) as error:
        return [Error(str(error), id="hamburg.E011")]
    messages: list[CheckMessage] = []
    for name in ("SIGNING_KEY_FILE", "DOCUMENT_SIGNING_KEY_FILE"):
        path = Path(getattr(settings, name))
        if path.stat().st_mode & 0o077:
            messages.append(
                CheckWarning(
                    f"{name} ({path}) can be read by others than its owner.",
                    hint=f"chmod 600 {path}",
                    id="hamburg.W010",
                )
            )
    return messages

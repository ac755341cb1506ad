from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from hamburg_service.core.signing import (
    certificate_fingerprint,
    document_key,
    document_key_rotate,
    jwks,
    keys_ensure,
    qr_key_rotate,
)


class Command(BaseCommand):
    help = (
        "Create the city's signing keys where missing (the QR key and the document-signing key "
        "with its certificate; paths in docs/configuration.md), and print the public QR keys "
        "(JWK Set) and the certificate's fingerprint. Safe to run again: existing keys stay. "
        "--rotate replaces a key; what the old one signed keeps verifying (docs/documents.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rotate",
            action="append",
            choices=["qr", "document"],
            default=[],
            help="replace this key with a new one (the old public key or certificate is kept "
            "as a previous one); may be given twice",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in keys_ensure():
            self.stdout.write(f"Created {path}")
        if "qr" in options["rotate"]:
            self.stdout.write(f"New QR key {qr_key_rotate()}; the old one is kept as previous.")
        if "document" in options["rotate"]:
            fingerprint = document_key_rotate()
            self.stdout.write(f"New document-signing certificate {fingerprint}.")
        key = document_key()
        self.stdout.write(f"QR keys ({settings.SIGNING_KEY_FILE}), current first, as a JWK Set:")
        self.stdout.write(json.dumps(jwks(), indent=2))
        self.stdout.write(f"Document-signing certificate ({settings.DOCUMENT_SIGNING_CERT_FILE}):")
        self.stdout.write(f"  subject   {key.certificate.subject.rfc4514_string()}")
        self.stdout.write(f"  valid to  {key.certificate.not_valid_after_utc:%Y-%m-%d}")
        self.stdout.write(f"  SHA-256   {certificate_fingerprint(key.certificate)}")
        for previous in key.previous:
            self.stdout.write(f"  previous  {certificate_fingerprint(previous)}")

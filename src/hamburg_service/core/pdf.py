"""Accessible, signed PDF documents from Django templates (docs/documents.md).

A document is a template extending `core/pdf/base.html`, rendered in the reader's language to
a tagged PDF/UA-1 file by WeasyPrint (document language, title, structure tree, the QR code as
a figure with its text alternative), then signed by the city's document-signing key with
pyHanko (PAdES baseline B-B), so that a PDF reader shows who signed it and that nothing was
changed since:

    pdf = pdf_render_signed(
        "people/pdf/registration_certificate.html",
        {"person": person, "residence": residence},
        language="de",
        qr=payload_sign("mb", {...}),
    )

Only `data:` URLs load while rendering: a document never fetches anything from the network or
the disk, whatever the data it shows.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import segno
from cryptography.hazmat.primitives.serialization import Encoding
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from hamburg_service.core.signing import CERTIFICATE_NAME, DocumentKey, document_key

if TYPE_CHECKING:  # pyHanko and WeasyPrint are imported on first use: processes start faster
    from pyhanko.sign.signers import SimpleSigner

logger = logging.getLogger(__name__)
# WeasyPrint logs each step of each rendering at INFO: noise in the server's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PDF_VARIANT = "pdf/ua-1"
SIGNATURE_FIELD = "HamburgService"


@dataclass(frozen=True)
class QrImage:
    """A QR code as the base template shows it: a PNG of one pixel per module (drawn sharp by
    `image-rendering: pixelated`), and its text alternative."""

    src: str
    alt: str
    modules: int


def qr_image(text: str, *, alt: str | None = None) -> QrImage:
    """The QR code of `text` (error correction M, quiet zone of 4 modules) for a PDF."""
    qr = segno.make(text, error="m")
    out = io.BytesIO()
    qr.save(out, kind="png", scale=1, border=4)
    width, _height = qr.symbol_size(scale=1, border=4)
    return QrImage(
        src="data:image/png;base64," + base64.b64encode(out.getvalue()).decode(),
        alt=alt or _("QR code with the signed data of this document"),
        modules=int(width),
    )


def pdf_render(
    template: str,
    context: Mapping[str, Any],
    language: str,
    *,
    qr: str | None = None,
    qr_alt: str | None = None,
) -> bytes:
    """`template` rendered with `context` in `language` to a tagged PDF/UA-1 document
    (unsigned). `qr`: a text (a signed payload) the base template shows as a QR code."""
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    with translation.override(language):
        full = dict(context)
        if qr is not None:
            full["qr"] = qr_image(qr, alt=qr_alt)
        html = render_to_string(template, full)
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)
    return pdf


@lru_cache(maxsize=4)
def _signer(key: DocumentKey) -> SimpleSigner:
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    certificate = next(iter(load_certs_from_pemder_data(key.certificate_pem)))
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=load_private_key_from_pemder_data(key.key_pem, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs([certificate]),
    )


def pdf_sign(pdf: bytes, *, language: str, reason: str | None = None) -> bytes:
    """`pdf` signed by the city's document-signing key (PAdES B-B, an incremental update
    with an invisible signature field). `reason` is what readers show as the signature's
    reason, in `language`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    with translation.override(language):
        meta = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason or _("Issued by the Hamburg Service"),
            location="Hamburg",
            name=CERTIFICATE_NAME,
        )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signed: io.BytesIO = signers.sign_pdf(writer, meta, signer=_signer(document_key()))
    return signed.getvalue()


def pdf_render_signed(
    template: str,
    context: Mapping[str, Any],
    language: str,
    *,
    qr: str | None = None,
    qr_alt: str | None = None,
    reason: str | None = None,
) -> bytes:
    """`pdf_render` then `pdf_sign`: the document as it is handed out."""
    pdf = pdf_render(template, context, language, qr=qr, qr_alt=qr_alt)
    return pdf_sign(pdf, language=language, reason=reason)


@dataclass(frozen=True)
class SignatureCheck:
    """What `pdf_signature_check` found. `valid`: signed by the city's current or an earlier
    certificate, unchanged since (the signature covers the whole file)."""

    valid: bool
    signed: bool = False
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    signed_at: dt.datetime | None = None
    signer: str = ""


def pdf_signature_check(pdf: bytes) -> SignatureCheck:
    """Check the last signature of `pdf` against the city's certificates as trust roots."""
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    key = document_key()
    roots = [
        next(iter(load_certs_from_pemder_data(cert.public_bytes(Encoding.PEM))))
        for cert in (key.certificate, *key.previous)
    ]
    # The bytes may come from anyone (an upload): whatever breaks in reading them means "not a
    # document signed by us", never an error page.
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception as error:
        logger.info("Not a readable PDF: %s", error)
        return SignatureCheck(valid=False)
    if not signatures:
        return SignatureCheck(valid=False)
    try:
        status = validate_pdf_signature(signatures[-1], ValidationContext(trust_roots=roots))
    except Exception as error:
        logger.info("PDF signature not validated: %s", error)
        return SignatureCheck(valid=False, signed=True)
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return SignatureCheck(
        valid=bool(status.bottom_line and whole_file),
        signed=True,
        intact=bool(status.intact),
        trusted=bool(status.trusted),
        whole_file=whole_file,
        signed_at=status.signer_reported_dt,
        signer=status.signing_cert.subject.human_friendly,
    )

"""Tagged, signed PDF documents (core/pdf.py, docs/documents.md)."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from django.conf import settings as django_settings
from django.test import override_settings
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.generic import pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from pypdf.generic import BooleanObject, DictionaryObject

from hamburg_service.core import signing
from hamburg_service.core.pdf import (
    pdf_render,
    pdf_render_signed,
    pdf_signature_check,
    qr_image,
)
from hamburg_service.core.signing import payload_sign, payload_verify

NAME = "Çağlar Ğüneş-Ørsted"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "documents.md"
TEMPLATE = """{% extends "core/pdf/base.html" %}{% load i18n %}
{% block title %}{% translate "Registration certificate" %}{% endblock %}
{% block content %}
<h1>{% translate "Registration certificate" %}</h1>
<dl class="fields">
  <dt>Name</dt><dd>{{ name }}</dd>
  <dt>Anschrift</dt><dd>{{ address }}</dd>
</dl>
{% endblock %}"""


def key_settings(directory: Path) -> dict[str, Path]:
    return {
        "SIGNING_KEY_FILE": directory / "qr.pem",
        "SIGNING_PREVIOUS_KEYS_FILE": directory / "qr-previous.pem",
        "DOCUMENT_SIGNING_KEY_FILE": directory / "document-key.pem",
        "DOCUMENT_SIGNING_CERT_FILE": directory / "document-cert.pem",
        "DOCUMENT_PREVIOUS_CERTS_FILE": directory / "document-previous.pem",
    }


@dataclasses.dataclass
class Rendered:
    pdf: bytes
    payload: str
    keys: Path
    templates: Path
    milliseconds: float


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    """One signed certificate for the module (key files and a template under tmp paths)."""
    keys = tmp_path_factory.mktemp("keys")
    templates = tmp_path_factory.mktemp("templates")
    (templates / "test_certificate.html").write_text(TEMPLATE)
    engine = {**django_settings.TEMPLATES[0], "DIRS": [templates]}
    with override_settings(TEMPLATES=[engine], **key_settings(keys)):
        payload = payload_sign("mb", {"n": NAME, "c": "MB-2025-0001234"})
        context = {"name": NAME, "address": "Musterstraße 12a, 20095 Hamburg"}
        pdf_render_signed("test_certificate.html", context, "de", qr=payload)  # warm up
        started = time.perf_counter()
        pdf = pdf_render_signed("test_certificate.html", context, "de", qr=payload)
        milliseconds = (time.perf_counter() - started) * 1000
        yield Rendered(pdf, payload, keys, templates, milliseconds)


@pytest.fixture
def keys_of(rendered: Rendered, settings: Any) -> Rendered:
    """The module's keys and template, for tests that render or check again."""
    settings.TEMPLATES = [{**django_settings.TEMPLATES[0], "DIRS": [rendered.templates]}]
    for name, path in key_settings(rendered.keys).items():
        setattr(settings, name, path)
    return rendered


def catalog(pdf: bytes) -> DictionaryObject:
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert isinstance(root, DictionaryObject)
    return root


def structure(node: Any, found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(structure type, alternative text) of every element of the structure tree."""
    node = node.get_object()
    if isinstance(node, dict):
        if "/S" in node:
            found.append((str(node["/S"]), str(node.get("/Alt", ""))))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object") or isinstance(kid, dict):
                structure(kid, found)
    return found


def test_the_pdf_is_tagged_with_language_and_title(rendered: Rendered) -> None:
    root = catalog(rendered.pdf)

    assert root["/Lang"] == "de"
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)  # type: ignore[index]
    assert "/StructTreeRoot" in root
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)  # type: ignore[index]
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == "Meldebescheinigung"  # rendered in German
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()  # type: ignore[union-attr]
    elements = structure(root["/StructTreeRoot"], [])
    kinds = [kind for kind, _alt in elements]
    assert "/H1" in kinds
    assert ("/Figure", "QR-Code mit den signierten Daten dieses Dokuments") in elements


def test_the_pdf_holds_the_text(rendered: Rendered) -> None:
    page = PdfReader(io.BytesIO(rendered.pdf)).pages[0]
    text = page.extract_text()

    assert NAME in text
    assert "Musterstraße 12a, 20095 Hamburg" in text
    assert "Freie und Hansestadt Hamburg" in text


def test_the_pdf_embeds_the_qr_code_of_the_payload(keys_of: Rendered) -> None:
    rendered = keys_of
    (image,) = PdfReader(io.BytesIO(rendered.pdf)).pages[0].images
    assert image.image is not None
    pixels = image.image.convert("L")

    qr = segno.make(rendered.payload, error="m")
    expected = [[bool(module) for module in row] for row in qr.matrix_iter(scale=1, border=4)]
    assert pixels.size == (len(expected), len(expected))
    dark = [value < 128 for value in pixels.tobytes()]
    found = [dark[y * pixels.width : (y + 1) * pixels.width] for y in range(pixels.height)]
    assert found == expected
    assert payload_verify(rendered.payload).data["n"] == NAME


def test_the_signature_validates_against_the_city_certificate(rendered: Rendered) -> None:
    certificate = (rendered.keys / "document-cert.pem").read_bytes()
    roots = list(load_certs_from_pemder_data(certificate))
    (signature,) = PdfFileReader(io.BytesIO(rendered.pdf)).embedded_signatures

    status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots))

    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == (
        "Freie und Hansestadt Hamburg – Hamburg Service"
    )
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_the_validation_recipe_of_the_docs(
    rendered: Rendered, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.DOTALL)
    (snippet,) = [block for block in blocks if "validate_pdf_signature" in block]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "certificate.pdf").write_bytes(rendered.pdf)
    shutil.copy(rendered.keys / "document-cert.pem", tmp_path / "document-signing-cert.pem")

    exec(snippet, {})  # noqa: S102 - our own documentation

    assert capsys.readouterr().out == "True SignatureCoverageLevel.ENTIRE_FILE\n"


def test_pdf_signature_check(keys_of: Rendered) -> None:
    check = pdf_signature_check(keys_of.pdf)

    assert check.valid
    assert check.whole_file
    assert "Hamburg Service" in check.signer


def test_altered_bytes_break_the_signature(keys_of: Rendered) -> None:
    assert keys_of.pdf.count(b"/Title (Meldebescheinigung)") == 1
    altered = keys_of.pdf.replace(b"(Meldebescheinigung)", b"(Meldebescheinigunq)")
    roots = list(load_certs_from_pemder_data((keys_of.keys / "document-cert.pem").read_bytes()))
    (signature,) = PdfFileReader(io.BytesIO(altered)).embedded_signatures

    status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots))

    assert not status.intact
    assert not status.bottom_line
    assert not pdf_signature_check(altered).valid


def test_a_revision_added_after_signing_is_not_covered(keys_of: Rendered) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(keys_of.pdf))
    writer.root["/Lang"] = pdf_string("en")
    writer.update_root()
    changed = io.BytesIO()
    writer.write(changed)

    check = pdf_signature_check(changed.getvalue())

    assert check.intact
    assert not check.whole_file
    assert not check.valid


def test_another_certificate_is_not_trusted(
    keys_of: Rendered, settings: Any, tmp_path: Path
) -> None:
    for name, path in key_settings(tmp_path).items():
        setattr(settings, name, path)

    check = pdf_signature_check(keys_of.pdf)

    assert check.intact
    assert not check.trusted
    assert not check.valid


def test_documents_signed_before_a_rotation_still_validate(
    keys_of: Rendered, settings: Any, tmp_path: Path
) -> None:
    shutil.copytree(keys_of.keys, tmp_path / "keys")
    for name, path in key_settings(tmp_path / "keys").items():
        setattr(settings, name, path)

    signing.document_key_rotate()

    assert len(signing.document_key().previous) == 1
    assert pdf_signature_check(keys_of.pdf).valid


def test_unsigned_and_foreign_files(keys_of: Rendered) -> None:
    unsigned = pdf_render("test_certificate.html", {"name": NAME}, "en")

    assert catalog(unsigned)["/Lang"] == "en"
    assert not PdfReader(io.BytesIO(unsigned)).pages[0].images  # no QR asked for
    assert pdf_signature_check(unsigned) == pdf_signature_check(b"not a pdf")
    assert not pdf_signature_check(unsigned).signed
    assert not pdf_signature_check(keys_of.pdf[: len(keys_of.pdf) // 2]).valid  # cut short
    assert not pdf_signature_check(keys_of.pdf[:-3000]).valid


def test_documents_load_nothing_from_outside(keys_of: Rendered) -> None:
    from weasyprint.urls import FatalURLFetchingError  # type: ignore[import-untyped]

    (keys_of.templates / "fetching.html").write_text(
        '{% extends "core/pdf/base.html" %}{% block content %}'
        '<img src="file:///etc/hostname" alt="x">{% endblock %}'
    )

    with pytest.raises(FatalURLFetchingError):
        pdf_render("fetching.html", {}, "de")


def test_the_qr_image_is_one_pixel_per_module() -> None:
    image = qr_image("HHS1:ABC", alt="a code")

    assert image.src.startswith("data:image/png;base64,")
    assert image.alt == "a code"
    assert image.modules == segno.make("HHS1:ABC", error="m").symbol_size(scale=1, border=4)[0]


def test_render_and_sign_take_well_under_a_second(rendered: Rendered) -> None:
    """A one-page certificate, rendered and signed once warm (docs/documents.md: ~120 ms)."""
    assert rendered.milliseconds < 1500
    assert len(rendered.pdf) < 40_000

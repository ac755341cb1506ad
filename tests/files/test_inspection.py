"""What an upload is, decided by its content: a renamed program, a PDF with active content,
an encrypted or damaged PDF, a decompression bomb are refused with a message naming the file;
PDFs, JPEGs and PNGs are accepted, images without their metadata."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from PIL import Image

from hamburg_service.core.errors import InvalidInput
from hamburg_service.files.inspection import upload_inspect
from hamburg_service.files.names import name_clean, name_for_type
from hamburg_service.files.policy import DOCUMENTS, JPEG, PDF, PNG, UploadPolicy

from .conftest import (
    elf_executable,
    jpeg_with_gps,
    pdf_encrypted,
    pdf_plain,
    pdf_with_annotation,
    pdf_with_attachment,
    pdf_with_document_javascript,
    pdf_with_javascript_open_action,
    pe_executable,
    png_declaring,
    png_with_text,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(data: bytes, name: str, policy: UploadPolicy = DOCUMENTS) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        upload_inspect(data=data, name=name, policy=policy)
    return caught.value


def test_a_valid_pdf_is_accepted_as_sent():
    data = pdf_plain(pages=2)
    inspected = upload_inspect(data=data, name="Meldebescheinigung.pdf", policy=DOCUMENTS)
    assert inspected.file_type == PDF
    assert inspected.data == data  # not rewritten: a signature on it stays valid
    assert inspected.name == "Meldebescheinigung.pdf"


def test_a_pdf_rendered_by_weasyprint_is_accepted():
    from weasyprint import HTML

    data = HTML(string="<h1>Mietvertrag</h1><p>Seite 1</p>").write_pdf()
    assert upload_inspect(data=data, name="mietvertrag.pdf", policy=DOCUMENTS).file_type == PDF


@pytest.mark.parametrize("program", [elf_executable, pe_executable])
def test_a_program_renamed_to_pdf_is_refused(program):
    error = refusal(program(), "passport.pdf")
    assert error.code == "file-type"
    assert error.detail.startswith("'passport.pdf' is not a PDF: its content is a program.")
    assert "Accepted: PDF, JPEG, PNG." in error.detail
    assert error.errors == [{"field": "file", "message": error.detail}]


@pytest.mark.parametrize(
    ("data", "name", "what"),
    [
        (b"<html><script>alert(1)</script></html>", "page.pdf", "a web page or a script"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "x.png", "a web page"),
        (b"PK\x03\x04" + b"\0" * 60, "photos.jpg", "an archive or an office document"),
        (b"GIF89a" + b"\0" * 60, "photo.jpg", "an image in another format (GIF)"),
        (b"just some words\n", "letter.pdf", "plain text"),
        (b"\x00\x01\x02\x03\xfe\xff" * 20, "blob.pdf", "of a kind that cannot be recognised"),
    ],
)
def test_other_contents_are_named_in_the_refusal(data, name, what):
    error = refusal(data, name)
    assert error.code == "file-type"
    assert what in error.detail
    assert f"'{name}'" in error.detail


def test_a_program_under_its_own_name_is_refused_too():
    error = refusal(elf_executable(), "setup.exe")
    assert error.detail.startswith("'setup.exe' cannot be accepted: its content is a program.")


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (pdf_with_javascript_open_action, "JavaScript"),
        (pdf_with_document_javascript, "JavaScript"),
        (pdf_with_attachment, "embedded files"),
    ],
)
def test_a_pdf_with_active_content_is_refused(make, what):
    error = refusal(make(), "scan.pdf")
    assert error.code == "file-active-content"
    assert error.detail == (
        f"'scan.pdf' contains active content ({what}) and cannot be accepted. "
        "Please print it to PDF again or scan it."
    )


def test_an_open_action_that_only_shows_the_first_page_is_harmless():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.open_destination = writer.pages[0]
    out = io.BytesIO()
    writer.write(out)
    assert upload_inspect(data=out.getvalue(), name="a.pdf", policy=DOCUMENTS).file_type == PDF


def test_an_encrypted_pdf_is_refused():
    error = refusal(pdf_encrypted(), "bank.pdf")
    assert error.code == "file-encrypted"
    assert "protected by a password or encrypted" in error.detail


def test_a_damaged_pdf_is_refused():
    error = refusal(b"%PDF-1.7\n" + b"\x00garbage" * 50, "broken.pdf")
    assert error.code == "file-unreadable"
    assert error.detail.startswith("'broken.pdf' could not be read as a PDF")


def test_a_jpeg_is_stored_without_exif_gps_or_comment():
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original
    assert b"taken at home" in original
    inspected = upload_inspect(data=original, name="foto.jpeg", policy=DOCUMENTS)
    assert inspected.file_type == JPEG
    assert b"Exif" not in inspected.data
    assert b"PhoneMaker" not in inspected.data
    assert b"taken at home" not in inspected.data
    with Image.open(io.BytesIO(inspected.data)) as image:
        assert image.format == "JPEG"
        assert image.size == (64, 48)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
        assert "comment" not in image.info


def test_a_png_is_stored_without_its_text():
    inspected = upload_inspect(data=png_with_text(), name="scan.png", policy=DOCUMENTS)
    assert inspected.file_type == PNG
    assert b"Mustermann" not in inspected.data
    with Image.open(io.BytesIO(inspected.data)) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert image.size == (40, 30)
        assert image.getpixel((0, 0)) == (0, 128, 0, 200)


def test_the_content_decides_the_type_and_the_name_follows_it():
    inspected = upload_inspect(data=png_with_text(), name="scan.pdf", policy=DOCUMENTS)
    assert inspected.file_type == PNG
    assert inspected.name == "scan.png"


@pytest.mark.parametrize(("width", "height"), [(30_000, 30_000), (8_000, 8_000)])
def test_a_decompression_bomb_is_refused_before_its_pixels_are_read(width, height):
    # 900 megapixels passes Pillow's own limit; 64 passes ours (50).
    data = png_declaring(width, height)
    assert len(data) < 200
    error = refusal(data, "bomb.png")
    assert error.code == "image-too-large"
    assert error.detail == (
        "'bomb.png' has too many pixels. Please upload a smaller image (at most 50 megapixels)."
    )


def test_a_truncated_image_is_refused():
    error = refusal(jpeg_with_gps()[:200], "cut.jpg")
    assert error.code == "file-unreadable"


def test_a_policy_may_accept_fewer_types():
    only_pdf = UploadPolicy(name="pdf-only", types=(PDF,))
    error = refusal(png_with_text(), "scan.png", only_pdf)
    assert error.detail == "'scan.png' is a PNG file, which cannot be accepted here. Accepted: PDF."


def test_an_empty_file_and_a_large_one_are_refused():
    assert refusal(b"", "empty.pdf").code == "file-empty"
    small = UploadPolicy(name="small", max_bytes=1000)
    error = refusal(pdf_plain() + b"\n" * 1000, "big.pdf", small)
    assert error.code == "file-too-large"
    assert error.detail.startswith("'big.pdf' is larger than 1000")


def test_the_messages_speak_german():
    with translation.override("de"):
        error = refusal(elf_executable(), "passport.pdf")
        assert error.detail.startswith(
            "„passport.pdf“ ist keine PDF-Datei: ihr Inhalt ist ein Programm."
        )
        error = refusal(pdf_with_javascript_open_action(), "scan.pdf")
        assert "aktive Inhalte (JavaScript)" in error.detail


def test_names_are_cleaned_and_bounded():
    assert name_clean("C:\\Users\\erika\\Pass.pdf") == "Pass.pdf"
    assert name_clean("../../etc/passwd") == "passwd"
    # A right-to-left override would show "gpj.exe" as "exe.jpg".
    assert name_clean("photo\u202egpj.exe") == "photogpj.exe"
    assert name_clean("a\x00b\x07c.pdf") == "abc.pdf"
    assert name_clean("   ") == "file"
    long = name_clean("x" * 300 + ".pdf")
    assert len(long) == 120
    assert long.endswith(".pdf")
    assert name_for_type("scan", JPEG) == "scan.jpg"
    assert name_for_type("Scan.JPEG", JPEG) == "Scan.JPEG"


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (lambda: pdf_with_annotation({"/S": "/Launch", "/F": "calc.exe"}), "links that start"),
        (lambda: pdf_with_annotation({"/S": "/GoToR", "/F": "other.pdf"}), "links that start"),
        (lambda: pdf_with_annotation({"/S": "/SubmitForm", "/F": "x"}), "form actions"),
        (lambda: pdf_with_annotation(AA={"/O": {"/S": "/URI", "/URI": "x"}}), "run by themselves"),
        (lambda: pdf_with_annotation({"/S": "/JavaScript", "/JS": "app.alert(1)"}), "JavaScript"),
    ],
)
def test_active_content_is_found_deep_in_the_pages(data, what):
    error = refusal(data(), "scan.pdf")
    assert error.code == "file-active-content"
    assert what in error.detail


def test_a_web_link_in_a_pdf_is_fine():
    data = pdf_with_annotation({"/S": "/URI", "/URI": "https://www.hamburg.de/"})
    assert upload_inspect(data=data, name="print.pdf", policy=DOCUMENTS).file_type == PDF


def test_a_name_written_in_hex_escapes_is_still_found():
    # "/#4A#53" is "/JS": a viewer reads it so, and so does the check.
    data = pdf_with_annotation({"/S": "/JavaScript", "/JS": "app.alert(1)"})
    assert data.count(b"/JS ") == 1
    hidden = data.replace(b"/JS ", b"/#4A#53 ").replace(b"/S /JavaScript", b"/S /GoTo")
    error = refusal(hidden, "scan.pdf")
    assert error.code == "file-active-content"
    assert "JavaScript" in error.detail


def test_a_turned_photo_is_stored_upright_without_the_turn():
    image = Image.new("RGB", (60, 20), (255, 255, 255))
    image.paste((0, 0, 0), (0, 0, 10, 20))  # a black stripe on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to show
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), icc_profile=b"\0" * 128, xmp=b"<x/>")
    inspected = upload_inspect(data=out.getvalue(), name="turned.jpg", policy=DOCUMENTS)
    with Image.open(io.BytesIO(inspected.data)) as stored:
        assert stored.size == (20, 60)
        assert stored.getpixel((10, 2))[0] < 60  # the stripe is now at the top
        assert dict(stored.getexif()) == {}
        assert "icc_profile" not in stored.info
        assert "xmp" not in stored.info


@pytest.mark.parametrize(
    ("mode", "image_format"),
    [
        ("L", "JPEG"),
        ("CMYK", "JPEG"),
        ("1", "PNG"),
        ("L", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("I;16", "PNG"),
        ("RGB", "PNG"),
    ],
)
def test_images_of_every_common_mode_are_encoded_anew(mode, image_format):
    image = Image.new(mode, (30, 20))
    out = io.BytesIO()
    image.save(out, format=image_format, dpi=(300, 300))
    inspected = upload_inspect(data=out.getvalue(), name="x", policy=DOCUMENTS)
    with Image.open(io.BytesIO(inspected.data)) as stored:
        assert stored.format == image_format
        assert stored.size == (30, 20)
        assert tuple(round(v) for v in stored.info["dpi"]) == (300, 300)

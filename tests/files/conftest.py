"""Real files, made here, for the upload tests: PDFs (plain, with JavaScript, encrypted, with
an embedded file), images with metadata, executables, a decompression bomb."""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


@pytest.fixture(autouse=True)
def uploads_root(settings, tmp_path: Path) -> Path:
    """Every test stores its uploads in a directory of its own."""
    root = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            **settings.STORAGES["uploads"],
            "OPTIONS": {**settings.STORAGES["uploads"]["OPTIONS"], "location": root},
        },
    }
    return root


def stored_blobs(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    # The browser's content type is whatever the person's computer says: never trusted.
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf_bytes(writer: PdfWriter | None = None) -> bytes:
    if writer is None:
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_plain(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    return pdf_bytes(writer)


def pdf_with_javascript_open_action() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return pdf_bytes(writer)


def pdf_with_document_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    # A document-level script: the catalogue's /Names /JavaScript name tree.
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("hello"), writer._add_object(script)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    return pdf_bytes(writer)


def pdf_with_attachment() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("run.exe", b"MZ...")
    return pdf_bytes(writer)


def pdf_encrypted() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret", algorithm="AES-256")
    return pdf_bytes(writer)


def elf_executable() -> bytes:
    """A real program of this machine."""
    path = shutil.which("true")
    assert path is not None
    return Path(path).read_bytes()


def pe_executable() -> bytes:
    """A Windows program's headers: 'MZ', the DOS stub's pointer, 'PE\\0\\0'."""
    dos = bytearray(b"MZ" + b"\0" * 62)
    dos[0x3C:0x40] = struct.pack("<I", 64)
    return bytes(dos) + b"PE\0\0" + struct.pack("<HH", 0x8664, 1) + b"\0" * 400


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (53.0, 33.0, 3.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (9.0, 59.0, 37.0),
    }
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


def png_with_text(size: tuple[int, int] = (40, 30)) -> bytes:
    image = Image.new("RGBA", size, (0, 128, 0, 200))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Erika Mustermann")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` pixels: a decompression bomb's
    front (the few compressed bytes would inflate to gigabytes)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 4096, 9))
        + _chunk(b"IEND", b"")
    )


def pdf_with_annotation(action: dict[str, object] | None = None, **page_keys: object) -> bytes:
    """A page with a link annotation doing `action` (name values start with "/"), and extra
    keys on the page itself."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)

    def pdf_value(value: object):  # type: ignore[no-untyped-def]
        if isinstance(value, dict):
            return DictionaryObject({NameObject(k): pdf_value(v) for k, v in value.items()})
        if isinstance(value, str) and value.startswith("/"):
            return NameObject(value)
        return TextStringObject(str(value))

    if action is not None:
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (10, 10, 100, 30)]),
                NameObject("/A"): pdf_value(action),
            }
        )
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    for key, value in page_keys.items():
        page[NameObject(f"/{key}")] = pdf_value(value)
    return pdf_bytes(writer)

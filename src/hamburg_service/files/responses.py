"""A stored file as a download. `file_response` decides nothing about who may have it: the
owning app checks that the request comes from the applicant or entitled staff (and writes its
access log) and finds the file with `selectors.file_of(owner=..., public_id=...)` before it
calls this. The headers make the browser save the file, never show or run it in the page's
origin."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from django.http import FileResponse

from hamburg_service.files.models import StoredFile
from hamburg_service.files.selectors import file_open


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback `filename` and the exact name as `filename*` (RFC
    6266, RFC 8187)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = "".join(c if c.isalnum() or c in " ._-()" else "_" for c in ascii_name)
    ascii_name = ascii_name.strip(" .") or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(stored: StoredFile) -> FileResponse:
    """The file, streamed, as an attachment with its checked type."""
    response = FileResponse(file_open(stored), content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition(stored.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    # Opened anyway (a PDF viewer in the browser), it runs no script and has no origin.
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response

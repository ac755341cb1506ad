from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str) -> SafeString:
    """An inline SVG QR code of `text` (for check-in at the kiosk and mobile tickets)."""
    svg: str = segno.make(text, error="m").svg_inline(
        scale=4, dark="#1b1b1b", light="#ffffff", omitsize=False
    )
    return mark_safe(svg)  # noqa: S308 - segno's own SVG, no user markup

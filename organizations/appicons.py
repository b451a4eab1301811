"""The installed app's icons and manifest, per tenant: its logo when it is a raster image,
else a square in the tenant's colour with its initials. Icons are made once per logo and
colour (cached), since a phone asks for them on every start."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from .models import Tenant

SIZES = (192, 512)
FONT = Path(settings.BASE_DIR) / "core" / "fonts" / "DejaVuSerif-Bold.ttf"
CACHE_SECONDS = 24 * 3600


def _rgb(colour: str, default: tuple[int, int, int]) -> tuple[int, int, int]:
    value = (colour or "").lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    try:
        return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    except ValueError:
        return default


def initials(tenant: Tenant) -> str:
    """Up to two letters of the app name: "E-Files" → "EF", "Sarana" → "S"."""
    words = [w for w in (tenant.app_name or tenant.name).replace("-", " ").split() if w]
    return "".join(w[0] for w in words[:2]).upper() or "N"


def _logo(tenant: Tenant) -> Image.Image | None:
    if not tenant.logo:
        return None
    try:
        with tenant.logo.open("rb") as fh:
            image = Image.open(io.BytesIO(fh.read()))
            image.load()
    except (OSError, UnidentifiedImageError, ValueError):
        return None  # an SVG, a missing file or a broken one: the initials instead
    return image.convert("RGBA")


def _draw(tenant: Tenant, size: int) -> bytes:
    logo = _logo(tenant)
    if logo is not None:
        canvas = Image.new("RGBA", (size, size), (255, 255, 255, 255))
        logo.thumbnail((int(size * 0.8), int(size * 0.8)))
        canvas.alpha_composite(logo, ((size - logo.width) // 2, (size - logo.height) // 2))
    else:
        canvas = Image.new("RGBA", (size, size), (*_rgb(tenant.primary_colour, (30, 64, 175)), 255))
        draw = ImageDraw.Draw(canvas)
        text = initials(tenant)
        font = ImageFont.truetype(str(FONT), int(size * (0.42 if len(text) > 1 else 0.55)))
        draw.text((size / 2, size / 2), text, font=font, fill=(255, 255, 255), anchor="mm")
        bar = max(2, size // 24)
        draw.rectangle((0, size - bar, size, size), fill=_rgb(tenant.accent_colour, (250, 204, 21)))
    out = io.BytesIO()
    canvas.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def icon_png(tenant: Tenant, size: int) -> bytes:
    """The tenant's app icon, size × size pixels, as PNG bytes."""
    stamp = int(tenant.updated_at.timestamp()) if tenant.updated_at else 0
    key = f"naskah:appicon:{tenant.pk}:{stamp}:{size}"
    data = cache.get(key)
    if data is None:
        data = _draw(tenant, size)
        cache.set(key, data, CACHE_SECONDS)
    return data


def manifest(tenant: Tenant, *, icon_url) -> dict:
    """The web app manifest of the tenant's app (name, colours, icons, start page)."""
    return {
        "id": "/",
        "name": tenant.app_name,
        "short_name": (tenant.short_name or tenant.app_name)[:12],
        "description": tenant.name,
        "lang": "id",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": tenant.primary_colour,
        "background_color": "#ffffff",
        "icons": [
            {"src": icon_url(size), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in SIZES
        ],
    }

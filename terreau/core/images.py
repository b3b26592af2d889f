"""Uploaded images are decoded and re-encoded: no metadata, no polyglot, bounded size."""

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000
MAX_SIDE = 1600


def reencode_image(upload) -> ContentFile:
    """Return a fresh WebP file made from the pixels of `upload`, or raise ValidationError."""
    if upload.size > settings.MAX_IMAGE_BYTES:
        raise ValidationError(_("L'image dépasse 5 Mo."), code="too_big")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            if img.format not in {"JPEG", "PNG", "WEBP", "GIF"}:
                raise ValidationError(_("Formats acceptés : JPEG, PNG, WebP, GIF."), code="format")
            img = ImageOps.exif_transpose(img)
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            img = img.convert("RGBA" if img.mode in ("RGBA", "LA", "P") else "RGB")
            out = io.BytesIO()
            img.save(out, format="WEBP", quality=82)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("Ce fichier n'est pas une image lisible."), code="invalid") from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.webp")

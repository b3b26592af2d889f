"""Re-sanitizing stored HTML with the same allow-list as terreau.core.markdown (cheap: no Markdown)."""

import nh3
from django.utils.safestring import SafeString, mark_safe

from terreau.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS


def sanitize_html(html: str) -> SafeString:
    clean = nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
    return mark_safe(clean)  # noqa: S308 - sanitized just above

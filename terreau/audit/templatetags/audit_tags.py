from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from terreau.audit.services import canonical_json

register = template.Library()


@register.filter
def breakable(value, every: int = 16) -> SafeString:
    """A long hash with <wbr> break opportunities, so that it wraps on narrow screens."""
    text = str(value or "")
    parts = [conditional_escape(text[i : i + every]) for i in range(0, len(text), every)]
    return mark_safe("<wbr>".join(parts))  # noqa: S308 - every part is escaped above


@register.filter
def audit_json(value) -> str:
    """The canonical JSON of event data (plain text: the template escapes it)."""
    return canonical_json(value)

from django import template
from django.utils.safestring import SafeString

from terreau.core.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(value: str, heading_offset: int = 0) -> SafeString:
    """`{{ text|markdown }}`; `{{ text|markdown:1 }}` under a heading of its own (## becomes h3)."""
    return render_markdown(value, heading_offset=int(heading_offset))


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return params.urlencode()

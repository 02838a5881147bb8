"""Links made from stored text: only web addresses become an href.

Harvested records may hold any text where a URL belongs (``javascript:alert(1)``, a
``data:`` URI): Django's escaping keeps it from breaking out of the attribute, but a
browser would still follow it. ``{{ url|web_url }}`` is the URL when it is an http(s)
or ftp(s) address, else "", so templates show such a value as text, never as a link:

    {% with href=distribution.access_url|web_url %}{% if href %}<a href="{{ href }}">…</a>{% endif %}{% endwith %}
"""

from urllib.parse import urlsplit

from django import template

register = template.Library()

WEB_SCHEMES = frozenset({"http", "https", "ftp", "ftps"})


@register.filter
def web_url(value) -> str:
    """``value`` if it is an absolute http(s) or ftp(s) URL with a host, else ""."""
    if not isinstance(value, str) or not value:
        return ""
    text = value.strip()
    # Browsers drop tabs and newlines inside a scheme ("java\tscript:"), so a URL holding
    # any control character or space before its host is no web address.
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        return ""
    return text

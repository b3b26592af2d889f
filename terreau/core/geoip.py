"""The country an IP address was allocated to, offline.

`iptocc` embeds the five Regional Internet Registries' allocation tables in its wheel (no
file, no network): the answer is the country the block was *assigned* to, which agrees with
commercial geolocation for about 95 % of IPv4 addresses. That is enough for what it is used
for: noticing that an unusual share of a petition's signatures comes from one foreign
country, never to locate a person.
"""

from __future__ import annotations

import ipaddress


def country_of_ip(ip: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code, or None for private, reserved, malformed or unknown addresses."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if not address.is_global:
        return None
    from iptocc import country_code

    code = country_code(str(address))
    return code.upper() if isinstance(code, str) and len(code) == 2 else None

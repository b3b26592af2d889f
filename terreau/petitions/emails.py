"""Email normalisation for "one signature per person per petition".

`normalize_email()` maps the many spellings of one mailbox to one string, which the
signature table keeps under a unique constraint:

- surrounding spaces stripped, everything lower-cased (local parts are case-sensitive
  in theory, never in practice), Unicode in NFC so composed and decomposed accents match;
- the domain in ASCII: internationalised domain names go through the `idna` codec
  (``bücher.fr`` → ``xn--bcher-kva.fr``), a trailing dot is dropped;
- Gmail ignores dots and anything after ``+`` in the local part, and ``googlemail.com`` is
  the same mailbox as ``gmail.com``;
- other providers known to deliver ``name+tag@`` to ``name@`` lose the tag.

Invalid addresses raise `ValueError` with a French message (gettext), meant for the signer.
The disposable-domain list is the one shipped by the pinned `disposable-email-domains`
package (MIT licence, github.com/disposable-email-domains/disposable-email-domains); nothing
is downloaded at run time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.utils.translation import gettext as _

MAX_LENGTH = 254  # RFC 5321 path limit, minus the angle brackets
MAX_LOCAL_OCTETS = 64
MAX_LABEL = 63

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

# Providers that deliver name+anything@ to name@ (documented sub-addressing with "+").
PLUS_TAG_DOMAINS = frozenset(
    {
        "gmail.com",
        "outlook.com",
        "outlook.fr",
        "hotmail.com",
        "hotmail.fr",
        "live.com",
        "live.fr",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "fastmail.com",
        "fastmail.fm",
        "zoho.com",
        "yandex.com",
        "yandex.ru",
        "ya.ru",
        "tutanota.com",
        "tuta.io",
        "hey.com",
        "mailbox.org",
        "posteo.de",
        "posteo.net",
    }
)

# RFC 5322 atext, plus any non-ASCII character (RFC 6531), without the dot.
_ASCII_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-")
_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def _invalid(reason: str) -> ValueError:
    return ValueError(_("Adresse électronique invalide : %(reason)s") % {"reason": reason})


def _check_local(local: str) -> None:
    if not local:
        raise _invalid(_("il manque la partie avant « @ »."))
    if len(local.encode()) > MAX_LOCAL_OCTETS:
        raise _invalid(_("la partie avant « @ » est trop longue."))
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise _invalid(_("un point ne peut ni commencer, ni finir, ni se répéter avant « @ »."))
    for char in local:
        if char == "." or char in _ASCII_ATEXT:
            continue
        if ord(char) < 128 or unicodedata.category(char)[0] in "CZ":
            raise _invalid(_("la partie avant « @ » contient un caractère non autorisé."))


def _ascii_domain(domain: str) -> str:
    if domain.endswith("."):
        domain = domain[:-1]
    if not domain:
        raise _invalid(_("il manque le domaine après « @ »."))
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise _invalid(_("le domaine n'est pas un nom de domaine valide.")) from exc
    ascii_domain = ascii_domain.lower()
    labels = ascii_domain.split(".")
    if len(labels) < 2:
        raise _invalid(_("le domaine doit contenir un point (par exemple exemple.fr)."))
    for label in labels:
        if len(label) > MAX_LABEL or not _LABEL_RE.match(label):
            raise _invalid(_("le domaine n'est pas un nom de domaine valide."))
    if labels[-1].isdigit():
        raise _invalid(_("le domaine n'est pas un nom de domaine valide."))
    return ascii_domain


def normalize_email(raw: str) -> str:
    """The canonical form of an email address; raises ValueError (French message) if invalid.

    Idempotent: ``normalize_email(normalize_email(x)) == normalize_email(x)``.
    """
    if not isinstance(raw, str):
        raise _invalid(_("ce n'est pas un texte."))
    text = unicodedata.normalize("NFC", raw.strip())
    text = unicodedata.normalize("NFC", text.lower())
    if not text:
        raise _invalid(_("l'adresse est vide."))
    if len(text) > MAX_LENGTH:
        raise _invalid(_("l'adresse est trop longue."))
    if text.count("@") != 1:
        raise _invalid(_("l'adresse doit contenir un seul « @ »."))
    local, domain = text.split("@")
    _check_local(local)
    domain = _ascii_domain(domain)
    if domain in GMAIL_DOMAINS:
        domain = "gmail.com"
        local = local.replace(".", "")
    if domain in PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0]
        if local.endswith("."):  # "a.+tag" → "a." would not be a valid local part
            local = local.rstrip(".")
    if not local:
        raise _invalid(_("il manque la partie avant « @ »."))
    result = f"{local}@{domain}"
    if len(result) > MAX_LENGTH:
        raise _invalid(_("l'adresse est trop longue."))
    return result


def email_domain(normalized: str) -> str:
    """The domain of an address already passed through `normalize_email()`."""
    return normalized.rpartition("@")[2]


@lru_cache(maxsize=1)
def _disposable_domains() -> frozenset[str]:
    from disposable_email_domains import blocklist

    return frozenset(d.strip().lower() for d in blocklist if d.strip())


def is_disposable(domain: str) -> bool:
    """True if `domain` (or a parent domain of it) is a known disposable-mailbox provider."""
    domain = domain.strip().lower().rstrip(".")
    if not domain:
        return False
    blocklist = _disposable_domains()
    labels = domain.split(".")
    # "x.mailinator.com" is as disposable as "mailinator.com"; stop before the bare TLD.
    return any(".".join(labels[i:]) in blocklist for i in range(len(labels) - 1))


# Large mailbox providers: thousands of unrelated people share these domains, so a domain
# rule or cluster on them would flag ordinary traffic.
WEBMAIL_DOMAINS = frozenset(
    {
        *PLUS_TAG_DOMAINS,
        "yahoo.com",
        "yahoo.fr",
        "ymail.com",
        "aol.com",
        "aol.fr",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "neuf.fr",
        "cegetel.net",
        "club-internet.fr",
        "bbox.fr",
        "numericable.fr",
        "laposte.net",
        "gmx.fr",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "libertysurf.fr",
        "aliceadsl.fr",
        "voila.fr",
        "skynet.be",
        "bluewin.ch",
        "hotmail.be",
        "outlook.be",
        "mail.ru",
        "qq.com",
        "163.com",
    }
)


def is_webmail(domain: str) -> bool:
    """True for the large public mailbox providers (ignored by the per-domain fraud rules)."""
    return domain.strip().lower().rstrip(".") in WEBMAIL_DOMAINS

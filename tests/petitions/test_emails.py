"""Email normalisation: one mailbox, one string; invalid addresses refused in French."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from terreau.petitions.emails import email_domain, is_disposable, is_webmail, normalize_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Marie.Dupont@Example.FR  ", "marie.dupont@example.fr"),
        ("marie.dupont@example.fr.", "marie.dupont@example.fr"),
        ("Jean.Pierre+petition@gmail.com", "jeanpierre@gmail.com"),
        ("j.e.a.n.p.i.e.r.r.e@googlemail.com", "jeanpierre@gmail.com"),
        ("JEANPIERRE+a+b@GoogleMail.com", "jeanpierre@gmail.com"),
        ("lea+signature@outlook.fr", "lea@outlook.fr"),
        ("lea.martin+x@protonmail.com", "lea.martin@protonmail.com"),
        # Dots matter outside Gmail; tags are kept where the provider is not known to drop them.
        ("lea.martin+x@orange.fr", "lea.martin+x@orange.fr"),
        ("contact@bücher.fr", "contact@xn--bcher-kva.fr"),
        ("contact@BÜCHER.fr", "contact@xn--bcher-kva.fr"),
        ("contact@xn--bcher-kva.fr", "contact@xn--bcher-kva.fr"),
        ("Élodie@exemple.fr", "élodie@exemple.fr"),
        # Decomposed "é" (e + combining acute) is the same mailbox as the composed one.
        ("E\u0301lodie@exemple.fr", "élodie@exemple.fr"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("marie@exemple.fr\n", "marie@exemple.fr"),
    ],
)
def test_normalize_email(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "pas-une-adresse",
        "deux@@example.fr",
        "a@b@example.fr",
        "@example.fr",
        "marie@",
        "marie@localhost",
        "marie@exemple",
        "marie@-exemple.fr",
        "marie@exemple-.fr",
        "marie@exemple..fr",
        "marie@192.168.0.1",
        "marie@[192.168.0.1]",
        ".marie@example.fr",
        "marie.@example.fr",
        "ma..rie@example.fr",
        "ma rie@example.fr",
        'ma"rie@example.fr',
        "ma\x00rie@example.fr",
        "marie@exa mple.fr",
        "<script>@example.fr",
        "+tag@gmail.com",
        "x" * 65 + "@example.fr",
        "marie@" + "a" * 64 + ".fr",
        "marie@" + ".".join(["abcdefghij"] * 30) + ".fr",
    ],
)
def test_invalid_addresses_raise_a_french_message(raw):
    with pytest.raises(ValueError, match="Adresse électronique invalide"):
        normalize_email(raw)


def test_non_text_is_refused():
    with pytest.raises(ValueError, match="Adresse électronique invalide"):
        normalize_email(None)  # type: ignore[arg-type]


def test_email_domain():
    assert email_domain(normalize_email("x.y+z@GoogleMail.com")) == "gmail.com"
    assert email_domain("a@xn--bcher-kva.fr") == "xn--bcher-kva.fr"


def test_disposable_domains_come_from_the_shipped_list():
    assert is_disposable("mailinator.com")
    assert is_disposable("MAILINATOR.COM.")
    assert is_disposable("eu.mailinator.com")  # a subdomain of a listed domain
    assert not is_disposable("gmail.com")
    assert not is_disposable("education.gouv.fr")
    assert not is_disposable("com")
    assert not is_disposable("")


def test_webmail_domains():
    assert is_webmail("gmail.com") and is_webmail("orange.fr") and is_webmail("Free.fr")
    assert not is_webmail("greenpeace.fr")


# --- Properties -----------------------------------------------------------------------

LOCAL_ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*/=?^_`{|}~-"
local_atoms = st.text(
    alphabet=st.one_of(st.sampled_from(LOCAL_ASCII), st.characters(min_codepoint=0xC0, max_codepoint=0x24F)),
    min_size=1,
    max_size=10,
)
local_parts = st.lists(local_atoms, min_size=1, max_size=3).map(".".join)
labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
domains = st.one_of(
    st.sampled_from(["gmail.com", "googlemail.com", "outlook.fr", "orange.fr", "exemple.fr", "bücher.de"]),
    st.tuples(labels, st.sampled_from(["fr", "com", "org", "eu"])).map(".".join),
)
addresses = st.tuples(local_parts, domains).map("@".join)


@given(addresses)
@example("Élodie@exemple.fr")
@example("İstanbul@exemple.fr")
def test_normalize_is_idempotent(address):
    try:
        once = normalize_email(address)
    except ValueError:
        return
    assert normalize_email(once) == once
    assert once == once.strip()
    assert unicodedata.is_normalized("NFC", once)
    assert email_domain(once).isascii()


@given(st.text(max_size=80))
def test_arbitrary_text_is_normalized_or_refused(text):
    try:
        once = normalize_email(text)
    except ValueError as exc:
        assert "Adresse électronique invalide" in str(exc)
        return
    assert normalize_email(once) == once
    assert once.count("@") == 1


@st.composite
def gmail_variants(draw):
    """A Gmail address and a spelling of it with other case, dots, a +tag and either domain."""
    base = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=2, max_size=20))
    chars = []
    for char in base:
        chars.append(char.upper() if draw(st.booleans()) else char)
        if draw(st.booleans()):
            chars.append(".")
    variant = "".join(chars).strip(".")
    assume(".." not in variant)
    tag = draw(st.one_of(st.just(""), st.text(alphabet="abcdefghij0123456789-_", min_size=0, max_size=8)))
    domain = draw(st.sampled_from(["gmail.com", "GMAIL.COM", "googlemail.com", "GoogleMail.Com"]))
    spaces = draw(st.sampled_from(["", " ", "\t"]))
    return f"{base}@gmail.com", f"{spaces}{variant}+{tag}@{domain}{spaces}" if tag else f"{variant}@{domain}"


@given(gmail_variants())
def test_gmail_variants_collapse(pair):
    canonical, variant = pair
    assert normalize_email(variant) == normalize_email(canonical) == canonical


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=20),
    st.text(alphabet="abcdefghij0123456789", max_size=8),
    st.sampled_from(["outlook.fr", "hotmail.com", "icloud.com", "proton.me", "fastmail.com"]),
)
def test_plus_tags_collapse_for_providers_that_drop_them(local, tag, domain):
    try:
        canonical = normalize_email(f"{local}@{domain}")
    except ValueError:
        return
    assert normalize_email(f"{local.upper()}+{tag}@{domain.upper()}") == canonical


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20))
def test_case_variants_collapse_everywhere(local):
    assert normalize_email(f"{local.upper()}@EXEMPLE.FR") == normalize_email(f"{local}@exemple.fr")

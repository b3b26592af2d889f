import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terreau.core.markdown import render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k" * 30 + "Z9!aq-lmR7x&sd8Fw2pQ",
        "ALLOWED_HOSTS": "terreau.example.org",
        "DATABASE_URL": "sqlite:////tmp/terreau-deploy-check.sqlite3",
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' conftest
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_health_reveals_nothing(client):
    response = client.get("/sante/")
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<svg onload=alert(1)>",
        '"><img src=x onerror=alert(1)>',
        "[clic](javascript:alert(1))",
        "<a href='javascript:alert(1)'>x</a>",
        "<iframe src=//evil.example></iframe>",
    ],
)
def test_markdown_is_sanitized(source):
    html = render_markdown(source).lower()
    assert ("<script" not in html and "onload" not in html.replace("&", "")) or "&lt;" in html
    assert "javascript:" not in html
    assert "<iframe" not in html and "<img" not in html and "<svg" not in html


def test_markdown_keeps_formatting():
    html = render_markdown("**gras** et [lien](https://example.org)")
    assert "<strong>gras</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="nofollow noopener ugc"' in html


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>\"'=/ ()[]:;&#*_abcjsvgimocnlrtpe")), max_size=80))
def test_markdown_never_emits_active_content(source):
    html = render_markdown(source).lower()
    for bad in ("<script", "<svg", "<img", "<iframe", "javascript:", " onload=", " onerror="):
        assert bad not in html


def test_markdown_under_a_heading_moves_its_headings_down():
    assert render_markdown("## Documents") == "<h2>Documents</h2>"
    html = render_markdown("## Documents\n\n### Annexes\n\n###### Fin", heading_offset=1)
    assert "<h3>Documents</h3>" in html and "<h4>Annexes</h4>" in html and "<h6>Fin</h6>" in html
    # Raw heading tags typed by a user are escaped, never shifted into live HTML.
    assert "<h3>" not in render_markdown("<h2 onclick=x>pirate</h2>", heading_offset=1)


def test_module_page_headings_sit_under_the_module_title(client, process, inst_admin):
    from terreau.pages.models import Page
    from terreau.processes.models import ProcessModule

    attached = ProcessModule.objects.create(process=process, module="page", title="Pour en savoir plus")
    Page.objects.create(attached=attached, body="## Documents\n\nLe dossier.")
    html = client.get(f"/demarches/{process.slug}/").content.decode()
    assert "Pour en savoir plus</h2>" in html and "<h3>Documents</h3>" in html


def test_markdown_cache_gives_the_same_output_and_skips_huge_texts():
    from terreau.core import markdown

    text = "## Article 1\n\nLe **texte** <script>x</script>"
    assert render_markdown(text) == render_markdown(text) == markdown._render(text, 0)
    huge = "mot " * 10_000
    before = markdown._render_cached.cache_info().currsize
    assert render_markdown(huge).startswith("<p>mot")
    assert markdown._render_cached.cache_info().currsize == before

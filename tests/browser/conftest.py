"""Playwright in Debian's Chromium (no browser download), with axe-core on every page."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import axe_playwright_python
import pytest

# Playwright's sync API runs an event loop in this thread; the Django ORM calls made by
# the test body itself are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (make test does).")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Visitor:
    """A browser tab that checks every page it lands on: accessibility and CSP.

    axe-core needs JavaScript: for a visitor with JavaScript off, the page's HTML (the
    same server-rendered markup) is checked in a separate JavaScript-enabled tab.
    """

    def __init__(self, page, base_url: str, checker=None):
        self.page = page
        self.base_url = base_url
        self.checker = checker
        self.console_errors: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        self.check()
        return response

    def check(self) -> None:
        """Run axe-core on the current page: no serious or critical violation."""
        self.page.wait_for_load_state("domcontentloaded")
        target = self.page
        if self.checker is not None:
            html = self.page.content().replace("<head>", f'<head><base href="{self.page.url}">', 1)
            self.checker.set_content(html, wait_until="load")
            target = self.checker
        # page.evaluate is not subject to the page's CSP, which stays enforced.
        target.evaluate(AXE_SOURCE)
        result = target.evaluate(
            "axe.run(document, {runOnly: {type: 'tag',"
            " values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        )
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"axe on {self.page.url}:\n" + "\n".join(serious)
        csp = [e for e in self.console_errors if "Content Security Policy" in e]
        assert not csp, csp


@pytest.fixture(autouse=True)
def _geography(transactional_db):
    """Transactional tests flush the tables the migrations filled: put the geography back."""
    from django.core.management import call_command

    from terreau.territories.models import Commune

    if not Commune.objects.exists():
        call_command("load_territories", verbosity=0)


@pytest.fixture
def visitor_factory(browser, live_server):
    contexts = []

    def make(javascript: bool = True, width: int = 1280, height: int = 900) -> Visitor:
        context = browser.new_context(
            java_script_enabled=javascript, viewport={"width": width, "height": height}, locale="fr-FR"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        checker = None
        if not javascript:
            checker_context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
            contexts.append(checker_context)
            checker = checker_context.new_page()
        return Visitor(context.new_page(), live_server.url, checker)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def visitor(visitor_factory):
    return visitor_factory()

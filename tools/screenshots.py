"""Screenshots (1280 px and 375 px) and page weights of a running Terreau.

    python tools/screenshots.py http://127.0.0.1:8000 screenshots/

Uses Debian's Chromium through Playwright. Page weight = HTML + CSS + JS transferred
(uncompressed and gzip), images excluded, as the design budget (≤ 100 KB) counts it.
"""

from __future__ import annotations

import gzip
import sys
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    "home": "/",
    "processes": "/demarches/",
    "process": "/demarches/zfe-prochaine-etape/",
    "process-answered": "/demarches/strategie-nationale-biodiversite-2030/",
    "answers": "/reponses/",
    "institutions": "/institutions/",
    "login": "/compte/login/",
    "signup": "/compte/signup/",
    "communes": "/territoires/communes/?q=saint",
    "consultation-text": "/consultations/7/",
    "consultation-article": "/consultations/7/sections/46/",
    "consultation-list": "/consultations/7/contributions/",
    "consultation-item": "/consultations/7/c/9/",
    "petitions": "/petitions/",
    "petition": "/petitions/proteger-les-haies-du-bocage/",
    "petition-comments": "/petitions/des-cantines-100-bio-et-locales-dans-les-colleges/",
    "petition-sign": "/petitions/proteger-les-haies-du-bocage/signer/",
    "petition-answered": "/petitions/eteindre-leclairage-public-entre-23-h-et-5-h/",
    "synthesis": "/syntheses/2/",
    "synthesis-report": "/syntheses/2/rapport/",
}
STAFF_PAGES = {
    "bo-dashboard": "/espace/",
    "bo-institution": "/espace/institutions/metropole-de-lyon/",
    "bo-petition-types": "/espace/institutions/metropole-de-lyon/petitions/types/",
    "bo-process": "/espace/demarches/zfe-prochaine-etape/",
    "bo-contract": "/espace/demarches/zfe-prochaine-etape/engagements/",
    "bo-phases": "/espace/demarches/zfe-prochaine-etape/etapes/",
    "bo-modules": "/espace/demarches/zfe-prochaine-etape/modules/",
    "profile": "/compte/profil/",
}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def weigh(page, url: str) -> tuple[int, int]:
    """Bytes of the page's HTML plus every stylesheet and script it links (a first visit)."""
    page.goto(url)
    page.wait_for_load_state("load")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    assets = page.eval_on_selector_all("link[rel=stylesheet], script[src]", "els => els.map(e => e.href || e.src)")
    bodies = [_fetch(url, cookie)] + [_fetch(asset, cookie) for asset in assets]
    return sum(len(b) for b in bodies), sum(len(gzip.compress(b)) for b in bodies)


def _fetch(url: str, cookie: str) -> bytes:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for width in (1280, 375):
            context = browser.new_context(
                viewport={"width": width, "height": 900}, locale="fr-FR", service_workers="block"
            )
            context.route(
                "**/*", lambda route: route.continue_(headers={**route.request.headers, "cache-control": "no-cache"})
            )
            page = context.new_page()
            for name, path in PAGES.items():
                raw, packed = weigh(page, base + path)
                page.screenshot(path=out / f"{name}-{width}.png", full_page=True)
                if width == 1280:
                    print(f"{name:<18} {raw / 1024:6.1f} KB raw  {packed / 1024:5.1f} KB gzip  {path}")
            page.goto(base + "/compte/login/")
            page.fill("#id_login", "metropole@demo.terreau.fr")
            page.fill("#id_password", "terreau-demo-2026")
            page.click("form.auth-form button[type=submit]")
            if "/2fa/" in page.url:
                page.fill("#id_code", "123456")
                page.click("form.auth-form button[type=submit]")
            for name, path in STAFF_PAGES.items():
                raw, packed = weigh(page, base + path)
                page.screenshot(path=out / f"{name}-{width}.png", full_page=True)
                if width == 1280:
                    print(f"{name:<18} {raw / 1024:6.1f} KB raw  {packed / 1024:5.1f} KB gzip  {path}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000",
        Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots"),
    )

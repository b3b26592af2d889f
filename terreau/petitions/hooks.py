"""What the petitions app plugs into the shared services (called from AppConfig.ready())."""

from __future__ import annotations


def register_all() -> None:
    pass

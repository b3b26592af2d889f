"""Settings for the petition load benchmarks: the production settings plus a bench URLconf.

The harness (bench/petitions_load.py) sets the environment (DJANGO_ENV=production,
DATABASE_URL, CACHE_URL, ...) before gunicorn imports this module.
"""

from terreau.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.petitions_urls"
# The load generator sends X-Forwarded-For like a reverse proxy would: one trusted hop.
ALLAUTH_TRUSTED_PROXY_COUNT = 1

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terreau.config.settings")
application = get_wsgi_application()

# Import every view now, then move everything loaded so far (about 200,000 objects that live
# as long as the process) out of the cyclic garbage collector's reach: its full collections
# no longer walk them (0.2 s each on this code base, every thread of the worker waiting).
get_resolver().url_patterns  # noqa: B018 - loads the URLconf
gc.collect()
gc.freeze()

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from terreau.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("sante/", core_views.health, name="health"),
    path("credits/", core_views.credits, name="credits"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("i18n/langue/", core_views.switch_language, name="switch_language"),
    # Before the includes mounted at "": signing is the busiest write (fewer patterns tried).
    path("petitions/", include("terreau.petitions.urls")),
    path("compte/oidc/", include("terreau.accounts.oidc_urls")),
    path("compte/", include("allauth.urls")),
    path("compte/", include("terreau.accounts.urls")),
    path("territoires/", include("terreau.territories.urls")),
    path("", include("terreau.synthesis.urls")),
    path("espace/", include("terreau.processes.backoffice_urls")),
    path("espace/modules/", include("terreau.pages.urls")),
    path("espace/", include("terreau.petitions.backoffice_urls")),
    path("", include("terreau.consultations.urls")),
    path("", include("terreau.processes.urls")),
    path("api/", include("terreau.api.urls")),
    path("discussions/", include("terreau.discussions.urls")),
    path("moderation/", include("terreau.moderation.urls")),
    path("audit/", include("terreau.audit.urls")),
    path("donnees/", include("terreau.opendata.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG or settings.ENVIRONMENT != "production":
    # Uploaded media are served by the reverse proxy in production.
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

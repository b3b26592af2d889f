"""Manifest of the "page" module: a block of information text in a process."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from terreau.processes.modules import ModuleManifest, PhaseSetting, registry


def render_public(request, attached) -> str:
    if not attached.current_setting("visible") and attached.process.current_phase() is not None:
        return ""
    page = getattr(attached, "page", None)
    return render_to_string("pages/public.html", {"page": page}, request=request)


def backoffice_url(attached) -> str:
    return reverse("pages:edit", args=[attached.pk])


def demo(attached, body: str) -> None:
    from terreau.pages.models import Page

    Page.objects.update_or_create(attached=attached, defaults={"body": body})


manifest = registry.register(
    ModuleManifest(
        name="page",
        verbose_name=_("Page d'information"),
        description=_("Un texte libre (contexte, documents, questions fréquentes) affiché dans la démarche."),
        phase_settings=(PhaseSetting("visible", _("Visible"), default=True),),
        render_public=render_public,
        backoffice_url=backoffice_url,
        demo=demo,
    )
)

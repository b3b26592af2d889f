from django.core.exceptions import ValidationError

from terreau.pages.models import Page
from terreau.processes.permissions import can_edit_process, require


def save_page(actor, attached, body: str) -> Page:
    require(can_edit_process(actor, attached.process))
    if attached.module != "page":
        raise ValidationError("not a page module")
    page, _created = Page.objects.get_or_create(attached=attached)
    page.body = body
    page.full_clean()
    page.save()
    return page

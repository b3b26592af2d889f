from django import template

register = template.Library()


@register.simple_tag
def module_setting(attached, phase, setting) -> bool:
    return attached.setting_for(phase, setting.name)


@register.simple_tag
def process_backoffice_links(process) -> list[tuple[str, str, str]]:
    """(name, label, url) of the tabs other apps add to a process's back-office."""
    from terreau.processes.modules import backoffice_links

    return [(link.name, str(link.label), link.url(process)) for link in backoffice_links()]


@register.simple_tag
def process_public_links(process) -> list[tuple[str, str]]:
    """(label, url) of what other apps publish about a process (e.g. its syntheses)."""
    from terreau.processes.modules import public_links

    return [(str(label), url) for label, url in public_links(process)]


@register.simple_tag
def institution_backoffice_links(user, institution) -> list[tuple[str, str]]:
    """(label, url) of the screens other apps add to an institution's back-office, for `user`."""
    from terreau.processes.modules import institution_links

    return institution_links(user, institution)

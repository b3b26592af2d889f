from django import template

register = template.Library()


@register.simple_tag
def module_setting(attached, phase, setting) -> bool:
    return attached.setting_for(phase, setting.name)

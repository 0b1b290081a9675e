from django import template

from core.i18n import lang_attribute

register = template.Library()


@register.filter
def fallback_lang(korean):
    """`<h1{{ campaign.title_ko|fallback_lang }}>`: ` lang="en"` when the Korean interface
    shows the English text because no Korean one (``korean``) was written."""
    return lang_attribute(korean)

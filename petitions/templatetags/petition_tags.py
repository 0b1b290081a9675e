"""Lets the sign form partial render on pages whose view knows nothing about petitions."""

from django import template

from petitions.forms import SignForm

register = template.Library()


@register.simple_tag
def blank_sign_form():
    """An unbound ``SignForm`` (the campaign page includes the form without building one)."""
    return SignForm()

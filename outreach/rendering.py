"""The restricted template language of outreach templates.

Admins write Django template syntax, rendered by a separate engine that has no template
loaders and no tag libraries (``{% include %}``, ``{% load %}``, ``{% extends %}`` fail), only
an allow-list of tags, and a context of plain strings and numbers built here: no model
instance reaches a template, so no attribute lookup can reach the database or a method.
"""

import re

from django.template import Context, Engine, TemplateSyntaxError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ALLOWED_TAGS = frozenset(
    {"if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith",
     "firstof", "comment", "endcomment", "spaceless", "endspaceless", "now"}
)  # fmt: skip
TAG = re.compile(r"{%-?\s*(\w+)")
# Filters that switch off escaping in the HTML body (a city named "<script>" stays text).
UNSAFE_FILTER = re.compile(r"\|\s*(safe|safeseq)\b")

# What a template may use, with a description for the admin's help text.
CONTEXT_HELP = {
    "official_name": gettext_lazy("Name of the official addressed, with honorific"),
    "official_title": gettext_lazy("Title of their office, e.g. Mayor"),
    "official_city": gettext_lazy("City (or province) of that office"),
    "korean_city": gettext_lazy("The Korean local government of the pairing"),
    "foreign_city": gettext_lazy("The partner city abroad"),
    "relationship": gettext_lazy("Sister City or Friendship City"),
    "agreement_date": gettext_lazy("Date of the agreement (YYYY-MM-DD), may be empty"),
    "campaign_title": gettext_lazy("Title of the campaign"),
    "campaign_url": gettext_lazy("Full address of the campaign page"),
    "petition_count": gettext_lazy("Confirmed signatures (a number)"),
    "petition_url": gettext_lazy("Full address of the petition"),
    "sender_name": gettext_lazy("Name of the campaign sending"),
}

_engines = {}


class TemplateRenderError(ValueError):
    """A template that cannot be compiled or rendered; ``field`` names the culprit."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def engine(autoescape):
    if autoescape not in _engines:
        _engines[autoescape] = Engine(
            dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=autoescape
        )
    return _engines[autoescape]


def check_tags(source, field):
    for name in TAG.findall(source):
        if name not in ALLOWED_TAGS:
            raise TemplateRenderError(field, _("The tag “%(tag)s” is not allowed.") % {"tag": name})
    if unsafe := UNSAFE_FILTER.search(source):
        message = _("The filter “%(filter)s” is not allowed.") % {"filter": unsafe[1]}
        raise TemplateRenderError(field, message)


def render_string(source, context, field, autoescape=False):
    check_tags(source, field)
    try:
        template = engine(autoescape).from_string(source)
        return template.render(Context(context, autoescape=autoescape))
    except TemplateSyntaxError as error:
        message = _("Template error: %(error)s") % {"error": error}
        raise TemplateRenderError(field, message) from error
    except Exception as error:  # any render failure is the template's fault
        message = _("Could not render: %(error)s") % {"error": error}
        raise TemplateRenderError(field, message) from error


def render_template_strings(subject, body_text, body_html, context):
    """(subject on one line, text body, HTML body or "") rendered with ``context``."""
    rendered_subject = " ".join(render_string(subject, context, "subject").split())
    if not rendered_subject:
        raise TemplateRenderError("subject", _("The subject renders empty."))
    text = render_string(body_text, context, "body_text")
    html = render_string(body_html, context, "body_html", autoescape=True) if body_html else ""
    return rendered_subject, text, html


def sample_context(campaign):
    """A context with the campaign's real values and a placeholder official (for clean())."""
    from .context import context_for

    return context_for(campaign, office=None)

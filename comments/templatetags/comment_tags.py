"""The discussion on campaign and centre pages, loaded by the page's template.

``{% include "comments/discussion.html" with page=campaign %}`` is all a page needs: the
partial loads its comments with ``{% get_discussion %}``, so the campaigns app's views stay
unaware of comments.
"""

from dataclasses import dataclass

from django import template
from django.utils.html import urlize
from django.utils.safestring import mark_safe

from comments.forms import CommentForm
from comments.models import Comment
from comments.pages import page_fields, post_url
from comments.views import NOTICES

register = template.Library()

# Added to every link in a comment: no search-engine credit, marked as user content.
LINK_REL = "nofollow ugc noopener"


@dataclass(frozen=True)
class Discussion:
    page: object
    threads: list
    form: CommentForm
    post_url: str
    notice: str = ""

    @property
    def count(self):
        """Published comments and replies shown (no query: the replies are prefetched)."""
        return sum(1 + len(thread.published_replies) for thread in self.threads)


@register.simple_tag(takes_context=True)
def get_discussion(context, page):
    """The published threads on ``page``, a blank form and the notice named by ``?comment=``.

    One query whatever the number of comments. None for a centre that exists only as an
    unsaved stand-in (empty database): there is nothing to attach to.
    """
    if page is None or page.pk is None:
        return None
    request = context.get("request")
    user = getattr(request, "user", None)
    notice = NOTICES.get(request.GET.get("comment", "")) if request is not None else None
    return Discussion(
        page=page,
        threads=Comment.objects.filter(**page_fields(page)).threads(),
        form=CommentForm(page=page, user=user),
        post_url=post_url(page),
        notice=notice or "",
    )


@register.filter(is_safe=True)
def comment_text(text):
    """Plain text as HTML: everything escaped, URLs linked (rel nofollow ugc), line breaks kept."""
    linked = urlize(str(text), nofollow=True, autoescape=True)
    linked = linked.replace(' rel="nofollow"', f' rel="{LINK_REL}"')
    return mark_safe(linked.replace("\r\n", "\n").replace("\n", "<br>"))

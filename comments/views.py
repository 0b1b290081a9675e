"""Supporters' side of the discussion: post a comment or a reply, report a comment.

The comment form sits on campaign and centre pages (``templatetags/comment_tags``). Without
JavaScript it posts as a normal form and is redirected back to the page, where a fixed
message (chosen by ``?comment=``, never personal, so the page may be cached) says whether the
comment is published or awaits review. With JavaScript (static/js/comments.js) it posts
with fetch and gets JSON with the HTML to show in place.
"""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.models import Campaign, Centre
from core import ratelimit
from core.clientip import client_ip
from core.iphash import hash_ip

from .forms import CommentForm, FlagForm
from .models import Comment, Commenter
from .pages import post_url
from .posting import post_comment

# ``?comment=`` values after a POST-redirect-GET and the message each shows on the page.
NOTICES = {
    "published": _("Thank you! Your comment is published."),
    "held": _("Thank you! Your comment awaits review: a moderator reads it before it appears."),
    "reported": _("Thank you for your report. A moderator will look at this comment."),
}
FIX_ERRORS = _("Please correct the marked fields.")
TOO_MANY = _("Too many comments came from you just now. Please wait a few minutes and try again.")
FLAG_RATES = ["10/60", "50/3600"]


def _wants_json(request):
    """True for the in-place submissions of comments.js (POSTs only: GETs are page-cached)."""
    if request.method != "POST":
        return False
    accept = request.headers.get("Accept", "")
    return request.headers.get("X-Requested-With") == "fetch" or "application/json" in accept


def _back_to(page, notice, anchor="discussion"):
    return redirect(f"{page.get_absolute_url()}?{urlencode({'comment': notice})}#{anchor}")


def _form_context(request, page, form, notice="", reply_to=None):
    return {
        "page": page,
        "form": form,
        "post_url": post_url(page),
        "notice": notice,
        "reply_to": reply_to,
    }


def _form_answer(request, page, form, status, notice):
    """The form again (with its errors or a notice): JSON for fetch, else a page of its own."""
    context = _form_context(request, page, form, notice, reply_to=form.cleaned_data.get("parent"))
    if _wants_json(request):
        html = render_to_string("comments/_form.html", context, request)
        return JsonResponse({"message": str(notice), "html": html}, status=status)
    return render(request, "comments/form_page.html", context, status=status)


def _posted(request, page, comment=None):
    """The one answer to an accepted post, first, duplicate or bot alike: published or held.

    Rejected comments (banned phrase, blocked commenter) get the "awaits review" answer too,
    so nobody learns how to slip past the rules.
    """
    published = comment is not None and comment.is_published
    notice = "published" if published else "held"
    if not _wants_json(request):
        return _back_to(page, notice, f"comment-{comment.pk}" if published else "discussion")
    answer = {
        "status": notice,
        "message": str(NOTICES[notice]),
        "html": render_to_string(
            "comments/_form.html",
            _form_context(
                request, page, CommentForm(page=page, user=request.user), NOTICES[notice]
            ),
            request,
        ),
    }
    if published:
        answer["comment"] = {
            "id": comment.pk,
            "parent": comment.parent_id,
            # A new thread (with its empty list of replies), or a reply to add to one.
            "html": render_to_string(
                "comments/_comment.html" if comment.parent_id else "comments/_thread.html",
                {"comment": comment},
                request,
            ),
        }
    return JsonResponse(answer)


def _post(request, page):
    form = CommentForm(request.POST, page=page, user=request.user)
    if form.is_bot():
        return _posted(request, page)
    if not form.is_valid():
        return _form_answer(request, page, form, 400 if _wants_json(request) else 200, FIX_ERRORS)
    ip_hash = hash_ip(client_ip(request))
    if not form.rate_allows(ip_hash):
        return _form_answer(request, page, form, 429, TOO_MANY)
    posted = post_comment(page, **form.comment_data(), ip_hash=ip_hash)
    return _posted(request, page, posted.comment)


def _campaign(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug)
    if not campaign.is_visible_to(request.user):
        raise Http404
    return campaign


@require_POST
@sensitive_post_parameters("email")
def post_on_campaign(request, slug):
    return _post(request, _campaign(request, slug))


@require_POST
@sensitive_post_parameters("email")
def post_on_centre(request, scope):
    return _post(request, get_object_or_404(Centre, scope=scope))


def _published_comment(request, pk):
    """A published comment on a page the user may see, with its page; else 404."""
    comment = get_object_or_404(
        Comment.objects.published().select_related("campaign", "centre"), pk=pk
    )
    if comment.campaign is not None and not comment.campaign.is_visible_to(request.user):
        raise Http404
    return comment


@never_cache
def reply(request, pk):
    """The reply form on a page of its own (the no-JavaScript way to answer a comment)."""
    comment = _published_comment(request, pk)
    replied = comment.parent or comment
    form = CommentForm(initial={"parent": replied.pk}, page=comment.page, user=request.user)
    return render(
        request,
        "comments/form_page.html",
        _form_context(request, comment.page, form, reply_to=replied),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report(request, pk):
    """Report (flag) a comment; enough distinct reports hide it until a moderator decides."""
    comment = _published_comment(request, pk)
    form = FlagForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        ip_hash = hash_ip(client_ip(request))
        if not ratelimit.hit("comment-flag", ip_hash, ratelimit.Rate.parse_list(FLAG_RATES)):
            return render(request, "429.html", status=429)
        key = f"user:{request.user.pk}" if request.user.is_authenticated else ip_hash
        comment.flag(key, form.flag_reason())
        return _back_to(comment.page, "reported")
    return render(request, "comments/report.html", {"comment": comment, "form": form})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """Confirm a commenter's address: GET shows a button (mail scanners follow links and must
    change nothing), POST makes the commenter known."""
    commenter = Commenter.from_confirmation_token(token)
    if commenter is None:
        return render(request, "comments/bad_link.html", status=404)
    if request.method == "POST":
        commenter.confirm()
    return render(request, "comments/confirm.html", {"commenter": commenter})

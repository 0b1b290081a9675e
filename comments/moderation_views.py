"""The volunteers' moderation pages at ``/moderation/``: the queues, one comment in context,
and the actions (approve, reject, edit and approve, block the commenter, bulk).

Open to users with ``comments.moderate_comment`` (the "Moderators" group of
``comments.roles``, and superusers); anonymous visitors are sent to the admin login page,
everyone else gets 403. Every action is a POST through a form, runs one of the comment's
transitions (state check, change and log entry in one transaction; they invalidate the page
cache when a published comment appears or disappears) and returns to the page it came from.
"""

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .models import Comment, InvalidTransition, ModerationQueue
from .moderation_forms import ActionForm, BlockForm, BulkForm, EditForm, RejectForm
from .roles import MODERATE_PERMISSION

PAGE_SIZE = 25


def moderator_required(view):
    """Anonymous: to the login page; logged in without the permission: 403. Never cached."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            # After logging in, come back to the page, not to a POST-only action URL.
            back = (
                request.get_full_path() if request.method == "GET" else reverse("moderation:held")
            )
            return redirect_to_login(back)
        if not request.user.has_perm(MODERATE_PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _queues():
    """The queue tabs: each queue with its URL and its number of comments."""
    counts = Comment.objects.queue_counts()
    return [
        {"queue": queue, "url": reverse(f"moderation:{queue.value}"), "count": counts[queue]}
        for queue in ModerationQueue
    ]


def _page_context(request, **context):
    return {
        "queues": _queues(),
        "reject_reasons": Comment.RejectReason.choices,
        "here": request.get_full_path(),
        **context,
    }


@moderator_required
def queue(request, queue):
    queue = ModerationQueue(queue)
    comments = Comment.objects.in_queue(queue).for_moderation()
    page = Paginator(comments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "comments/moderation/queue.html",
        _page_context(
            request,
            queue=queue,
            page=page,
            elided_pages=page.paginator.get_elided_page_range(page.number),
            bulk_form=BulkForm(),
        ),
    )


def _comment(pk, queryset=Comment.objects):
    return get_object_or_404(queryset, pk=pk)


@moderator_required
def detail(request, pk):
    comment = _comment(pk, Comment.objects.for_moderation())
    return render(
        request, "comments/moderation/detail.html", _page_context(request, comment=comment)
    )


def _report_errors(request, form):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _act(request, form, transition, done):
    """Run ``transition(cleaned_data)`` if ``form`` is valid, say how it went, go back."""
    if form.is_valid():
        try:
            transition(form.cleaned_data)
        except InvalidTransition:
            messages.error(
                request, _("Nothing changed: the comment is no longer in a state that allows it.")
            )
        else:
            messages.success(request, done)
    else:
        _report_errors(request, form)
    return redirect(form.next_url(request, default=reverse("moderation:held")))


@moderator_required
@require_POST
def approve(request, pk):
    comment = _comment(pk)
    return _act(
        request,
        ActionForm(request.POST),
        lambda data: comment.approve(request.user, reason=data["reason"]),
        _("Approved the comment by %(name)s.") % {"name": comment.author_name},
    )


@moderator_required
@require_POST
def reject(request, pk):
    comment = _comment(pk)
    return _act(
        request,
        RejectForm(request.POST),
        lambda data: comment.reject(request.user, data["reject_reason"], note=data["reason"]),
        _("Rejected the comment by %(name)s.") % {"name": comment.author_name},
    )


@moderator_required
def edit(request, pk):
    """GET: the text in a form; POST: save the edited text and publish (old text in the log)."""
    comment = _comment(pk)
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            return _act(
                request,
                form,
                lambda data: comment.edit_and_approve(
                    request.user, data["text"], reason=data["reason"]
                ),
                _("Edited and approved the comment by %(name)s.") % {"name": comment.author_name},
            )
    else:
        form = EditForm(initial={"text": comment.text, "next": request.GET.get("next", "")})
    return render(
        request,
        "comments/moderation/edit.html",
        _page_context(request, comment=comment, form=form),
    )


@moderator_required
def block(request, pk):
    """GET: what blocking this comment's author does; POST: block them (held comments rejected)."""
    comment = _comment(pk, Comment.objects.for_moderation())
    commenter = comment.commenter
    if commenter is None:  # staff replies and imported comments have no commenter to block
        raise Http404
    if request.method == "POST":
        form = BlockForm(request.POST)
        if form.is_valid():
            rejected = commenter.block(request.user, form.cleaned_data["reason"])
            messages.success(
                request,
                ngettext(
                    "Blocked %(name)s; %(count)d held comment rejected.",
                    "Blocked %(name)s; %(count)d held comments rejected.",
                    len(rejected),
                )
                % {"name": comment.author_name, "count": len(rejected)},
            )
            return redirect(form.next_url(request, default=reverse("moderation:held")))
    else:
        form = BlockForm(initial={"next": request.GET.get("next", "")})
    held = commenter.comments.filter(status=Comment.Status.HELD).count()
    return render(
        request,
        "comments/moderation/block.html",
        _page_context(request, comment=comment, commenter=commenter, held=held, form=form),
    )


@moderator_required
@require_POST
def bulk(request):
    """Approve or reject the selected comments; those already past that state are skipped."""
    form = BulkForm(request.POST)
    if not form.is_valid():
        _report_errors(request, form)
        return redirect(form.next_url(request, default=reverse("moderation:held")))
    comments, action = form.cleaned_data["comments"], form.cleaned_data["action"]
    if action == form.APPROVE:
        done = comments.approve_each(request.user)
        message = ngettext("Approved %(done)d comment.", "Approved %(done)d comments.", done)
    else:
        done = comments.reject_each(request.user, form.cleaned_data["reject_reason"])
        message = ngettext("Rejected %(done)d comment.", "Rejected %(done)d comments.", done)
    message %= {"done": done}
    skipped = len(comments) - done
    if skipped:
        message += " " + ngettext(
            "%(skipped)d was skipped: its state does not allow it.",
            "%(skipped)d were skipped: their state does not allow it.",
            skipped,
        ) % {"skipped": skipped}
    messages.success(request, message)
    return redirect(form.next_url(request, default=reverse("moderation:held")))

"""Outreach pages: the staff pages behind the admin (send, deliver the petition, preview a
template, the dashboard) and the officials' signed link to the signatures CSV.

``outreach.admin`` wraps each staff view in ``admin_site.admin_view`` (login, staff, CSRF,
no caching); each checks its own permission on top.
"""

import secrets

from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Campaign, Pairing
from petitions import exports
from petitions.models import Petition

from . import dashboard as stats
from . import sending
from .context import context_for
from .forms import RecipientsForm, RetryForm, SendOutreachForm
from .models import Outreach, OutreachTemplate
from .rendering import TemplateRenderError

SEND_PERMISSION = "outreach.add_outreach"


def _require(request, *permissions):
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def _campaign(campaign_id):
    return get_object_or_404(
        Campaign.objects.select_related(
            "pairing__korean_place__parent", "pairing__foreign_place", "petition"
        ),
        pk=campaign_id,
    )


def _context(request, title, campaign, **extra):
    return {
        **admin.site.each_context(request),
        "title": title,
        "opts": Outreach._meta,
        "campaign": campaign,
        **extra,
    }


def send_outreach(request, campaign_id):
    """Choose template, targets and schedule; confirm who gets what; queue it."""
    _require(request, SEND_PERMISSION)
    campaign = _campaign(campaign_id)
    form = SendOutreachForm(campaign, request.POST if request.method == "POST" else None)

    def plan(cleaned):
        return sending.plan_outreach(
            campaign, cleaned["template"], cleaned["targets"], cleaned["schedule"]
        )

    title = _("Send outreach: %(campaign)s") % {"campaign": campaign}
    return _send_steps(request, campaign, form, plan, title)


def deliver_petition(request, campaign_id):
    """Send the campaign's petition, its count and a signed CSV link to the targets."""
    # The mail links to every counted signature: only for staff who may read them.
    _require(request, SEND_PERMISSION, "petitions.view_signature")
    campaign = _campaign(campaign_id)
    if getattr(campaign, "petition", None) is None:
        raise Http404
    form = RecipientsForm(campaign, request.POST if request.method == "POST" else None)

    def plan(cleaned):
        return sending.plan_petition_delivery(campaign, cleaned["targets"], cleaned["schedule"])

    title = _("Deliver the petition: %(campaign)s") % {"campaign": campaign}
    return _send_steps(request, campaign, form, plan, title)


def _send_steps(request, campaign, form, make_plan, title):
    """The form, then the confirmation page, then the send (each a POST of the same form)."""
    context = _context(request, title, campaign, form=form)
    if request.method != "POST" or not form.is_valid():
        return render(request, "admin/outreach/send_form.html", context)
    cleaned = form.cleaned_data
    plan = make_plan(cleaned)
    if cleaned["confirm"] and plan.can_send:
        outreach, created = plan.send(request.user, cleaned["submission_key"])
        if created:
            messages.success(request, _sent_message(outreach, plan))
        else:
            messages.warning(request, _("This was sent already; nothing was sent again."))
        return redirect("admin:outreach_outreach_change", outreach.pk)
    context |= {
        "plan": plan,
        "submission_key": cleaned["submission_key"] or secrets.token_urlsafe(24),
    }
    return render(request, "admin/outreach/send_confirm.html", context)


def _sent_message(outreach, plan):
    text = ngettext("%(count)d email queued.", "%(count)d emails queued.", plan.recipient_count) % {
        "count": plan.recipient_count
    }
    if outreach.skipped:
        text += " " + ngettext(
            "%(count)d office skipped (listed below).",
            "%(count)d offices skipped (listed below).",
            len(outreach.skipped),
        ) % {"count": len(outreach.skipped)}
    return text


def send_for_pairing(request, pairing_id):
    """From a pairing: its campaign's send page, or a choice when it has several."""
    _require(request, SEND_PERMISSION)
    pairing = get_object_or_404(
        Pairing.objects.select_related("korean_place__parent", "foreign_place"), pk=pairing_id
    )
    campaigns = list(pairing.campaigns.order_by("-is_main", "-created_at"))
    if len(campaigns) == 1:
        return redirect("admin:outreach_outreach_send", campaigns[0].pk)
    title = _("Send outreach: %(pairing)s") % {"pairing": pairing}
    context = _context(request, title, None, pairing=pairing, campaigns=campaigns)
    return render(request, "admin/outreach/pick_campaign.html", context)


@require_GET
def preview_template(request, object_id):
    """The template rendered for each target office of its campaign, with real data."""
    _require(request, "outreach.view_outreachtemplate")
    if not str(object_id).isdigit():
        raise Http404
    template = get_object_or_404(
        OutreachTemplate.objects.select_related(
            "campaign__pairing__korean_place__parent",
            "campaign__pairing__foreign_place",
            "campaign__petition",
        ),
        pk=object_id,
    )
    campaign = template.campaign
    petition = getattr(campaign, "petition", None)
    petition_count = petition.confirmed_count() if petition else 0
    previews = []
    for office in campaign.targets.with_holders().order_by("place__country", "place__name"):
        holder = office.current_holder()
        with_context = context_for(campaign, office, holder, petition_count=petition_count)
        try:
            rendered, error = template.render(with_context), None
        except TemplateRenderError as problem:
            rendered, error = None, problem
        previews.append({"office": office, "holder": holder, "rendered": rendered, "error": error})
    title = _("Preview: %(template)s") % {"template": template}
    context = _context(request, title, campaign, template=template, previews=previews)
    context["opts"] = OutreachTemplate._meta
    return render(request, "admin/outreach/preview.html", context)


@require_GET
def campaign_dashboard(request, campaign_id):
    """Counts, a timeline and the failures of a campaign's outreach."""
    _require(request, "outreach.view_outreach")
    campaign = _campaign(campaign_id)
    context = _context(
        request,
        _("Outreach dashboard: %(campaign)s") % {"campaign": campaign},
        campaign,
        counts=stats.counts(campaign),
        timeline=stats.timeline(campaign),
        failures=stats.failures(campaign),
        outreaches=campaign.outreaches.select_related("template", "created_by")[:20],
        may_retry=request.user.has_perm(SEND_PERMISSION),
    )
    return render(request, "admin/outreach/dashboard.html", context)


@require_POST
def retry_failed(request, campaign_id):
    """Put one failed mail (or all of the campaign's) back in the queue."""
    _require(request, SEND_PERMISSION)
    campaign = _campaign(campaign_id)
    form = RetryForm(request.POST)
    if form.is_valid():
        requeued = stats.retry(campaign, form.cleaned_data["message"])
        messages.success(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", requeued)
            % {"count": requeued},
        )
    return redirect(reverse("admin:outreach_outreach_dashboard", args=[campaign.pk]))


@require_GET
def signatures_csv(request, token):
    """The counted signatures as CSV (without email addresses), for whoever holds a petition
    delivery mail's signed link (officials have no login); a forged or expired link gets 403."""
    try:
        petition_id = sending.petition_from_csv_token(token)
    except signing.BadSignature as error:
        raise PermissionDenied from error
    petition = get_object_or_404(Petition.objects.select_related("campaign"), pk=petition_id)
    response = exports.csv_response(petition, exports.DELIVERY_COLUMNS)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response

"""What one-click unsubscribe (``mailer.unsubscribe``) means for the mails this app sends.

Two kinds: a follower (of a centre or a campaign), and a petition signer's consent to
updates. The petitions app knows nothing about news mails, so its kind is registered here.
"""

from django.utils.translation import gettext as _

from mailer import unsubscribe
from petitions.models import Signature

from .models import FOLLOWER_KIND, SIGNER_KIND, Follower, stop_campaign_news


def _news_of(title):
    return _("news of “%(title)s” by email") % {"title": title}


def _follower(key):
    return Follower.objects.select_related("campaign", "centre").filter(pk=key).first()


def describe_follower(key):
    follower = _follower(key)
    return None if follower is None else _news_of(follower.target.title)


def unsubscribe_follower(key):
    if (follower := _follower(key)) is not None:
        follower.unsubscribe()


def _signature(key):
    return Signature.objects.select_related("petition__campaign").filter(pk=key).first()


def describe_signer(key):
    signature = _signature(key)
    return None if signature is None else _news_of(signature.petition.campaign.title)


def unsubscribe_signer(key):
    if (signature := _signature(key)) is not None:
        stop_campaign_news(signature.petition.campaign_id, signature.email_normalized)


def register_unsubscribe_kinds():
    unsubscribe.register(
        FOLLOWER_KIND, describe=describe_follower, unsubscribe=unsubscribe_follower
    )
    unsubscribe.register(SIGNER_KIND, describe=describe_signer, unsubscribe=unsubscribe_signer)

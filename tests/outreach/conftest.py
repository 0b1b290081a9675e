"""Fixtures of the sending side of outreach: the Bucheon-Bakersfield campaign ready to mail."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from officials.models import Contact
from outreach.models import OutreachTemplate
from tests.campaigns.builders import bucheon_bakersfield

TEXT = (
    "Dear {{ official_name }},\n\n"
    "{{ korean_city }} and {{ foreign_city }} are {{ relationship }} partners"
    " since {{ agreement_date }}.\n"
    "{{ petition_count }} people signed: {{ campaign_url }}\n\n{{ sender_name }}"
)
HTML = "<p>Dear {{ official_name }},</p><p>{{ official_title }} of {{ official_city }}</p>"


@pytest.fixture
def world(db):
    """Both mayors with one verified address each, Bakersfield in its own time zone, and an
    English template."""
    world = bucheon_bakersfield()
    Contact.objects.filter(kind=Contact.Kind.EMAIL).update(verified=True)
    place = world.bakersfield_mayor.place
    place.timezone = "America/Los_Angeles"
    place.save()
    world.template = OutreachTemplate.objects.create(
        campaign=world.campaign,
        name="First letter",
        language="en",
        subject="Sister City {{ korean_city }}: a letter to {{ official_name }}",
        body_text=TEXT,
        body_html=HTML,
    )
    return world


@pytest.fixture
def sender(campaign_admin):
    """A campaign admin (may send outreach), logged in on ``client`` by the tests."""
    return campaign_admin


def user_with(username, *codenames):
    """Staff with exactly these permissions ("app.codename")."""
    user = User.objects.create_user(username, f"{username}@example.invalid", is_staff=True)
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def send_url(campaign):
    return reverse("admin:outreach_outreach_send", args=[campaign.pk])


def form_data(world, **changes):
    """What the send form posts: the template, both target offices, now."""
    data = {
        "template": world.template.pk,
        "targets": [world.bakersfield_mayor.pk, world.bucheon_mayor.pk],
        "schedule": "now",
    }
    return {**data, **changes}


def confirm(client, url, data):
    """POST the form (the review step), then POST it again as the confirmation page does."""
    review = client.post(url, data)
    assert review.status_code == 200, review.content
    return client.post(
        url, {**data, "confirm": "on", "submission_key": review.context["submission_key"]}
    )

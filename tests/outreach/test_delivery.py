"""Petition delivery: the petition, its count and countries, and a signed, expiring link to
the signatures CSV, mailed to the campaign's targets through the outbox."""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.urls import reverse

from mailer.models import OutboxMessage
from officials.models import Contact
from outreach.models import Outreach
from outreach.sending import CSV_LINK_SALT, csv_link
from petitions.models import Signature
from tests import factories
from tests.outreach.conftest import confirm, user_with

CONFIRMED = Signature.Status.CONFIRMED
LINK = re.compile(r"https?://\S+/outreach/signatures/\S+/")


def deliver_url(campaign):
    return reverse("admin:outreach_outreach_deliver_petition", args=[campaign.pk])


@pytest.fixture
def petition(world):
    petition = factories.petition(
        world.campaign,
        title="End the dog meat trade",
        text="We ask Bucheon to close its dog farms.\n\nThank you.",
    )
    for country in ("GB", "GB", "KR"):
        factories.signature(petition, country=country, status=CONFIRMED)
    factories.signature(petition, email="pending@example.invalid", country="US")
    return petition


def deliver(client, campaign, **data):
    return confirm(
        client,
        deliver_url(campaign),
        {"targets": [o.pk for o in campaign.targets.all()], "schedule": "now", **data},
    )


@pytest.mark.django_db
class TestDelivery:
    def test_it_mails_the_petition_count_and_countries_to_each_side_in_its_language(
        self, client, sender, world, petition, django_capture_on_commit_callbacks, mailoutbox
    ):
        client.force_login(sender)

        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(client, world.campaign)

        assert response.status_code == 302
        outreach = Outreach.objects.get()
        assert (outreach.kind, outreach.template, outreach.created_by) == (
            Outreach.Kind.PETITION_DELIVERY,
            None,
            sender,
        )
        assert set(OutboxMessage.objects.values_list("category", flat=True)) == {
            "petition-delivery"
        }
        mails = {mail.to[0].rpartition("<")[2].rstrip(">"): mail for mail in mailoutbox}
        english = mails["mayor@bakersfield.example.invalid"]
        assert english.subject == "Petition “End the dog meat trade”: 3 signatures"
        assert english.body.startswith("Dear The Honorable Karen K. Goh,")
        assert "We ask Bucheon to close its dog farms." in english.body
        assert "3 people have signed this petition" in english.body
        assert "United Kingdom: 2" in english.body
        assert "South Korea: 1" in english.body
        assert "United States" not in english.body  # the pending signature
        html = english.alternatives[0].content
        assert "<td>United Kingdom</td><td>2</td>" in html
        korean = mails["mayor@bucheon.example.invalid"]
        assert korean.subject == "청원 “End the dog meat trade”: 3명 서명"
        assert korean.body.startswith("김만수님께,")
        assert "영국: 2" in korean.body
        assert LINK.search(korean.body)

    def test_it_links_to_the_confirmed_signatures_csv(
        self, client, sender, world, petition, django_capture_on_commit_callbacks, mailoutbox
    ):
        client.force_login(sender)
        with django_capture_on_commit_callbacks(execute=True):
            deliver(client, world.campaign)
        link = LINK.search(mailoutbox[0].body)[0]
        client.logout()

        response = client.get(urlsplit(link).path)

        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Cache-Control"] == "private, no-store"
        rows = b"".join(response.streaming_content).decode().splitlines()
        assert len(rows) == 1 + 3
        assert "pending@example.invalid" not in "".join(rows)

    def test_it_skips_and_records_targets_without_a_verified_address(
        self, client, sender, world, petition
    ):
        Contact.objects.filter(value="mayor@bucheon.example.invalid").update(verified=False)
        client.force_login(sender)

        deliver(client, world.campaign)

        assert [skip["office"] for skip in Outreach.objects.get().skipped] == ["Mayor of Bucheon"]
        assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == [
            "mayor@bakersfield.example.invalid"
        ]

    def test_it_is_linked_from_a_campaign_with_a_petition(self, client, sender, world, petition):
        client.force_login(sender)

        page = client.get(reverse("admin:campaigns_campaign_change", args=[world.campaign.pk]))

        assert deliver_url(world.campaign) in page.content.decode()

    def test_it_is_not_found_without_a_petition(self, client, sender, world):
        client.force_login(sender)

        assert client.get(deliver_url(world.campaign)).status_code == 404

    def test_it_needs_the_permission_to_read_signatures_too(self, client, world, petition):
        client.force_login(user_with("sender-only", "outreach.add_outreach"))

        response = client.post(
            deliver_url(world.campaign),
            {"targets": [world.bucheon_mayor.pk], "schedule": "now", "confirm": "on"},
        )

        assert response.status_code == 403
        assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
class TestSignedLink:
    def path(self, token):
        return reverse("outreach:signatures_csv", kwargs={"token": token})

    def test_it_works_without_a_login(self, client, petition):
        url, _expires = csv_link(petition)

        response = client.get(urlsplit(url).path)

        assert response.status_code == 200

    def test_it_gives_officials_no_email_addresses(self, client, petition):
        url, _expires = csv_link(petition)

        lines = b"".join(client.get(urlsplit(url).path).streaming_content).decode().splitlines()

        assert lines[0] == "confirmed at (UTC),name,country,city or postcode,comment"
        assert len(lines) == 1 + 3  # the confirmed signatures, not the pending one
        assert "@" not in "".join(lines)

    def test_it_refuses_a_tampered_link(self, client, petition):
        other = factories.petition(factories.campaign())
        token = signing.dumps(petition.pk, salt=CSV_LINK_SALT)
        # The other petition's payload with this petition's timestamp and signature.
        other_payload = signing.dumps(other.pk, salt=CSV_LINK_SALT).partition(":")[0]
        forged = other_payload + ":" + token.partition(":")[2]

        assert client.get(self.path(forged)).status_code == 403
        assert client.get(self.path(token[:-1] + "x")).status_code == 403
        assert client.get(self.path(signing.dumps(petition.pk, salt="other"))).status_code == 403

    def test_it_refuses_an_expired_link(self, client, settings, petition):
        class LongAgo(signing.TimestampSigner):
            def timestamp(self):
                return signing.b62_encode(int(time.time()) - 31 * 24 * 3600)

        old = LongAgo(salt=CSV_LINK_SALT).sign_object(petition.pk)

        assert client.get(self.path(old)).status_code == 403
        settings.OUTREACH_CSV_LINK_DAYS = 60
        assert client.get(self.path(old)).status_code == 200

import datetime
import email.policy

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Centre
from core.headers import has_line_break
from mailer.models import OutboxMessage
from petitions.models import Signature
from tests import factories
from updates import models as updates_models
from updates.models import Follower, NewsPost
from updates.targets import target_fields

from .helpers import mails_to, news_post, unsubscribe_link

CHANGELIST = "/admin/updates/newspost/"


def follower(target, email, status=Follower.Status.CONFIRMED, language="en"):
    return Follower.objects.create(
        email=email,
        status=status,
        language=language,
        confirmed_at=timezone.now() if status == Follower.Status.CONFIRMED else None,
        **target_fields(target),
    )


def signer(petition, email, consent=True, status=Signature.Status.CONFIRMED, **fields):
    return factories.signature(
        petition, email=email, consent_updates=consent, status=status, **fields
    )


def news_mails(mailoutbox):
    return [mail for mail in mailoutbox if mail.subject == "Bakersfield's mayor answered"]


@pytest.fixture
def petition(campaign):
    return factories.petition(campaign)


@pytest.fixture
def audience(campaign, petition, centre):
    """Who should and should not get a campaign post."""
    other = factories.campaign()
    return {
        "yes": [
            follower(campaign, "follower@example.invalid"),
            signer(petition, "signer@example.invalid"),
            # Follows and signed: one mail.
            follower(campaign, "both@example.invalid"),
            signer(petition, "Both@Example.invalid"),
        ],
        "no": [
            follower(campaign, "pending@example.invalid", status=Follower.Status.PENDING),
            follower(campaign, "gone@example.invalid", status=Follower.Status.UNSUBSCRIBED),
            signer(petition, "noconsent@example.invalid", consent=False),
            signer(petition, "unconfirmed@example.invalid", status=Signature.Status.PENDING),
            follower(other, "other@example.invalid"),
            follower(centre, "centre@example.invalid"),
        ],
    }


def send(post, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return post.send()


@pytest.mark.django_db
class TestPostsOnPages:
    def test_it_lists_published_posts_newest_first(self, client, campaign):
        now = timezone.now()
        news_post(campaign, title="Older news", published_at=now - datetime.timedelta(days=2))
        news_post(campaign, title="Newer news", published_at=now - datetime.timedelta(days=1))
        news_post(campaign, title="A draft", published_at=None)
        news_post(campaign, title="Tomorrow's", published_at=now + datetime.timedelta(days=1))
        html = client.get(campaign.get_absolute_url()).text
        assert 'id="updates"' in html
        assert html.index("Newer news") < html.index("Older news")
        assert "A draft" not in html and "Tomorrow's" not in html

    def test_it_escapes_what_staff_wrote(self, client, campaign):
        news_post(campaign, title="<b>Bold</b>", body="<script>alert(1)</script>\n\nSecond")
        html = client.get(campaign.get_absolute_url()).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;b&gt;Bold&lt;/b&gt;" in html
        assert "<p>Second</p>" in html

    def test_it_lists_a_centres_posts_on_its_page_only(self, client, campaign, centre):
        news_post(centre, title="Centre news")
        news_post(campaign, title="Campaign news")
        home = client.get("/").text
        assert "Centre news" in home and "Campaign news" not in home
        assert "Centre news" not in client.get(campaign.get_absolute_url()).text

    def test_it_shows_posts_in_the_readers_language(self, client, campaign):
        news_post(campaign, title="For everyone")
        news_post(campaign, title="In English", language="en")
        news_post(campaign, title="한국어 소식", language="ko")
        english = client.get(campaign.get_absolute_url()).text
        korean = client.get(campaign.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ko").text
        assert "For everyone" in english and "In English" in english
        assert "한국어 소식" not in english
        assert "For everyone" in korean and "한국어 소식" in korean
        assert "In English" not in korean
        assert 'lang="ko"' in korean

    def test_it_refreshes_the_cached_page_when_a_post_is_published(
        self, client, campaign, django_capture_on_commit_callbacks
    ):
        assert "Fresh news" not in client.get(campaign.get_absolute_url()).text
        with django_capture_on_commit_callbacks(execute=True):
            news_post(campaign, title="Fresh news")
        assert "Fresh news" in client.get(campaign.get_absolute_url()).text


@pytest.mark.django_db
class TestRecipients:
    def test_a_campaign_post_goes_to_followers_and_consenting_signers_once(
        self, campaign, audience
    ):
        emails = [recipient.email for recipient in news_post(campaign).recipients()]
        assert sorted(emails) == [
            "both@example.invalid",
            "follower@example.invalid",
            "signer@example.invalid",
        ]

    def test_someone_who_follows_and_signed_gets_the_followers_link(self, campaign, audience):
        both = {r.email: r for r in news_post(campaign).recipients()}["both@example.invalid"]
        assert both.kind == updates_models.FOLLOWER_KIND
        assert both.key == audience["yes"][2].pk

    def test_invalidated_signatures_get_nothing(self, campaign, petition, superuser):
        signer(petition, "fake@spam.example")
        factories.invalidation(petition, superuser, email_domain="spam.example")
        assert news_post(campaign).recipients() == []

    def test_a_centre_post_goes_to_the_centres_followers(self, centre, campaign, audience):
        emails = [recipient.email for recipient in news_post(centre).recipients()]
        assert emails == ["centre@example.invalid"]

    def test_a_post_in_one_language_goes_to_its_readers(self, campaign, petition):
        follower(campaign, "en@example.invalid", language="en")
        follower(campaign, "ko@example.invalid", language="ko")
        signer(petition, "signed-ko@example.invalid", language="ko")
        signer(petition, "unknown@example.invalid", language="")
        korean = news_post(campaign, language="ko").recipients()
        english = news_post(campaign, language="en").recipients()
        assert sorted(r.email for r in korean) == [
            "ko@example.invalid",
            "signed-ko@example.invalid",
        ]
        assert sorted(r.email for r in english) == ["en@example.invalid", "unknown@example.invalid"]
        assert {r.language for r in korean} == {"ko"}

    def test_a_post_for_all_is_written_in_each_readers_language(self, campaign):
        follower(campaign, "ko@example.invalid", language="ko")
        (recipient,) = news_post(campaign).recipients()
        assert recipient.language == "ko"


@pytest.mark.django_db
class TestSend:
    def test_it_mails_each_recipient_once(
        self, campaign, audience, mailoutbox, django_capture_on_commit_callbacks
    ):
        post = news_post(campaign)
        assert send(post, django_capture_on_commit_callbacks) == 3
        mails = news_mails(mailoutbox)
        assert sorted(address for mail in mails for address in mail.to) == [
            "Jane Doe <signer@example.invalid>",
            "both@example.invalid",
            "follower@example.invalid",
        ]
        for person in audience["no"]:
            assert mails_to(mails, person.email) == []
        post.refresh_from_db()
        assert post.sent_at is not None and post.sent_count == 3
        assert OutboxMessage.objects.filter(category="updates.news").count() == 3

    def test_it_puts_the_post_and_a_one_click_unsubscribe_in_each_mail(
        self, campaign, audience, mailoutbox, settings, django_capture_on_commit_callbacks
    ):
        send(news_post(campaign), django_capture_on_commit_callbacks)
        for mail in news_mails(mailoutbox):
            header = mail.extra_headers["List-Unsubscribe"]
            assert header.startswith(f"<{settings.SITE_URL}/unsubscribe/")
            assert header.endswith("/>")
            assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert unsubscribe_link(mail.body) == unsubscribe_link(header)
            assert unsubscribe_link(mail.alternatives[0].content) == unsubscribe_link(header)
            assert "The mayor wrote back." in mail.body
            assert campaign.get_absolute_url() + "#updates" in mail.body

    def test_its_headers_carry_no_line_breaks(
        self, campaign, audience, mailoutbox, django_capture_on_commit_callbacks
    ):
        send(news_post(campaign), django_capture_on_commit_callbacks)
        for mail in news_mails(mailoutbox):
            for value in (mail.subject, *mail.extra_headers.values()):
                assert not has_line_break(value)
            # As SMTP sends it: one plain line each (no folding, no encoded words).
            raw = mail.message(policy=email.policy.SMTP).as_bytes()
            for name in ("List-Unsubscribe", "List-Unsubscribe-Post"):
                assert f"\r\n{name}: {mail.extra_headers[name]}\r\n".encode() in raw

    def test_each_recipient_gets_the_link_of_their_own_subscription(
        self, campaign, audience, mailoutbox, django_capture_on_commit_callbacks
    ):
        send(news_post(campaign), django_capture_on_commit_callbacks)
        links = {
            mail.to[0]: unsubscribe_link(mail.extra_headers["List-Unsubscribe"])
            for mail in news_mails(mailoutbox)
        }
        assert len(set(links.values())) == 3

    def test_it_sends_a_post_only_once(
        self, campaign, audience, mailoutbox, django_capture_on_commit_callbacks
    ):
        post = news_post(campaign)
        assert send(post, django_capture_on_commit_callbacks) == 3
        assert send(post, django_capture_on_commit_callbacks) is None
        again = NewsPost.objects.get(pk=post.pk)  # a second click, from a stale page
        assert send(again, django_capture_on_commit_callbacks) is None
        assert len(news_mails(mailoutbox)) == 3

    def test_it_does_not_send_a_draft_or_a_post_not_yet_published(
        self, campaign, audience, mailoutbox, django_capture_on_commit_callbacks
    ):
        draft = news_post(campaign, published_at=None)
        later = news_post(campaign, published_at=timezone.now() + datetime.timedelta(hours=1))
        assert send(draft, django_capture_on_commit_callbacks) is None
        assert send(later, django_capture_on_commit_callbacks) is None
        assert news_mails(mailoutbox) == []
        assert not NewsPost.objects.filter(sent_at__isnull=False).exists()

    def test_it_writes_rows_in_batches_and_kicks_once(
        self, campaign, audience, monkeypatch, django_capture_on_commit_callbacks
    ):
        monkeypatch.setattr(updates_models, "SEND_BATCH_SIZE", 2)
        post = news_post(campaign)
        with (
            django_capture_on_commit_callbacks() as callbacks,
            CaptureQueriesContext(connection) as queries,
        ):
            post.send()
        inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
        assert len(inserts) == 2  # 3 rows, 2 per INSERT
        assert len(callbacks) == 1  # one kick for the whole send
        assert OutboxMessage.objects.filter(category="updates.news").count() == 3

    def test_it_writes_nothing_when_the_transaction_rolls_back(
        self, campaign, audience, mailoutbox, django_capture_on_commit_callbacks
    ):
        post = news_post(campaign)
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            post.send()
            raise RuntimeError
        assert not OutboxMessage.objects.filter(category="updates.news").exists()
        assert NewsPost.objects.get().sent_at is None

    def test_it_writes_the_mail_in_the_recipients_language(
        self, campaign, mailoutbox, django_capture_on_commit_callbacks
    ):
        follower(campaign, "ko@example.invalid", language="ko")
        send(news_post(campaign), django_capture_on_commit_callbacks)
        assert OutboxMessage.objects.get(category="updates.news").language == "ko"

    def test_a_centre_post_reaches_the_centres_followers(
        self, centre, audience, mailoutbox, django_capture_on_commit_callbacks
    ):
        send(news_post(centre), django_capture_on_commit_callbacks)
        assert [mail.to for mail in news_mails(mailoutbox)] == [["centre@example.invalid"]]
        assert centre.title in news_mails(mailoutbox)[0].body


@pytest.mark.django_db
class TestValidation:
    def test_it_needs_exactly_one_campaign_or_centre(self, campaign, centre):
        for fields in ({}, {"campaign": campaign, "centre": centre}):
            with pytest.raises(ValidationError):
                NewsPost(title="T", body="B", **fields).full_clean()

    def test_it_refuses_line_breaks_in_the_title(self, campaign):
        with pytest.raises(ValidationError) as error:
            NewsPost(campaign=campaign, title="Hi\r\nBcc: x@evil.test", body="B").full_clean()
        assert "title" in error.value.message_dict

    def test_it_limits_the_body(self, campaign):
        body = "x" * (updates_models.BODY_MAX_LENGTH + 1)
        with pytest.raises(ValidationError) as error:
            NewsPost(campaign=campaign, title="T", body=body).full_clean()
        assert "body" in error.value.message_dict


@pytest.mark.django_db
class TestAdmin:
    def action(self, client, post, confirmed=False):
        data = {"action": "send_to_followers", "_selected_action": [post.pk]}
        if confirmed:
            data["post"] = "yes"
        return client.post(CHANGELIST, data, follow=confirmed)

    def test_campaign_admins_write_posts(self, client, campaign_admin, campaign):
        client.force_login(campaign_admin)
        response = client.post(
            CHANGELIST + "add/",
            {
                "campaign": campaign.pk,
                "title": "We delivered the petition",
                "body": "Thank you",
                "language": "all",
                "published_at_0": "2026-01-02",
                "published_at_1": "10:00:00",
            },
        )
        assert response.status_code == 302, response.context["adminform"].errors
        assert NewsPost.objects.get().campaign == campaign

    def test_the_form_wants_a_campaign_or_a_centre(self, client, campaign_admin, campaign):
        client.force_login(campaign_admin)
        response = client.post(
            CHANGELIST + "add/",
            {
                "campaign": campaign.pk,
                "centre": Centre.objects.create(scope="us", title="US").pk,
                "title": "T",
                "body": "B",
                "language": "all",
            },
        )
        assert response.status_code == 200
        assert "Choose either a campaign or a campaign centre." in response.text
        assert not NewsPost.objects.exists()

    def test_followers_are_read_only_for_campaign_admins(self, client, campaign_admin, campaign):
        client.force_login(campaign_admin)
        one = follower(campaign, "fan@example.invalid")
        assert client.get("/admin/updates/follower/").status_code == 200
        assert client.get(f"/admin/updates/follower/{one.pk}/delete/").status_code == 403

    def test_the_action_asks_first_and_shows_the_recipient_count(
        self, client, campaign_admin, campaign, audience, mailoutbox
    ):
        client.force_login(campaign_admin)
        post = news_post(campaign)
        response = self.action(client, post)
        assert response.status_code == 200
        assert '<span class="recipient-count">3</span>' in response.text
        assert 'name="post" value="yes"' in response.text
        assert NewsPost.objects.get().sent_at is None
        assert not OutboxMessage.objects.filter(category="updates.news").exists()

    def test_the_action_sends_once_confirmed_and_logs_it(
        self,
        client,
        campaign_admin,
        campaign,
        audience,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        client.force_login(campaign_admin)
        post = news_post(campaign)
        with django_capture_on_commit_callbacks(execute=True):
            response = self.action(client, post, confirmed=True)
        assert "is on its way to 3 recipients" in response.text
        assert len(news_mails(mailoutbox)) == 3
        entry = LogEntry.objects.get(object_id=str(post.pk))
        assert entry.user == campaign_admin and "3 recipients" in entry.change_message

    def test_a_second_send_says_it_was_already_sent(
        self,
        client,
        campaign_admin,
        campaign,
        audience,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        client.force_login(campaign_admin)
        post = news_post(campaign)
        with django_capture_on_commit_callbacks(execute=True):
            self.action(client, post, confirmed=True)
            response = self.action(client, post, confirmed=True)
        assert "was already sent" in response.text
        assert "Already sent" in self.action(client, post).text
        assert len(news_mails(mailoutbox)) == 3

    def test_it_refuses_to_send_a_draft(self, client, campaign_admin, campaign, audience):
        client.force_login(campaign_admin)
        post = news_post(campaign, published_at=None)
        response = self.action(client, post, confirmed=True)
        assert "is not published yet" in response.text
        assert NewsPost.objects.get().sent_at is None

    def test_staff_without_the_role_cannot_send(self, client, staff_user, campaign, audience):
        client.force_login(staff_user)
        post = news_post(campaign)
        assert self.action(client, post, confirmed=True).status_code == 403
        assert NewsPost.objects.get().sent_at is None

    def test_the_list_needs_the_same_queries_for_few_and_many_posts(
        self, client, campaign_admin, campaign, centre
    ):
        client.force_login(campaign_admin)
        news_post(campaign)
        with CaptureQueriesContext(connection) as few:
            client.get(CHANGELIST)
        for number in range(6):
            news_post(factories.campaign() if number % 2 else centre)
        with CaptureQueriesContext(connection) as many:
            client.get(CHANGELIST)
        assert len(many) == len(few)

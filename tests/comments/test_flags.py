"""Readers report comments; enough distinct reports hide one until a moderator decides."""

import pytest

from comments.models import Comment, Flag, ModerationAction, ModerationSettings

from .moderation_builders import comment as a_comment


@pytest.fixture
def published(campaign):
    return a_comment(campaign, Comment.Status.PUBLISHED, text="A comment readers dislike")


def report(client, comment, ip, reason="abuse", details=""):
    return client.post(
        f"/comments/{comment.pk}/report/",
        {"reason": reason, "details": details},
        REMOTE_ADDR=ip,
    )


@pytest.mark.django_db
class TestReportPage:
    def test_it_shows_the_comment_and_the_reasons(self, client, published):
        html = client.get(f"/comments/{published.pk}/report/").content.decode()
        assert "A comment readers dislike" in html
        for reason in ("abuse", "threat", "hate", "spam", "off-topic"):
            assert f'value="{reason}"' in html

    def test_it_records_a_report_and_thanks(self, client, published, campaign):
        response = report(client, published, "198.51.100.1", "threat", "Says he will hurt them")
        assert response["Location"] == (f"/campaigns/{campaign.slug}/?comment=reported#discussion")
        assert Flag.objects.get().reason == "threat: Says he will hurt them"
        assert "Thank you for your report" in client.get(response["Location"]).content.decode()

    def test_it_needs_a_known_reason(self, client, published):
        response = report(client, published, "198.51.100.1", "boring")
        assert response.status_code == 200
        assert not Flag.objects.exists()

    @pytest.mark.parametrize(
        "status", [Comment.Status.HELD, Comment.Status.HIDDEN, Comment.Status.REJECTED]
    )
    def test_only_published_comments_can_be_reported(self, client, campaign, status):
        comment = a_comment(campaign, status)
        assert client.get(f"/comments/{comment.pk}/report/").status_code == 404
        assert report(client, comment, "198.51.100.1").status_code == 404

    def test_it_escapes_the_comment(self, client, campaign):
        comment = a_comment(campaign, Comment.Status.PUBLISHED, text="<script>alert(1)</script>")
        html = client.get(f"/comments/{comment.pk}/report/").content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_it_limits_reports_per_ip(self, client, campaign):
        comments = [a_comment(campaign, Comment.Status.PUBLISHED) for _ in range(11)]
        answers = [report(client, comment, "198.51.100.1").status_code for comment in comments]
        assert answers[-1] == 429
        assert Flag.objects.count() == 10


@pytest.mark.django_db
class TestAutoHide:
    def test_it_hides_after_the_configured_number_of_distinct_flaggers(
        self, client, published, campaign, django_capture_on_commit_callbacks
    ):
        assert ModerationSettings.current().flags_to_hide == 3
        client.get(f"/campaigns/{campaign.slug}/")  # cached while published
        with django_capture_on_commit_callbacks(execute=True):
            for ip in ("198.51.100.1", "198.51.100.2"):
                report(client, published, ip)
            published.refresh_from_db()
            assert published.status == Comment.Status.PUBLISHED
            report(client, published, "198.51.100.3")
        published.refresh_from_db()
        assert published.status == Comment.Status.HIDDEN
        action = published.actions.get()
        assert (action.action, action.moderator) == (ModerationAction.Action.AUTO_HIDE, None)
        page = client.get(f"/campaigns/{campaign.slug}/").content.decode()
        assert "A comment readers dislike" not in page

    def test_the_same_flagger_counts_once(self, client, published):
        for _ in range(3):
            report(client, published, "198.51.100.1")
        published.refresh_from_db()
        assert Flag.objects.count() == 1
        assert published.status == Comment.Status.PUBLISHED

    def test_the_threshold_is_editable(self, published):
        ModerationSettings.objects.update(flags_to_hide=1)
        assert published.flag("ip-hash-1", "spam") is True
        published.refresh_from_db()
        assert published.status == Comment.Status.HIDDEN

    def test_a_second_flag_from_one_key_is_not_new(self, published):
        assert published.flag("ip-hash-1", "spam") is True
        assert published.flag("ip-hash-1", "abuse") is False

    def test_flags_on_a_held_comment_do_not_change_it(self, campaign):
        held = a_comment(campaign, Comment.Status.HELD)
        ModerationSettings.objects.update(flags_to_hide=1)
        held.flag("ip-hash-1", "spam")
        held.refresh_from_db()
        assert held.status == Comment.Status.HELD
        assert not held.actions.exists()

    def test_a_logged_in_reader_flags_as_themselves(self, client, published, supporter):
        client.force_login(supporter)
        report(client, published, "198.51.100.1")
        report(client, published, "198.51.100.2")
        assert list(Flag.objects.values_list("flagger_key", flat=True)) == [f"user:{supporter.pk}"]

    def test_approving_a_hidden_comment_publishes_it_again(self, published, moderator):
        published.hide_after_flags()
        published.approve(moderator, "Reports were unfounded")
        published.refresh_from_db()
        assert published.status == Comment.Status.PUBLISHED

"""The seed pages' comments, loaded by manage.py load_demo through the rules."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client

from campaigns.models import Centre
from comments import demo
from comments.models import Comment, Commenter

Status = Comment.Status

SAMPLE = """\
Some page text with a date-like line: Sister City November 2,16 is not a comment.
  1. Robyne Zuendel
    Robyne ZuendelDecember 6,16

    Key word illegal

    • Alder
      AlderDecember 8,16

      Stop this cruelty right now

  2. Albert
    AlbertDecember 9,16


    JAMES A. KRUMMMarch 16,16

    First line
    second line

Leave a Reply
    NotAComment NameMarch 1,17
"""


class TestParse:
    def test_it_reads_names_dates_replies_and_text(self):
        comments = demo.parse(SAMPLE)
        assert [(c.name, c.date, c.is_reply, c.text) for c in comments] == [
            ("Robyne Zuendel", datetime.date(2016, 12, 6), False, "Key word illegal"),
            ("Alder", datetime.date(2016, 12, 8), True, "Stop this cruelty right now"),
            ("Albert", datetime.date(2016, 12, 9), False, ""),
            ("JAMES A. KRUMM", datetime.date(2016, 3, 16), False, "First line\nsecond line"),
        ]

    def test_it_reads_two_digit_years(self):
        assert demo.parse_date("March", "7", "16") == datetime.date(2016, 3, 7)

    def test_the_seed_files_have_the_expected_threads(self):
        parsed = {
            path.name[:3]: demo.parse(path.read_text(encoding="utf-8"))
            for path in demo.SEED_DIR.glob("*.txt")
        }
        assert [len(parsed[key]) for key in ("000", "001", "002")] == [23, 8, 36]
        replies = [(c.name, c.text) for c in parsed["002"] if c.is_reply]
        assert ("fran gilbey", "to right my friend") in replies


def load_demo():
    out = io.StringIO()
    call_command("load_demo", "--no-staff", stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(db):
    return load_demo()


@pytest.mark.django_db
class TestLoadDemo:
    def test_it_reports_and_stores_the_comments_by_status(self, loaded):
        assert "Comments: 55 published, 4 held, 2 rejected (new)" in loaded
        counts = {status: Comment.objects.filter(status=status).count() for status in Status}
        assert counts == {"published": 55, "held": 4, "rejected": 2, "hidden": 0}

    def test_it_puts_each_seed_on_its_page(self, loaded):
        pages = {
            "bucheon-bakersfield": Comment.objects.filter(campaign__slug="bucheon-bakersfield"),
            "bucheon-mayor-visit-2016": Comment.objects.filter(
                campaign__slug="bucheon-mayor-visit-2016"
            ),
            "non-us": Comment.objects.filter(centre__scope=Centre.Scope.NON_US),
        }
        assert {key: qs.count() for key, qs in pages.items()} == {
            "bucheon-bakersfield": 23,
            "bucheon-mayor-visit-2016": 5,
            "non-us": 33,
        }

    def test_blank_seed_comments_are_skipped(self, loaded):
        assert not Comment.objects.filter(author_name__in=["Albert", "brandao jacqueline"])
        assert not Comment.objects.filter(text="")

    def test_the_two_threats_are_rejected(self, loaded):
        for start in ("i think if i were`them", "The scum that do this"):
            comment = Comment.objects.get(text__startswith=start)
            assert comment.status == Status.REJECTED
            assert comment.reject_reason == Comment.RejectReason.THREAT

    def test_the_reply_agreeing_with_a_threat_is_held_with_it(self, loaded):
        reply = Comment.objects.get(text="to right my friend")
        assert reply.status == Status.HELD
        assert reply.parent.author_name == "mark Jackson"

    def test_generalisations_about_a_people_are_held(self, loaded):
        for author in ("Cathy", "Denise Leblanc"):
            assert Comment.objects.get(author_name=author).status == Status.HELD

    def test_dates_and_threads_come_from_the_seed(self, loaded):
        alder = Comment.objects.get(author_name="Alder")
        assert alder.created_at.date() == datetime.date(2016, 12, 8)
        assert alder.parent.author_name == "Robyne Zuendel"

    def test_emmas_thank_you_is_a_staff_reply_with_the_badge(self, loaded):
        reply = Comment.objects.get(text="Thank you so much, Emma!!!")
        assert reply.status == Status.PUBLISHED
        assert reply.parent.author_name == "Emma Owens"
        assert reply.staff_author.username == demo.STAFF_USERNAME
        assert not reply.staff_author.has_usable_password()
        html = Client().get("/campaigns/bucheon-bakersfield/").content.decode()
        assert 'admin</span> <span class="badge">campaign team</span>' in html
        assert "Thank you so much, Emma!!!" in html

    def test_the_threats_are_not_on_the_centre_page(self, loaded):
        html = Client().get("/").content.decode()
        assert "Key word illegal" in html
        assert "i hope you die" not in html
        assert "same treatment done to them" not in html
        assert "to right my friend" not in html

    def test_seed_commenters_are_known_and_have_fake_addresses(self, loaded):
        commenters = Commenter.objects.all()
        assert commenters.filter(confirmed_at__isnull=True).count() == 0
        assert all(c.email.endswith("@example.invalid") for c in commenters)
        assert Commenter.objects.get(name="katya masini").comments.count() == 1

    def test_no_seed_email_reaches_a_page(self, loaded):
        html = Client().get("/").content.decode()
        html += Client().get("/campaigns/bucheon-bakersfield/").content.decode()
        for email in Commenter.objects.values_list("email", flat=True):
            assert email not in html

    def test_running_it_again_duplicates_nothing(self, loaded):
        before = Comment.objects.count(), Commenter.objects.count()
        again = load_demo()
        assert "Comments: 0 published, 0 held, 0 rejected (new)" in again
        assert (Comment.objects.count(), Commenter.objects.count()) == before

    def test_it_leaves_a_moderators_decision_alone(self, loaded, moderator):
        reply = Comment.objects.get(text="to right my friend")
        reply.reject(moderator, Comment.RejectReason.ABUSE)
        load_demo()
        reply.refresh_from_db()
        assert reply.status == Status.REJECTED

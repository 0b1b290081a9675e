"""Every public form, fed arbitrary input (hypothesis): it answers, it never breaks.

Arbitrary Unicode, text far over every length limit, NUL bytes, CR/LF header injections,
markup and spreadsheet formulas, missing fields: the answer is a page, a redirect or a
refusal (200/302/400/403/429), never a 500, and markup is never echoed unescaped.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments.models import Comment
from tests import factories
from tests.campaigns import builders
from tests.comments import moderation_builders

ANSWERS = {200, 302, 400, 403, 429}
SCRIPT = "<script>alert(1)</script>"
NASTY = [
    "",
    " ",
    "\x00",
    "Jane\x00Doe",
    "Jane\r\nBcc: victim@example.invalid",
    "jane@example.invalid\r\nBcc: victim@example.invalid",
    "jane@example.invalid",
    "\uff4a\uff41\uff4e\uff45@example.invalid",  # full-width "jane"
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example")',
    "'; DROP TABLE petitions_signature; --",
    "\u202egnp.exe",
    "😀" * 300,
    "x" * 100_000,
    "GB",
    "KR",
    "on",
    "1",
    "-1",
    "99999999999999999999999",
    "spam",
]
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(min_size=300, max_size=2000),
    st.builds("{}\r\n{}".format, st.text(max_size=20), st.text(max_size=20)),
)
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}

SIGNER = {"name": "Jane Doe", "email": "jane@example.invalid", "country": "GB"}
COMMENT = {"name": "Jane Doe", "email": "jane@example.invalid", "text": "Well done, thanks!"}
# name -> (path, a valid submission, the form's other fields); paths are filled from the
# sample objects. Half the examples start from the valid submission and spoil one field, so
# the fuzzing also reaches the code behind a passing validation.
POST_FORMS = {
    "sign the petition": (
        "/campaigns/{slug}/sign/",
        SIGNER,
        ["city", "comment", "consent_updates", "show_publicly"],
    ),
    "comment on a campaign": ("/comments/campaigns/{slug}/", COMMENT, ["parent"]),
    "comment on a centre": ("/comments/centres/non-us/", COMMENT, ["parent"]),
    "report a comment": ("/comments/{comment}/report/", {"reason": "spam"}, ["details"]),
    "write a letter": ("/campaigns/{slug}/letter/", {"name": "Jane Doe"}, ["address", "target"]),
    "follow a campaign": ("/campaigns/{slug}/follow/", {"email": "jane@example.invalid"}, []),
}
GET_FORMS = {
    "filter the status table": ("/", {"q": "Bucheon"}, ["country", "status", "page"]),
    "find an embassy": ("/campaigns/{slug}/embassy/", {"country": "US"}, []),
}
# Every form has the honeypot (``website``) except the flag and letter forms; sending it to
# those is one more unknown field.
HONEYPOT = "website"


def form_data(valid, others):
    """Any subset of the fields with any values, or the valid data with one field spoiled."""
    fields = [*valid, *others, HONEYPOT]
    anything = st.fixed_dictionaries({}, optional=dict.fromkeys(fields, VALUES))
    spoiled = st.builds(
        lambda field, value: {**valid, field: value}, st.sampled_from(fields), VALUES
    )
    return st.one_of(anything, spoiled)


@pytest.fixture
def pages(db, settings):
    settings.PETITION_SIGN_RATES_PER_IP = settings.PETITION_SIGN_RATES_PER_PETITION = ["10000/60"]
    settings.COMMENT_RATES_PER_IP = settings.COMMENT_RATES_PER_EMAIL = ["10000/60"]
    campaign = builders.bucheon_bakersfield().campaign
    factories.petition(campaign)
    factories.centre()
    comment = moderation_builders.comment(campaign, status=Comment.Status.PUBLISHED)
    return {"slug": campaign.slug, "comment": comment.pk}


def check(response):
    assert response.status_code in ANSWERS
    if response.get("Content-Type", "").startswith("text/html"):
        assert SCRIPT not in response.content.decode()


FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,  # leave no .hypothesis/ in the checkout; failures print their example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
class TestPublicFormsNeverBreak:
    @pytest.mark.parametrize("form", POST_FORMS)
    @FUZZ
    @given(data=st.data())
    def test_a_post_gets_an_answer(self, client, pages, form, data):
        path, valid, others = POST_FORMS[form]
        values = data.draw(form_data(valid, others))
        extra = FETCH if data.draw(st.booleans()) else {}
        check(client.post(path.format(**pages), values, **extra))

    @pytest.mark.parametrize("form", GET_FORMS)
    @FUZZ
    @given(data=st.data())
    def test_a_query_gets_an_answer(self, client, pages, form, data):
        path, valid, others = GET_FORMS[form]
        check(client.get(path.format(**pages), data.draw(form_data(valid, others))))

"""Outreach templates: the restricted language, the admin refusing broken ones on the right
field, and the preview with real data for both sides."""

import pytest
from django.urls import reverse

from officials.models import Place
from outreach.context import context_for
from outreach.models import OutreachTemplate
from outreach.rendering import TemplateRenderError
from tests.outreach.conftest import HTML, TEXT, user_with

ADD_URL = "admin:outreach_outreachtemplate_add"


def template_data(world, **changes):
    data = {
        "campaign": world.campaign.pk,
        "name": "Follow-up",
        "language": "ko",
        "subject": "{{ korean_city }}",
        "body_text": TEXT,
        "body_html": HTML,
    }
    return {**data, **changes}


@pytest.mark.django_db
class TestSaving:
    def test_it_saves_a_template_that_renders(self, client, sender, world):
        client.force_login(sender)

        response = client.post(reverse(ADD_URL), template_data(world))

        assert response.status_code == 302
        saved = OutreachTemplate.objects.get(name="Follow-up")
        assert (saved.campaign, saved.language) == (world.campaign, "ko")

    @pytest.mark.parametrize(
        ("field", "source", "message"),
        [
            ("body_text", "Dear {% if official_name %}", "Template error"),
            ("body_text", "{% load static %}{% static 'x' %}", "“load” is not allowed"),
            ("body_text", "{% include 'admin/base.html' %}", "“include” is not allowed"),
            ("body_html", "{% debug %}", "“debug” is not allowed"),
            ("body_html", "{% extends 'admin/base.html' %}", "“extends” is not allowed"),
            ("subject", "{% frobnicate %}", "“frobnicate” is not allowed"),
            ("body_html", "<p>{{ foreign_city|safe }}</p>", "“safe” is not allowed"),
            ("subject", "{{ no_such_variable }}", "The subject renders empty"),
        ],
    )
    def test_it_refuses_a_broken_template_on_the_field_at_fault(
        self, client, sender, world, field, source, message
    ):
        client.force_login(sender)

        response = client.post(reverse(ADD_URL), template_data(world, **{field: source}))

        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert list(errors) == [field]
        assert message in errors[field][0]
        assert message in response.content.decode()
        assert not OutreachTemplate.objects.filter(name="Follow-up").exists()

    def test_it_lists_the_context_variables_in_the_help_text(self, client, sender, world):
        client.force_login(sender)

        page = client.get(reverse(ADD_URL)).content.decode()

        for variable in ("official_name", "korean_city", "petition_url", "sender_name"):
            assert f"<code>{{{{ {variable} }}}}</code>" in page


@pytest.mark.django_db
class TestRendering:
    def test_it_escapes_values_in_the_html_body_only(self, world):
        Place.objects.filter(pk=world.pairing.foreign_place.pk).update(
            name="<script>alert(1)</script> & Co"
        )
        world.campaign.pairing.foreign_place.refresh_from_db()
        template = OutreachTemplate(
            campaign=world.campaign,
            language="en",
            subject="{{ foreign_city }}",
            body_text="{{ foreign_city }}",
            body_html="<p>{{ foreign_city }}</p>",
        )

        subject, text, html = template.render(context_for(world.campaign))

        assert subject == text == "<script>alert(1)</script> & Co"
        assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</p>"

    def test_it_folds_a_multi_line_subject_into_one_line(self, world):
        template = OutreachTemplate(
            campaign=world.campaign,
            language="en",
            subject="Hello\r\nBcc: victim@example.com\n{{ korean_city }}",
            body_text="x",
        )

        subject, _text, _html = template.render(context_for(world.campaign))

        assert subject == "Hello Bcc: victim@example.com Gyeonggi-do › Bucheon"

    def test_it_reaches_no_model_or_private_attribute(self, world):
        template = OutreachTemplate(
            campaign=world.campaign, language="en", subject="{{ campaign.pairing }}-", body_text="x"
        )

        assert template.render(context_for(world.campaign))[0] == "-"
        template.body_text = "{{ korean_city.__class__ }}"
        with pytest.raises(TemplateRenderError, match="may not begin with underscores"):
            template.render(context_for(world.campaign))

    def test_it_raises_with_the_field_at_fault(self, world):
        template = OutreachTemplate(
            campaign=world.campaign, language="en", subject="ok", body_text="{% for %}"
        )

        with pytest.raises(TemplateRenderError) as raised:
            template.render(context_for(world.campaign))

        assert raised.value.field == "body_text"


@pytest.mark.django_db
class TestPreview:
    def url(self, template):
        return reverse("admin:outreach_outreachtemplate_preview", args=[template.pk])

    def test_it_renders_for_each_target_office_with_its_current_holder(self, client, sender, world):
        client.force_login(sender)

        response = client.get(self.url(world.template))

        assert response.status_code == 200
        page = response.content.decode()
        # Both sides; Bakersfield's mayor since 2017, not her predecessor.
        assert "Sister City Gyeonggi-do › Bucheon: a letter to The Honorable Karen K. Goh" in page
        assert "Sister City Gyeonggi-do › Bucheon: a letter to Man-Soo Kim" in page
        assert "Harvey L. Hall" not in page
        assert "Dear The Honorable Karen K. Goh," in page

    def test_it_shows_the_html_in_a_sandboxed_frame_and_escaped(self, client, sender, world):
        Place.objects.filter(pk=world.pairing.foreign_place.pk).update(name="<b>Bakersfield</b>")
        client.force_login(sender)

        response = client.get(self.url(world.template))

        page = response.content.decode()
        # The mail's own markup is escaped once into the srcdoc attribute, the city's twice.
        assert 'sandbox srcdoc="&lt;p&gt;Dear The Honorable Karen K. Goh,' in page
        assert "&amp;lt;b&amp;gt;Bakersfield&amp;lt;/b&amp;gt;" in page
        assert "<b>Bakersfield</b>" not in page
        assert "script-src" in response.headers["Content-Security-Policy"]

    def test_it_shows_a_render_error_per_office(self, client, sender, world):
        # Saved before a rule got stricter: the preview says what is wrong instead of failing.
        OutreachTemplate.objects.filter(pk=world.template.pk).update(body_text="{% load x %}")
        client.force_login(sender)

        response = client.get(self.url(world.template))

        assert response.status_code == 200
        assert response.content.decode().count("“load” is not allowed") == 2

    def test_it_is_linked_from_the_template_page(self, client, sender, world):
        client.force_login(sender)

        page = client.get(
            reverse("admin:outreach_outreachtemplate_change", args=[world.template.pk])
        )

        assert self.url(world.template) in page.content.decode()

    def test_it_refuses_staff_without_permission(self, client, world):
        client.force_login(user_with("outsider"))

        assert client.get(self.url(world.template)).status_code == 403

"""Campaign media: uploaded images (checked, resized, EXIF stripped) and click-to-load videos."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from campaigns import media
from campaigns.models import CampaignImage, CampaignVideo
from tests import factories
from tests.campaigns.builders import bucheon_bakersfield

pytestmark = pytest.mark.django_db

PAGE = reverse("campaigns:detail", kwargs={"slug": "bucheon-bakersfield"})
CAMERA = 0x010F  # EXIF "Make"
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def public_media(settings, tmp_path):
    settings.PUBLIC_MEDIA_ROOT = tmp_path
    return tmp_path


def image_file(size=(3000, 2000), format="JPEG", mode="RGB", name="photo.jpg", exif=None):
    buffer = io.BytesIO()
    options = {"exif": exif.tobytes()} if exif is not None else {}
    Image.new(mode, size, "#a33c0b").save(buffer, format, **options)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{format.lower()}")


def camera_exif(orientation=1):
    exif = Image.Exif()
    exif[CAMERA] = "SpyCam 3000"
    exif[ORIENTATION] = orientation
    return exif


def stored(field):
    with field.storage.open(field.name) as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


def add_image(campaign, upload=None, **fields):
    fields.setdefault("alt_text", "A dog in a cage on a farm in Bucheon")
    return CampaignImage.objects.create(campaign=campaign, image=upload or image_file(), **fields)


def change_form(campaign, **fields):
    """The campaign admin's change form as posted, with no inline rows."""
    data = {
        "pairing": campaign.pairing_id,
        "is_main": "on",
        "title": campaign.title,
        "slug": campaign.slug,
        "headline": "",
        "intro": "",
        "actions": campaign.actions,
        "is_published": "on",
    }
    for prefix in ("messages", "images", "videos"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(fields)
    return data


def image_row(upload, alt_text="Dogs in cages", caption="", order="0"):
    return {
        "images-TOTAL_FORMS": "1",
        "images-0-image": upload,
        "images-0-alt_text": alt_text,
        "images-0-caption": caption,
        "images-0-order": order,
    }


def video_row(url, title="Undercover footage"):
    return {
        "videos-TOTAL_FORMS": "1",
        "videos-0-url": url,
        "videos-0-title": title,
        "videos-0-caption": "",
        "videos-0-order": "0",
    }


@pytest.fixture
def campaign():
    return factories.campaign(slug="bucheon-bakersfield")


@pytest.fixture
def admin_client(client, campaign_admin):
    client.force_login(campaign_admin)
    return client


def post_change(client, campaign, **fields):
    return client.post(
        reverse("admin:campaigns_campaign_change", args=[campaign.pk]),
        change_form(campaign, **fields),
    )


class TestImageUpload:
    def test_it_resizes_and_makes_a_thumbnail(self, admin_client, campaign):
        response = post_change(
            admin_client,
            campaign,
            **image_row(image_file((3000, 2000)), caption="Seen in 2016"),
        )

        assert response.status_code == 302
        image = CampaignImage.objects.get()
        assert (image.width, image.height) == (1600, 1067)
        assert stored(image.image).size == (1600, 1067)
        assert stored(image.thumbnail).size == (480, 320)
        assert (image.alt_text, image.caption) == ("Dogs in cages", "Seen in 2016")
        assert image.image.url.startswith("/uploads/campaigns/")

    def test_it_strips_exif_and_turns_the_photo_upright(self, campaign):
        upload = image_file((300, 200), exif=camera_exif(orientation=6))

        image = add_image(campaign, upload)

        for field in (image.image, image.thumbnail):
            assert not stored(field).getexif()
            assert b"SpyCam" not in field.storage.open(field.name).read()
        assert stored(image.image).size == (200, 300)

    def test_it_keeps_small_images_at_their_size(self, campaign):
        image = add_image(campaign, image_file((400, 300)))
        assert (image.width, image.thumbnail_width) == (400, 400)
        assert stored(image.thumbnail).size == (400, 300)

    def test_it_keeps_transparency_as_png(self, campaign):
        image = add_image(campaign, image_file((50, 50), "PNG", "RGBA", "logo.png"))
        assert stored(image.image).format == "PNG"
        assert stored(image.image).mode == "RGBA"

    def test_it_stores_photos_as_jpeg_under_random_names(self, campaign):
        first = add_image(campaign, image_file(name="dog.webp", format="WEBP"))
        second = add_image(campaign, image_file(name="dog.webp", format="WEBP"))
        assert stored(first.image).format == "JPEG"
        assert "dog" not in first.image.name
        assert first.image.name != second.image.name

    def test_it_refuses_a_file_that_is_not_an_image(self, admin_client, campaign):
        upload = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", "image/jpeg")

        response = post_change(admin_client, campaign, **image_row(upload))

        assert response.status_code == 200
        assert "Upload a valid image." in response.text
        assert not CampaignImage.objects.exists()

    def test_it_refuses_an_image_format_other_than_the_web_ones(self, admin_client, campaign):
        upload = image_file((20, 20), "BMP", name="photo.bmp")

        response = post_change(admin_client, campaign, **image_row(upload))

        assert "Upload a JPEG, PNG, WebP or GIF image (this one is BMP)." in response.text
        assert not CampaignImage.objects.exists()

    def test_it_refuses_a_file_over_10_mb(self, admin_client, campaign):
        upload = image_file((20, 20))
        upload = SimpleUploadedFile(
            "big.jpg", upload.read() + b"\0" * media.MAX_UPLOAD_BYTES, "image/jpeg"
        )

        response = post_change(admin_client, campaign, **image_row(upload))

        assert "The image is larger than 10 MB." in response.text
        assert not CampaignImage.objects.exists()

    def test_it_refuses_too_many_pixels(self, monkeypatch, campaign):
        monkeypatch.setattr(media, "MAX_PIXELS", 100)
        with pytest.raises(ValidationError, match="too many pixels"):
            media.validate_image_upload(image_file((20, 20)))

    def test_it_requires_alt_text(self, admin_client, campaign):
        response = post_change(admin_client, campaign, **image_row(image_file(), alt_text=""))

        assert response.status_code == 200
        assert "This field is required." in response.text
        assert not CampaignImage.objects.exists()

    def test_the_database_refuses_blank_alt_text(self, campaign):
        with pytest.raises(IntegrityError):
            add_image(campaign, alt_text="   ")

    def test_it_deletes_the_files_with_the_row(
        self, campaign, public_media, django_capture_on_commit_callbacks
    ):
        image = add_image(campaign)
        with django_capture_on_commit_callbacks(execute=True):
            image.delete()
        assert not [path for path in public_media.rglob("*") if path.is_file()]

    def test_it_deletes_the_replaced_files(
        self, campaign, public_media, django_capture_on_commit_callbacks
    ):
        image = add_image(campaign)
        old = {image.image.name, image.thumbnail.name}
        with django_capture_on_commit_callbacks(execute=True):
            image.image = image_file((100, 100))
            image.save()
        files = {path.relative_to(public_media).as_posix() for path in public_media.rglob("*.*")}
        assert files == {image.image.name, image.thumbnail.name}
        assert not old & files

    def test_it_leaves_the_files_alone_when_only_the_caption_changes(self, campaign):
        image = add_image(campaign)
        name = image.image.name
        image.caption = "New caption"
        image.full_clean()
        image.save()
        assert image.image.name == name and image.image.storage.exists(name)


class TestVideoLinks:
    @pytest.mark.parametrize(
        ("url", "provider", "video_id"),
        [
            ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
            ("https://youtube.com/watch?v=dQw4w9WgXcQ&t=42s", "youtube", "dQw4w9WgXcQ"),
            ("https://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
            ("https://youtu.be/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
            ("https://www.youtube.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
            ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
            ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
            ("https://vimeo.com/76979871", "vimeo", "76979871"),
            ("https://vimeo.com/channels/staffpicks/76979871", "vimeo", "76979871"),
            ("https://player.vimeo.com/video/76979871", "vimeo", "76979871"),
        ],
    )
    def test_it_reads_youtube_and_vimeo_links(self, url, provider, video_id):
        ref = media.parse_video_url(url)
        assert (ref.provider, ref.video_id) == (provider, video_id)

    @pytest.mark.parametrize(
        "url",
        [
            "https://www.dailymotion.com/video/x7tgad0",
            "https://evil.example/watch?v=dQw4w9WgXcQ",
            "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=short",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ%22onload%3D",
            "https://www.youtube.com/playlist?list=PL123",
            "javascript:alert('https://youtu.be/dQw4w9WgXcQ')",
            "ftp://vimeo.com/76979871",
            "https://vimeo.com/about",
            "",
        ],
    )
    def test_it_refuses_every_other_link(self, url):
        with pytest.raises(ValidationError):
            media.parse_video_url(url)

    def test_it_keeps_an_unlisted_vimeo_videos_key(self, campaign):
        video = CampaignVideo.objects.create(
            campaign=campaign, url="https://vimeo.com/76979871/abc123def4", title="Unlisted"
        )
        assert (
            video.embed_url
            == "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1&h=abc123def4"
        )
        assert video.watch_url == "https://vimeo.com/76979871/abc123def4"

    def test_it_saves_a_youtube_link_from_the_admin(self, admin_client, campaign):
        response = post_change(
            admin_client, campaign, **video_row("https://youtu.be/dQw4w9WgXcQ?si=tracking")
        )

        assert response.status_code == 302
        video = CampaignVideo.objects.get()
        assert (video.provider, video.video_id) == ("youtube", "dQw4w9WgXcQ")
        assert video.embed_url == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"

    def test_it_refuses_another_site_in_the_admin(self, admin_client, campaign):
        response = post_change(
            admin_client, campaign, **video_row("https://www.dailymotion.com/video/x7tgad0")
        )

        assert response.status_code == 200
        assert "Enter the address of a YouTube or Vimeo video" in response.text
        assert not CampaignVideo.objects.exists()


class TestCampaignPage:
    @pytest.fixture
    def demo(self):
        demo = bucheon_bakersfield()
        add_image(demo.campaign, caption="A dog farm near Bucheon, 2016", order=1)
        add_image(demo.campaign, image_file((1000, 800)), alt_text="Search results", order=0)
        CampaignVideo.objects.create(
            campaign=demo.campaign,
            url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            title="Undercover video",
            caption="From the documentary trailer",
        )
        CampaignVideo.objects.create(
            campaign=demo.campaign, url="https://vimeo.com/76979871", title="A dog farm"
        )
        return demo

    def test_it_shows_images_with_alt_text_captions_and_thumbnails(self, client, demo):
        response = client.get(PAGE)

        images = re.findall(r"<img src=\"/uploads/[^>]*>", response.text)
        assert len(images) == 2
        assert 'alt="Search results"' in images[0]  # in their order
        first = CampaignImage.objects.get(alt_text="Search results")
        assert f'srcset="{first.thumbnail.url} 480w, {first.image.url} 1000w"' in images[0]
        assert 'width="1000" height="800"' in images[0]
        assert "<figcaption>A dog farm near Bucheon, 2016</figcaption>" in response.text

    def test_it_loads_nothing_from_the_video_sites_before_a_click(self, client, demo):
        response = client.get(PAGE)

        text = response.text
        assert "<iframe" not in text
        sources = re.findall(r'(?<![-\w])(?:src|srcset|poster|data|href)="([^"]*)"', text)
        sources = [
            s
            for s in sources
            if not s.startswith(("https://www.youtube.com/watch", "https://vimeo.com/"))
        ]
        assert not [s for s in sources if "youtube" in s or "vimeo" in s or "ytimg" in s]
        assert not re.search(r"<(?:link|img|script)[^>]+(?:youtube|vimeo|ytimg)", text)

    def test_it_links_each_video_and_names_the_player_to_load(self, client, demo):
        text = client.get(PAGE).text

        assert (
            '<a class="video-poster" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" '
            'rel="noopener noreferrer" '
            'data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1" '
            'data-embed-title="Undercover video">'
        ) in text
        assert (
            'data-embed-src="https://player.vimeo.com/video/76979871?autoplay=1&amp;dnt=1"' in text
        )
        assert "Nothing is loaded from YouTube before you press play." in text
        assert "<figcaption>From the documentary trailer</figcaption>" in text
        assert re.search(r'<script src="/static/js/video.js" nonce="[^"]+" defer></script>', text)

    def test_its_policy_lets_only_the_two_players_be_framed(self, client, demo):
        policy = client.get(PAGE)["Content-Security-Policy"]
        frame_src = re.search(r"frame-src ([^;]*)", policy).group(1).split()
        assert frame_src == ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]

    def test_it_has_no_media_section_without_media(self, client):
        bucheon_bakersfield()
        text = client.get(PAGE).text
        assert "campaign-media" not in text and "video.js" not in text

    def test_it_needs_two_queries_for_media_however_many_and_none_without(
        self, client, demo, settings
    ):
        settings.PAGE_CACHE_SECONDS = 0
        with_media = page_queries(client)
        for number in range(4):
            add_image(demo.campaign, image_file((100, 100)), alt_text=f"Image {number}")
        assert page_queries(client) == with_media

        CampaignImage.objects.all().delete()
        assert page_queries(client) == with_media - 1
        CampaignVideo.objects.all().delete()
        assert page_queries(client) == with_media - 2


def page_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    return len(queries)

"""Campaign media: checking and resizing uploaded images, and parsing video links.

Images are re-encoded on upload (at most ``MAX_WIDTH`` wide, plus a ``THUMBNAIL_WIDTH``
version for phones): re-encoding drops EXIF data (camera, GPS position of the person who took
the photo) and anything hidden in the file. Videos are links to YouTube or Vimeo only: the page
shows them as click-to-load placeholders, so no third party sees a visitor who does not press
play (see ``static/js/video.js``).
"""

import io
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A 10 MB file can still decode to gigabytes of pixels (a "decompression bomb").
MAX_PIXELS = 50_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_WIDTH = 1600
THUMBNAIL_WIDTH = 480
JPEG_QUALITY = 85


class PublicMediaStorage(FileSystemStorage):
    """``PUBLIC_MEDIA_ROOT`` served at ``PUBLIC_MEDIA_URL``.

    Not the default storage: ``MEDIA_ROOT`` holds private files (officials' reply
    attachments) that must never be published by serving its directory.
    """

    @cached_property
    def base_location(self):
        return settings.PUBLIC_MEDIA_ROOT

    @cached_property
    def base_url(self):
        return settings.PUBLIC_MEDIA_URL

    def _clear_cached_properties(self, setting, **kwargs):
        if setting == "PUBLIC_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)
        elif setting == "PUBLIC_MEDIA_URL":
            self.__dict__.pop("base_url", None)
        else:
            super()._clear_cached_properties(setting, **kwargs)


_public_storage = PublicMediaStorage()


def public_storage():
    """The storage of campaign images (a callable, so migrations do not freeze its paths)."""
    return _public_storage


def validate_image_upload(file):
    """Refuse what is not a JPEG, PNG, WebP or GIF image of at most 10 MB and 50 megapixels.

    Only new uploads: a stored image was checked when it came in.
    """
    if getattr(file, "_committed", False):
        return
    if file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The image is larger than %(limit)d MB.") % {"limit": MAX_UPLOAD_BYTES // 2**20},
            code="too_large",
        )
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not an image we can read (JPEG, PNG, WebP or GIF)."), code="invalid"
        ) from None
    finally:
        file.seek(0)
    if kind not in ALLOWED_FORMATS:
        raise ValidationError(
            _("Upload a JPEG, PNG, WebP or GIF image (this one is %(format)s).") % {"format": kind},
            code="format",
        )
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _("The image has too many pixels (%(width)d x %(height)d).")
            % {"width": width, "height": height},
            code="too_many_pixels",
        )


@dataclass
class ProcessedImage:
    """The re-encoded image and its thumbnail, ready to be saved, with the image's size."""

    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _encode(image, stem, suffix=""):
    """A JPEG of ``image`` (a PNG when it has transparency), with no metadata."""
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, "PNG", optimize=True)
        extension = "png"
    else:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        extension = "jpg"
    return ContentFile(buffer.getvalue(), name=f"{stem}{suffix}.{extension}")


def process_image(file):
    """Resize an uploaded image (checked by ``validate_image_upload``) for the web.

    The photo is turned upright as its EXIF orientation says, then saved without EXIF;
    animated GIFs keep their first frame.
    """
    file.seek(0)
    with Image.open(file) as original:
        image = ImageOps.exif_transpose(original)
        has_alpha = image.mode in ("RGBA", "LA", "PA") or (
            image.mode == "P" and "transparency" in image.info
        )
        image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((MAX_WIDTH, MAX_WIDTH * 10))
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 10))
    # Random names: nobody can guess the address of an image before it is published.
    stem = secrets.token_urlsafe(12)
    return ProcessedImage(
        image=_encode(image, stem),
        thumbnail=_encode(thumbnail, stem, "-thumb"),
        width=image.width,
        height=image.height,
    )


def delete_files_on_commit(names):
    """Delete stored images once the transaction that dropped them has committed."""
    names = [name for name in names if name]

    def delete():
        for name in names:
            _public_storage.delete(name)

    if names:
        transaction.on_commit(delete)


# Video links ------------------------------------------------------------------------------

YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
YOUTUBE_PATHS = re.compile(r"^/(?:embed|shorts|live|v)/(?P<id>[^/]+)/?$")
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
# vimeo.com/76979871, vimeo.com/76979871/abcdef1234 (unlisted), vimeo.com/channels/x/76979871,
# player.vimeo.com/video/76979871
VIMEO_PATH = re.compile(
    r"^/(?:video/|channels/[\w-]+/|groups/[\w-]+/videos/)?"
    r"(?P<id>\d{1,12})(?:/(?P<hash>[0-9a-f]{6,20}))?/?$"
)
VIMEO_HASH = re.compile(r"^[0-9a-f]{6,20}$")


@dataclass(frozen=True)
class VideoRef:
    provider: str  # "youtube" or "vimeo"
    video_id: str
    # Unlisted Vimeo videos need their private hash in the player's address.
    key: str = ""


def parse_video_url(url):
    """The provider and id of a YouTube or Vimeo link; ``ValidationError`` for any other."""
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower()
    if parts.scheme in ("http", "https"):
        if host == "youtu.be":
            candidate = parts.path.strip("/")
        elif host in YOUTUBE_HOSTS:
            match = YOUTUBE_PATHS.match(parts.path)
            if match:
                candidate = match["id"]
            else:
                candidate = (
                    parse_qs(parts.query).get("v", [""])[0] if parts.path == "/watch" else ""
                )
        else:
            candidate = None
        if candidate is not None and YOUTUBE_ID.match(candidate):
            return VideoRef("youtube", candidate)
        if host in VIMEO_HOSTS and (match := VIMEO_PATH.match(parts.path)):
            key = match["hash"] or parse_qs(parts.query).get("h", [""])[0]
            return VideoRef("vimeo", match["id"], key if VIMEO_HASH.match(key) else "")
    raise ValidationError(
        _("Enter the address of a YouTube or Vimeo video (other sites cannot be embedded)."),
        code="video_url",
    )

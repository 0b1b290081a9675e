"""manage.py import_replies: .eml files, directories of them and mbox files; bad input."""

import mailbox
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from outreach.models import Response
from tests.outreach.replies import REPLY_DOMAIN, raw_reply, reply_address, sent_outreach

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.OUTREACH_REPLY_DOMAIN = REPLY_DOMAIN
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sent():
    return sent_outreach()


def run(path):
    out = StringIO()
    call_command("import_replies", str(path), stdout=out)
    return out.getvalue()


def mbox_file(path, *raws):
    box = mailbox.mbox(path)
    for raw in raws:
        box.add(raw)
    box.close()
    return path


class TestImport:
    def test_it_imports_an_eml_file(self, sent, tmp_path):
        eml = tmp_path / "reply.eml"
        eml.write_bytes(raw_reply(to=reply_address(sent.outbox)))
        output = run(eml)
        response = Response.objects.get()
        assert response.in_reply_to == sent.outbox
        assert response.status == Response.Status.NEW
        assert f"matched by reply address: response #{response.pk} about Mayor of Bakersfield" in (
            output
        )
        assert "1 read: 1 imported (1 matched, 0 unmatched), 0 already imported." in output

    def test_it_imports_a_directory_of_eml_files(self, sent, tmp_path):
        (tmp_path / "a.eml").write_bytes(raw_reply(In_Reply_To=sent.outbox.message_id))
        (tmp_path / "b.eml").write_bytes(raw_reply(message_id="<other@x>"))
        (tmp_path / "notes.txt").write_text("not a mail, not read")
        output = run(tmp_path)
        assert Response.objects.count() == 2
        assert "2 read: 2 imported (1 matched, 1 unmatched)" in output
        assert "not matched: response #" in output

    def test_it_imports_an_mbox(self, sent, tmp_path):
        path = mbox_file(
            tmp_path / "inbox.mbox",
            raw_reply(References=sent.outbox.message_id),
            raw_reply(message_id="<second@x>", text="From the mayor's office: thanks."),
        )
        output = run(path)
        assert Response.objects.count() == 2
        assert "message 1: matched by References" in output
        assert Response.objects.get(message_id="<second@x>").body_text.startswith(
            "From the mayor's office"
        )

    def test_importing_twice_stores_each_reply_once(self, sent, tmp_path):
        eml = tmp_path / "reply.eml"
        eml.write_bytes(raw_reply(to=reply_address(sent.outbox)))
        run(eml)
        output = run(eml)
        response = Response.objects.get()
        assert f"already imported (response #{response.pk})" in output
        assert "1 read: 0 imported (0 matched, 0 unmatched), 1 already imported." in output


class TestBadInput:
    def test_a_missing_path_is_an_error(self, tmp_path):
        with pytest.raises(CommandError, match=r"nowhere\.eml: No such file or directory"):
            run(tmp_path / "nowhere.eml")

    def test_a_file_that_is_no_mail_names_the_line(self, tmp_path):
        bad = tmp_path / "picture.eml"
        bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        with pytest.raises(CommandError, match=r"picture\.eml:1: not an email header line"):
            run(bad)
        assert Response.objects.count() == 0

    def test_it_exits_non_zero_from_the_command_line(self, tmp_path, capsys):
        bad = tmp_path / "picture.eml"
        bad.write_bytes(b"\x89PNG\r\n\x1a\n")
        with pytest.raises(SystemExit) as exited:
            execute_from_command_line(["manage.py", "import_replies", str(bad)])
        assert exited.value.code == 1
        assert "picture.eml:1: not an email header line" in capsys.readouterr().err

    def test_a_broken_header_block_names_its_line(self, tmp_path):
        bad = tmp_path / "broken.eml"
        bad.write_bytes(b"From: a@example.org\nSubject: hi\nthis is no header\n\nbody\n")
        with pytest.raises(CommandError, match=r"broken\.eml:3: not an email header line"):
            run(bad)

    def test_an_empty_file_is_an_error(self, tmp_path):
        empty = tmp_path / "empty.eml"
        empty.write_bytes(b"")
        with pytest.raises(CommandError, match="not an email"):
            run(empty)

    def test_a_bad_message_in_an_mbox_names_its_number_and_imports_nothing(self, sent, tmp_path):
        path = mbox_file(
            tmp_path / "inbox.mbox",
            raw_reply(to=reply_address(sent.outbox)),
            b"garbage line\n\nbody\n",
        )
        with pytest.raises(CommandError, match=r"inbox\.mbox, message 2:1: not an email"):
            run(path)
        assert Response.objects.count() == 0

    def test_a_directory_without_eml_files_is_an_error(self, tmp_path):
        with pytest.raises(CommandError, match=r"no \.eml files"):
            run(tmp_path)

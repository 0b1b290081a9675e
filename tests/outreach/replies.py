"""Builders for the reply tests: an outreach email that was sent, and replies to it as raw
mail, parsed messages or Postmark inbound webhook payloads."""

import base64
import json
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import SimpleNamespace

from django.urls import reverse

from mailer.models import OutboxMessage
from outreach.models import Outreach, OutreachMessage, OutreachTemplate
from tests.campaigns.builders import bucheon_bakersfield

REPLY_DOMAIN = "replies.example.org"
WEBHOOK_SECRET = "anymail:webhook-s3cret"


def sent_outreach(demo=None):
    """The Bucheon-Bakersfield campaign with one outreach email sent to Bakersfield's mayor."""
    demo = demo or bucheon_bakersfield()
    template = OutreachTemplate.objects.create(
        campaign=demo.campaign,
        name="First letter",
        language="en",
        subject="Sister City Bucheon",
        body_text="Dear Mayor,",
    )
    outreach = Outreach.objects.create(campaign=demo.campaign, template=template)
    outbox = OutboxMessage.objects.create(
        category="outreach",
        to_email="mayor@bakersfield.example.invalid",
        subject="Sister City Bucheon",
        body_text="Dear Mayor,",
        status=OutboxMessage.Status.SENT,
    )
    OutreachMessage.objects.create(
        outreach=outreach, outbox=outbox, office=demo.bakersfield_mayor, official_name="Karen Goh"
    )
    return SimpleNamespace(**vars(demo), outbox=outbox, outreach=outreach)


def reply_address(outbox):
    return f"reply+{outbox.reply_token}@{REPLY_DOMAIN}"


def raw_reply(
    to="campaign@example.org",
    message_id="<reply-1@bakersfield.example.invalid>",
    text="Thank you for your letter. The council will discuss it.",
    html=None,
    attachments=(),
    **headers,
):
    """A reply as bytes; ``headers`` are extra header fields (``In_Reply_To=…``)."""
    message = EmailMessage(policy=policy.default)
    message["From"] = "Office of the Mayor <mayor@bakersfield.example.invalid>"
    message["To"] = to
    message["Subject"] = "Re: Sister City Bucheon"
    message["Date"] = "Tue, 05 Mar 2024 09:30:00 -0800"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def parsed(raw):
    return BytesParser(policy=policy.default).parsebytes(raw)


def postmark_inbound(to, text="Thank you.", headers=(), attachments=(), **fields):
    """A Postmark inbound webhook payload (the "parsed" format, no RawEmail)."""
    return {
        "FromName": "Office of the Mayor",
        "MessageStream": "inbound",
        "From": "mayor@bakersfield.example.invalid",
        "FromFull": {
            "Email": "mayor@bakersfield.example.invalid",
            "Name": "Office of the Mayor",
            "MailboxHash": "",
        },
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": to,
        "Subject": "Re: Sister City Bucheon",
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Tue, 05 Mar 2024 09:30:00 -0800",
        "TextBody": text,
        "HtmlBody": "",
        "StrippedTextReply": text,
        "Tag": "",
        "Headers": [
            {"Name": "Return-Path", "Value": "<mayor@bakersfield.example.invalid>"},
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "Message-ID", "Value": "<pm-reply-1@bakersfield.example.invalid>"},
            *({"Name": name, "Value": value} for name, value in headers),
        ],
        "Attachments": [
            {
                "Name": name,
                "Content": base64.b64encode(data).decode(),
                "ContentType": content_type,
                "ContentLength": len(data),
            }
            for name, content_type, data in attachments
        ],
        **fields,
    }


def post_webhook(client, kind, payload, secret=WEBHOOK_SECRET):
    """POST ``payload`` to anymail's Postmark ``kind`` ("tracking" or "inbound") webhook."""
    headers = {}
    if secret:
        headers["authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
    return client.post(
        reverse(f"anymail:postmark_{kind}_webhook"),
        data=json.dumps(payload),
        content_type="application/json",
        headers=headers,
    )

"""Notification channels (tasks.notify): one Prefect block per configured channel, email through SMTP."""

from __future__ import annotations

import asyncio

import pytest
from aiosmtpd.controller import Controller
from prefect.blocks.notifications import CustomWebhookNotificationBlock, MicrosoftTeamsWebhook, SlackWebhook

from openfinops.config import ConfigError, Notifications
from tasks.notify import SmtpEmail, notification_block


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server(free_port):
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_email_reaches_a_real_smtp_server(smtp_server):
    port, inbox = smtp_server
    block = notification_block(Notifications(channel="email", smtp_host="127.0.0.1", smtp_port=port,
                                             email_to="finops@example.com", email_from="alerts@example.com"))
    assert isinstance(block, SmtpEmail)

    asyncio.run(block.notify("aws-cur/monthly failed: corrupt gzip", subject="Open FinOps import failed"))

    [message] = inbox.messages
    assert b"Subject: Open FinOps import failed" in message and b"corrupt gzip" in message
    assert b"To: finops@example.com" in message


def test_each_channel_maps_to_its_prefect_block():
    url = "https://hooks.slack.com/services/T000/B000/XXXX"
    assert isinstance(notification_block(Notifications(channel="slack", url=url)), SlackWebhook)
    # Teams takes a Power Automate "Workflows" URL (Microsoft retired the old connector webhooks).
    teams = ("https://prod-00.westus.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke"
             "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SIGNATURE")
    assert isinstance(notification_block(Notifications(channel="teams", url=teams)), MicrosoftTeamsWebhook)
    assert isinstance(notification_block(Notifications(channel="webhook", url="http://127.0.0.1:9/x")),
                      CustomWebhookNotificationBlock)
    assert notification_block(Notifications()) is None
    with pytest.raises(ConfigError, match="needs url"):
        Notifications(channel="slack")
    with pytest.raises(ConfigError, match="needs smtp_host and email_to"):
        Notifications(channel="email")

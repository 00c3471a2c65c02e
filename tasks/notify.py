"""Notification blocks for failed imports and silent exporters.

Slack, Teams and generic webhooks are Prefect's own blocks. Prefect has no SMTP block, so email is
the small `SmtpEmail` block below; it is registered as a Prefect collection (pyproject entry point),
which lets the server's automations load it.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

from prefect.blocks.abstract import NotificationBlock
from prefect.blocks.notifications import CustomWebhookNotificationBlock, MicrosoftTeamsWebhook, SlackWebhook
from pydantic import Field, SecretStr

from openfinops.config import Notifications

BLOCK_NAME = "finops-alerts"


class SmtpEmail(NotificationBlock):
    """Send a notification as an email through an SMTP server (STARTTLS when the server offers it)."""

    _block_type_name = "Open FinOps SMTP Email"
    _block_type_slug = "open-finops-smtp-email"

    host: str
    port: int = 587
    username: str | None = None
    password: SecretStr | None = None
    email_from: str = "open-finops@localhost"
    email_to: str = Field(description="Comma-separated recipients")

    async def notify(self, body: str, subject: str | None = None) -> None:
        await asyncio.to_thread(self._send, body, subject or "Open FinOps Stack")

    def _send(self, body: str, subject: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.email_from, self.email_to, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            if self.username and self.password:
                smtp.login(self.username, self.password.get_secret_value())
            smtp.send_message(message)


def notification_block(settings: Notifications) -> NotificationBlock | None:
    """The block for the configured channel, or None when notifications are off."""
    if settings.channel == "slack":
        return SlackWebhook(url=settings.url)
    if settings.channel == "teams":
        return MicrosoftTeamsWebhook(url=settings.url)
    if settings.channel == "webhook":
        return CustomWebhookNotificationBlock(
            name="finops", url=settings.url, method="POST",
            json_data={"subject": "{{subject}}", "text": "{{body}}"},
        )
    if settings.channel == "email":
        return SmtpEmail(host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
                         password=settings.smtp_password, email_from=settings.email_from or "open-finops@localhost",
                         email_to=settings.email_to)
    return None

"""The survey tests use the reply-email tests' real SMTP server on loopback (`smtp`)."""

from tests.notifications.test_reply_email import smtp  # noqa: F401

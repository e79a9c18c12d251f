"""The email channel: a mailbox per inbox, read over IMAP (or piped in by the MTA with
`manage.py email ingest`), answered over SMTP. See docs/email.md."""

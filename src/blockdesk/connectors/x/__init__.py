"""The X (Twitter) channel: direct messages and mentions through the X API v2, polled;
off unless an inbox has credentials. See docs/x.md."""

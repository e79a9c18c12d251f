"""STUN/TURN configuration and coturn's time-limited TURN credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from django.core.exceptions import ImproperlyConfigured

from blockdesk.calls import ice
from blockdesk.calls.checks import check_ice_servers


def test_turn_credentials_follow_coturns_rest_api_scheme():
    creds = ice.turn_credentials(secret="north", label="call-7", ttl=3600, now=1_700_000_000.9)
    # username = "<expiry unix time>:<label>", password = base64(HMAC-SHA1(secret, username))
    assert creds["username"] == "1700003600:call-7"
    expected = hmac.new(b"north", b"1700003600:call-7", hashlib.sha1).digest()
    assert base64.b64decode(creds["credential"]) == expected
    assert len(base64.b64decode(creds["credential"])) == 20  # SHA-1, as coturn computes it
    # Another secret or expiry: another password (coturn would refuse the old one).
    assert (
        ice.turn_credentials(secret="south", label="call-7", ttl=3600, now=1_700_000_000)[
            "credential"
        ]
        != creds["credential"]
    )
    later = ice.turn_credentials(secret="north", label="call-7", ttl=3600, now=1_700_000_100)
    assert later["username"] == "1700003700:call-7" and later["credential"] != creds["credential"]


def test_ice_servers_combine_static_servers_and_a_turn_server(settings):
    settings.CALLS_ICE_SERVERS = '[{"urls": "stun:stun.example.org:3478"}]'
    settings.CALLS_TURN_URLS = [
        "turn:turn.example.org:3478?transport=udp",
        "turns:turn.example.org:5349",
    ]
    settings.CALLS_TURN_SECRET = "s3cret"
    settings.CALLS_TURN_TTL = 600
    servers = ice.ice_servers(label="call-1", now=1000)
    assert servers[0] == {"urls": ["stun:stun.example.org:3478"]}
    assert servers[1]["urls"] == settings.CALLS_TURN_URLS
    assert servers[1]["username"] == "1600:call-1"
    assert (
        servers[1]["credential"]
        == ice.turn_credentials(secret="s3cret", label="call-1", ttl=600, now=1000)["credential"]
    )
    # No secret: no TURN server (and `check` warns).
    settings.CALLS_TURN_SECRET = ""
    assert len(ice.ice_servers(label="call-1")) == 1
    assert [m.id for m in check_ice_servers()] == ["calls.W001"]


def test_default_is_no_ice_server(settings):
    settings.CALLS_ICE_SERVERS = "[]"
    settings.CALLS_TURN_URLS = []
    assert ice.ice_servers(label="call-1") == []
    assert check_ice_servers() == []


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '{"urls": "stun:x"}',
        '[{"urls": "http://evil.example/"}]',
        '[{"urls": []}]',
        '["stun:x"]',
    ],
)
def test_a_malformed_setting_fails_the_system_check(settings, raw):
    settings.CALLS_ICE_SERVERS = raw
    with pytest.raises(ImproperlyConfigured):
        ice.static_servers()
    assert [m.id for m in check_ice_servers()] == ["calls.E001"]


def test_only_the_webrtc_fields_of_a_server_are_passed_on(settings):
    settings.CALLS_ICE_SERVERS = (
        '[{"urls": ["turn:t.example:3478"], "username": "u", "credential": "c", "x": "<b>"}]'
    )
    assert ice.static_servers() == [
        {"urls": ["turn:t.example:3478"], "username": "u", "credential": "c"}
    ]

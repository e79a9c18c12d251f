"""Chains get `allow_private_rpc` (default off: RPC URLs must be public addresses). Chains
already saved with a private or local URL (own node, the demo devnet) get it switched on, so
nothing that worked stops working; the settings page then shows a warning for them."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.db import migrations, models

from blockdesk.common.netguard import is_public_address

# Names that are local by convention; no DNS lookups in a migration.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")


def _looks_private(url: str) -> bool:
    try:
        host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    if not host:
        return False
    dotless = "." not in host and ":" not in host
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or dotless:
        try:  # a bare number (2130706433) is an address, not an intranet name
            ipaddress.ip_address(int(host))
        except ValueError:
            return True
    try:
        # AI_NUMERICHOST: parses 127.1, 0x7f000001, 0177.0.0.1 ... without asking DNS.
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return False
    return not all(is_public_address(str(info[4][0]).split("%")[0]) for info in infos)


def flag_private_chains(apps, schema_editor):
    Chain = apps.get_model("chain", "Chain")
    for chain in Chain.objects.exclude(rpc_urls="").iterator():
        urls = [u for u in (chain.rpc_urls or "").splitlines() if u.strip()]
        if any(_looks_private(u) for u in urls):
            Chain.objects.filter(pk=chain.pk).update(allow_private_rpc=True)


class Migration(migrations.Migration):

    dependencies = [
        ("chain", "0002_transaction_sighting"),
    ]

    operations = [
        migrations.AddField(
            model_name="chain",
            name="allow_private_rpc",
            field=models.BooleanField(
                default=False,
                help_text="Only for your own node on a private or local address.",
                verbose_name="allow RPC addresses inside the network",
            ),
        ),
        migrations.RunPython(flag_private_chains, migrations.RunPython.noop),
    ]

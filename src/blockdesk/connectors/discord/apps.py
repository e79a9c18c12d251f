from django.apps import AppConfig


class DiscordChannelConfig(AppConfig):
    """Its own app (tables `discord_channel_*`): the channel is one package behind the
    contract (connectors/contract.py); no conversation service or console code knows it."""

    name = "blockdesk.connectors.discord"
    label = "discord_channel"
    verbose_name = "Discord channel"

    def ready(self) -> None:
        from django.conf import settings

        from blockdesk.common.background import register_background_loop
        from blockdesk.connectors.discord.gateway import run_gateways_forever

        # The gateway (one websocket per bot) beside the embedded server, when turned on;
        # `manage.py discord gateway` runs the same loop as its own process.
        if settings.DISCORD_GATEWAY_IN_SERVER:
            register_background_loop("discord-gateway", run_gateways_forever)

from django.urls import URLPattern, path

from blockdesk.workspace import panel_views as pv
from blockdesk.workspace import settings_crypto as sc
from blockdesk.workspace import settings_views as s
from blockdesk.workspace import views as v

app_name = "workspace"

_conversation = "c/<int:display_id>/"
urlpatterns: list[URLPattern] = [
    path("", v.inbox, name="inbox"),
    path("list.json", v.list_json, name="list_json"),
    path("counts.json", v.counts_json, name="counts_json"),
    path("canned-replies.json", v.canned_json, name="canned_json"),
    path(_conversation, v.conversation, name="conversation"),
    path(_conversation + "updates.json", v.updates_json, name="updates"),
    path(_conversation + "reply/", v.reply, name="reply"),
    path(_conversation + "status/", v.change_status, name="status"),
    path(_conversation + "priority/", v.change_priority, name="priority"),
    path(_conversation + "assign/", v.assign, name="assign"),
    path(_conversation + "tags/", v.change_tags, name="tags"),
    path(_conversation + "read/", v.mark_read, name="read"),
    path(_conversation + "contact-notes/", v.contact_notes, name="notes"),
    path(_conversation + "erase-contact/", v.erase_contact, name="erase_contact"),
    path(_conversation + "diagnose/", pv.diagnose, name="diagnose"),
    path(_conversation + "watch/", pv.watch, name="watch"),
    path(_conversation + "knowledge.json", pv.knowledge_json, name="knowledge"),
    # Settings. /app/settings/webhooks/ and /app/settings/api-tokens/ live in other apps.
    path("settings/", s.index, name="settings"),
    path("settings/profile/", s.profile, name="profile"),
    path("settings/agents/", s.agents, name="settings_agents"),
    path("settings/agents/new/", s.agent_new, name="settings_agent_new"),
    path("settings/agents/<int:user_id>/", s.agent_edit, name="settings_agent"),
    path("settings/teams/", s.teams, name="settings_teams"),
    path("settings/teams/<int:team_id>/", s.team_edit, name="settings_team"),
    path("settings/teams/<int:team_id>/delete/", s.team_delete, name="settings_team_delete"),
    path("settings/inboxes/", s.inboxes, name="settings_inboxes"),
    path("settings/inboxes/new/", s.inbox_new, name="settings_inbox_new"),
    path("settings/inboxes/<int:inbox_id>/", s.inbox_edit, name="settings_inbox"),
    path("settings/canned-replies/", s.canned_replies, name="settings_canned"),
    path(
        "settings/canned-replies/<int:reply_id>/", s.canned_reply_edit, name="settings_canned_edit"
    ),
    path(
        "settings/canned-replies/<int:reply_id>/delete/",
        s.canned_reply_delete,
        name="settings_canned_delete",
    ),
    path("settings/tags/", s.tags, name="settings_tags"),
    path("settings/tags/<int:tag_id>/", s.tag_edit, name="settings_tag"),
    path("settings/tags/<int:tag_id>/delete/", s.tag_delete, name="settings_tag_delete"),
    path("settings/security/", s.security, name="settings_security"),
    path("settings/chains/", sc.chains, name="settings_chains"),
    path("settings/chains/load-defaults/", sc.load_defaults, name="settings_chains_defaults"),
    path("settings/chains/<slug:key>/", sc.chain_edit, name="settings_chain"),
    path("settings/chains/<slug:key>/tokens/", sc.token_add, name="settings_chain_token"),
    path(
        "settings/chains/<slug:key>/deposit-addresses/",
        sc.deposit_add,
        name="settings_chain_deposit",
    ),
    path("settings/chains/<slug:key>/abis/", sc.abi_add, name="settings_chain_abi"),
    path("settings/synonyms/", sc.synonyms, name="settings_synonyms"),
    path("settings/synonyms/<int:synonym_id>/", sc.synonym_edit, name="settings_synonym"),
    path(
        "settings/synonyms/<int:synonym_id>/delete/",
        sc.synonym_delete,
        name="settings_synonym_delete",
    ),
]

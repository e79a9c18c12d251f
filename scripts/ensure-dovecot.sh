#!/usr/bin/env bash
# Makes sure Dovecot's IMAP server (Debian's dovecot-imapd) is installed, for the email
# channel's tests (tests/connectors/email: each run starts its own unprivileged Dovecot
# in a temporary directory on a free loopback port). In CI (CI=true) a failed install is
# an error; elsewhere those tests skip with a printed reason.
set -u
have() { [ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null 2>&1; }
if ! have && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  # The package's post-install script would start a system-wide Dovecot: forbid that
  # (policy-rc.d 101), the tests start their own.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; made_policy=1; fi
  apt-get install -y -q --no-install-recommends dovecot-imapd >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends dovecot-imapd >/dev/null 2>&1; }
  [ "$made_policy" = 1 ] && rm -f "$policy"
fi
if have; then
  echo "Dovecot: $(/usr/sbin/dovecot --version 2>/dev/null | head -1)"
  exit 0
fi
echo "Dovecot: NOT INSTALLED (the IMAP tests will skip)"
[ "${CI:-}" = "true" ] && { echo "CI needs Dovecot (dovecot-imapd) for the IMAP tests" >&2; exit 1; }
exit 0

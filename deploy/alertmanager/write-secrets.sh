#!/bin/sh
# Write Alertmanager's secrets from the environment into the files alertmanager.yml reads, then exec
# Alertmanager: `write-secrets.sh --config.file=/etc/alertmanager/alertmanager.yml`.
# SLACK_WEBHOOK_URL and SMTP_PASSWORD are required; the files are readable by this user only.
set -eu
dir="${ALERTMANAGER_SECRETS_DIR:-/etc/alertmanager/secrets}"
: "${SLACK_WEBHOOK_URL:?SLACK_WEBHOOK_URL is required}"
: "${SMTP_PASSWORD:?SMTP_PASSWORD is required}"
umask 077
mkdir -p "$dir"
printf '%s' "$SLACK_WEBHOOK_URL" > "$dir/slack_webhook_url"
printf '%s' "$SMTP_PASSWORD" > "$dir/smtp_password"
exec "${ALERTMANAGER_BIN:-prometheus-alertmanager}" "$@"

#!/usr/bin/env bash
# Property-based conformance run of the committed OpenAPI schema against a locally started
# gunicorn on PostgreSQL: every check, 200 examples per operation, once with an API key and once
# with a session. Fails on any server error or conformance failure. Usage: make schemathesis
# (DATABASE_URL must name a PostgreSQL database this run may migrate and write to).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database for this run}"
PY=.venv/bin/python
ST_VENV=${ST_VENV:-.venv-st}
[ -x "$ST_VENV/bin/st" ] || { python3 -m venv "$ST_VENV" && "$ST_VENV/bin/pip" install -q "schemathesis==4.32.5"; }
# Production mode (DEBUG=false: errors as the contract says, never Django's debug pages) over
# plain HTTP on the loopback interface.
export DEBUG=false DATABASE_URL SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false \
  CSRF_COOKIE_SECURE=false ALLOWED_HOSTS=127.0.0.1 \
  SECRET_KEY="${SECRET_KEY:-$(head -c 48 /dev/urandom | base64 | tr -d '\n')}"
FIELD_ENCRYPTION_KEYS="${FIELD_ENCRYPTION_KEYS:-$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')}"
export FIELD_ENCRYPTION_KEYS
"$PY" manage.py migrate --noinput -v0
workdir=$(mktemp -d)
port=$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
.venv/bin/gunicorn users_api.wsgi:application -b "127.0.0.1:$port" -w 2 --access-logfile /dev/null \
  >"$workdir/gunicorn.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/_health/" >/dev/null && break; sleep 0.2; done
password="St-$(head -c 12 /dev/urandom | base64 | tr -dc A-Za-z0-9)-9"
key=$("$PY" manage.py shell -c "
from accounts.models import User
from accounts.services import api_keys
user, _ = User.objects.get_or_create(email='schemathesis@example.com', defaults={'first_name': 'St'})
user.set_password('$password'); user.save()
user.personal_api_keys.all().delete()  # a rerun on the same database starts with one key
print(api_keys.create_key(user=user, label='schemathesis', scopes=['*'])[1])" | tail -1)
curl -fs -c "$workdir/jar" -H 'Content-Type: application/json' \
  -d "{\"email\": \"schemathesis@example.com\", \"password\": \"$password\"}" \
  "http://127.0.0.1:$port/api/login/" >/dev/null
sid=$(awk '$6 == "sessionid" {print $7}' "$workdir/jar")
csrf=$(awk '$6 == "csrftoken" {print $7}' "$workdir/jar")
export SCHEMATHESIS_HOOKS=scripts/schemathesis_hooks.py
run() {
  "$ST_VENV/bin/st" --config-file scripts/schemathesis.toml run openapi.yaml --url "http://127.0.0.1:$port" --checks all \
    --max-examples 200 --workers 2 --report-dir "$workdir/report" "$@"
}
status=0
echo "== with an API key"; ST_API_KEY=$key run || status=1
# The session run leaves out the two operations that end the very session it runs with (logging
# out, and revoking a login session, which may be its own); every later request would only be
# refused. The key run covers both.
echo "== with a session"; ST_SESSION_ID=$sid ST_CSRF_TOKEN=$csrf run \
  --exclude-operation-id logout --exclude-operation-id api_users_login_sessions_destroy || status=1
exit $status

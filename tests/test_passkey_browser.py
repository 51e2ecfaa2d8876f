"""A real browser registers a passkey and signs in with it as the second factor (docs/api.md §2.18).

Headless Chromium (system ``chromium`` + ``chromedriver``, driven by Selenium) with the DevTools
WebAuthn virtual authenticator, against the service under gunicorn on PostgreSQL. A tiny page
served by this test calls ``navigator.credentials``; the same small server forwards ``/api/``
to gunicorn, so page and API share the relying party's origin (``http://localhost:<port>``,
a secure context for WebAuthn). Skipped when Chromium is not installed.
"""

import http.client
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.models import LoginSession, Passkey
from tests.conftest import PASSWORD
from tests.gunicorn_server import running_gunicorn, suite_database_url

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver absent"),
]

PAGE = b"""<!doctype html><meta charset="utf-8"><title>passkey check</title>
<script>
function cookie(name) {
  const m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
  return m ? decodeURIComponent(m[1]) : "";
}
async function api(method, path, body) {
  const response = await fetch(path, {
    method, credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": cookie("csrftoken")},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {status: response.status, body: text ? JSON.parse(text) : null};
}
async function register(email, password) {
  const steps = [];
  steps.push((await api("POST", "/api/login/", {email, password})).status);
  const begin = await api("POST", "/api/users/@me/passkeys/register/begin/");
  steps.push(begin.status);
  const credential = await navigator.credentials.create(
    {publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.body)});
  const done = await api("POST", "/api/users/@me/passkeys/register/complete/",
                         {credential: credential.toJSON(), name: "Chromium"});
  steps.push(done.status);
  steps.push((await api("PATCH", "/api/users/@me/", {passkeys_enabled_for_2fa: true})).status);
  steps.push((await api("POST", "/api/logout/")).status);
  return steps;
}
async function signIn(email, password) {
  const steps = [];
  const login = await api("POST", "/api/login/", {email, password});
  steps.push(login.status, login.body.code);
  const begin = await api("POST", "/api/login/passkey/begin/");
  steps.push(begin.status);
  const assertion = await navigator.credentials.get(
    {publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.body)});
  const done = await api("POST", "/api/login/passkey/complete/", {credential: assertion.toJSON()});
  steps.push(done.status);
  const sessions = await api("GET", "/api/users/@me/login_sessions/");
  steps.push(sessions.status, sessions.body.results[0].login_method);
  return steps;
}
</script><p>ready</p>
"""

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def _front(upstream: dict[str, str]) -> ThreadingHTTPServer:
    """Serve the page at ``/`` and forward everything else to ``upstream["netloc"]``."""

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            if self.path == "/":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["Host"] = self.headers["Host"]  # the browser's origin, for CSRF checks
            conn = http.client.HTTPConnection(upstream["netloc"], timeout=15)
            conn.request(self.command, self.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _forward  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def site(transactional_db: None) -> Iterator[str]:
    """``http://localhost:<port>``: the page and the API, with the service's RP set to it.

    The front server binds first (the kernel picks its port), so the origin is known before
    gunicorn starts with ``WEBAUTHN_ORIGINS`` naming it.
    """
    upstream: dict[str, str] = {}
    front = _front(upstream)
    origin = f"http://localhost:{front.server_address[1]}"
    env = {
        **os.environ,
        "DATABASE_URL": suite_database_url(),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "WEBAUTHN_RP_ID": "localhost",
        "WEBAUTHN_ORIGINS": origin,
        "WEB_CONCURRENCY": "1",
    }
    with running_gunicorn(env) as server:
        upstream["netloc"] = urlsplit(server).netloc
        thread = threading.Thread(target=front.serve_forever, daemon=True)
        thread.start()
        try:
            yield origin
        finally:
            front.shutdown()
            front.server_close()


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_a_browser_registers_a_passkey_and_signs_in_with_it(site, browser, make_user):
    user = make_user(email="ada@example.com")
    hasher = PBKDF2PasswordHasher()  # the server verifies it (and upgrades it at login)
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    browser.get(site + "/")
    browser.execute_cdp_cmd("WebAuthn.enable", {})
    browser.execute_cdp_cmd(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    run = "const done = arguments[arguments.length - 1]; {call}.then(done, e => done(String(e)));"

    registered = browser.execute_async_script(
        run.format(call="register(arguments[0], arguments[1])"), user.email, PASSWORD
    )
    assert registered == [200, 200, 201, 200, 204], registered
    passkey = Passkey.objects.get(user=user)
    assert passkey.name == "Chromium"

    signed_in = browser.execute_async_script(
        run.format(call="signIn(arguments[0], arguments[1])"), user.email, PASSWORD
    )

    assert signed_in == [401, "2fa_required", 200, 200, 200, "password+passkey"], signed_in
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert LoginSession.objects.filter(user=user, login_method="password+passkey").exists()

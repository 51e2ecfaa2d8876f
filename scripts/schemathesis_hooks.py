"""Credentials for scripts/schemathesis.sh, given to schemathesis as its own auth (not ``-H``).

Passed as auth, schemathesis knows which request parts are the credentials: it can take them away
to check that an operation refuses anonymous and invalid callers, and it drops the random
credentials it generates for the other security scheme. Headers given with ``-H`` stay on every
request, so such probes would still carry the session and its verdicts would be wrong.

ST_API_KEY: ``Authorization: Bearer <key>``. ST_SESSION_ID and ST_CSRF_TOKEN: the session cookie,
the CSRF cookie and the ``X-CSRFToken`` header a browser sends with it.
"""

import os
from typing import Any

import schemathesis


@schemathesis.auth()
class EnvironmentCredentials:
    def get(self, case: Any, context: Any) -> dict[str, str]:
        return {
            name: os.environ.get(name, "")
            for name in ("ST_API_KEY", "ST_SESSION_ID", "ST_CSRF_TOKEN")
        }

    def set(self, case: Any, data: dict[str, str], context: Any) -> None:
        if data["ST_API_KEY"]:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data['ST_API_KEY']}"}
        if data["ST_SESSION_ID"]:
            csrf = data["ST_CSRF_TOKEN"]
            case.cookies = {
                **(case.cookies or {}),
                "sessionid": data["ST_SESSION_ID"],
                "csrftoken": csrf,
            }
            case.headers = {**(case.headers or {}), "X-CSRFToken": csrf}

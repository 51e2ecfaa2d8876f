"""Admin of the accounts app, one module per model family."""

import accounts.admin.users  # noqa: F401 - registers the User admin

# Production image: gunicorn serving users_api.wsgi:application on port 8000.
#
#   docker build -t users-api .
#   docker run --rm --env-file prod.env users-api python manage.py migrate --noinput   # each release
#   docker run -d --env-file prod.env -p 8000:8000 users-api
#
# prod.env holds at least DEBUG=false, SECRET_KEY, FIELD_ENCRYPTION_KEYS, DATABASE_URL, CACHE_URL
# and ALLOWED_HOSTS (see the README's configuration table).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .

COPY . .

# Collect static files (Swagger UI, Redoc, admin) with content hashes at build time. Settings
# refuse to load without secrets outside development mode; these throwaway values exist only
# for this step and are not part of the image's environment.
RUN DEBUG=false \
    SECRET_KEY=collectstatic-only-not-a-runtime-secret \
    FIELD_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXJ1bnRpbWU= \
    python manage.py collectstatic --noinput

# A home the user can write to (tools such as pip, celery beat's schedule, Python's caches
# expect one); the code itself stays owned by root, read-only to the service.
RUN useradd --system --uid 10001 --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && install -d -o app /tmp/metrics
ENV HOME=/home/app \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
USER app

EXPOSE 8000
# Probes: GET /_health/ (liveness) and GET /_ready/ (database and cache reachable).

# Refuse to start on an unsafe configuration, then replace the shell with gunicorn (signals
# reach it directly). Migrations are a separate step (see above), never run on start.
CMD ["sh", "-c", "python manage.py check --deploy --fail-level WARNING && exec gunicorn -c gunicorn.conf.py users_api.wsgi:application"]

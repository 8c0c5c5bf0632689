# Production image: gunicorn + whitenoise for the web, the same image for Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=portal.settings

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpq5 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 duijie
WORKDIR /app

COPY pyproject.toml README.md ./
COPY portal/__init__.py portal/__init__.py
COPY matching/__init__.py matching/__init__.py
COPY accounts/__init__.py accounts/__init__.py
RUN pip install --upgrade pip && pip install .

COPY . .
RUN pip install --no-deps . \
    && DEBUG=0 SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py compilemessages --ignore=.venv \
    && DEBUG=0 SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R duijie /app/var

USER duijie
EXPOSE 8000
# --timeout: a worker stuck on one request longer than this is killed and replaced, so no
# request pins a worker for ever. 60 s leaves room for the largest in-request job (a 1,000-row
# Excel import, target < 30 s); keep this line and docker-compose.yml's web command identical.
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--graceful-timeout", "30", "--access-logfile", "-"]

"""Test settings: the embedded default, made fast and deterministic."""

from __future__ import annotations

import tempfile

from portal.settings import *  # noqa: F403
from portal.settings import REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests always run on locmem cache and eager Celery; the integration tests talk to the
# real services through REDIS_URL themselves.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = tempfile.mkdtemp(prefix="duijie-test-media-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = False
# Dashboards count on every request (tests/matching/test_dashboard_cache.py turns it on).
STATS_CACHE_SECONDS = 0
# Counted from the registers unless a test rebuilds the facts
# (tests/matching/test_dashboard_facts.py).
STATS_FACTS_SECONDS = 0
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
LANGUAGE_CODE = "zh-hans"

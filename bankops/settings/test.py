"""Test settings: the embedded defaults, made quick."""

import os

from . import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Uploaded files of the tests, apart from the dev server's; the CI Celery worker uses these settings too.
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
RUNS_IN_THREAD = False  # a run executes in the request (eager), so tests see its outcome at once
# The suite's Celery worker (.ci/run, PostgreSQL) runs the tasks tests wait for (runs). The
# registry's rebuild, queued after a test's commit, goes to a queue it does not read: reading a
# test database while the next test empties it deadlocks the flush. Tests call it themselves.
CELERY_TASK_ROUTES = {"marketing.standing_rebuild": {"queue": "registry-rebuilds-untested"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared in-memory database: there a second thread's write (a run in
    # the embedded set-up) fails at once with "table is locked" while a request reads, where a
    # file waits for its lock as the dev server's does.
    # TEST_SQLITE names another file, for two suites run side by side in one checkout.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_SQLITE") or str(VAR_DIR / "test.sqlite3")}  # noqa: F405

"""The task queue (Huey): SQLite in the instance folder by default, Redis when REDIS_URL is set.

Define a background duty in moderation/worker/tasks.py with `@task()` and queue it with
`enqueue(fn, *args)`; `flask --app wsgi worker` runs them (see docs/deployment.md).
"""
import functools
import os

from flask import current_app, has_app_context
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from redis import ConnectionPool
from sqlalchemy import event
from sqlalchemy.orm import Session

from moderation.extensions import db

# The Huey object tasks register on; its storage is chosen from the app's config by init_app.
huey = Huey("moderation", results=False, storage_class=MemoryStorage)
_apps = []  # the app that configured the queue: tasks run inside its context in the worker
PENDING = "moderation.worker.pending"


def init_app(app):
    """Point the queue at the app's storage: Redis (REDIS_URL), or the SQLite file TASK_QUEUE_SQLITE."""
    config = app.config
    config.setdefault("REDIS_URL", os.environ.get("REDIS_URL") or None)
    config.setdefault("TASK_QUEUE_SQLITE", os.environ.get("TASK_QUEUE_SQLITE")
                      or os.path.join(app.instance_path, "tasks.sqlite3"))
    config.setdefault("TASK_QUEUE_NAME", "moderation")
    huey.name = config["TASK_QUEUE_NAME"]
    if config["REDIS_URL"]:
        # A bounded connect so an unreachable Redis fails /readyz and enqueues quickly instead of hanging.
        pool = ConnectionPool.from_url(config["REDIS_URL"], socket_connect_timeout=3)
        huey.storage = RedisStorage(huey.name, connection_pool=pool)
    else:
        huey.storage = SqliteStorage(huey.name, filename=config["TASK_QUEUE_SQLITE"])
    huey.immediate = False
    _apps[:] = [app]
    from moderation.worker import tasks  # noqa: F401  (registers the tasks on the queue)


def queue_backend(app):
    """Where the queue lives, in words for logs and /readyz."""
    return "redis" if app.config.get("REDIS_URL") else f"sqlite:{app.config['TASK_QUEUE_SQLITE']}"


def _in_app(fn):
    """Run fn inside a fresh app context (its own database session), as the worker's threads need."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        app = current_app._get_current_object() if has_app_context() else _apps[0]
        with app.app_context():
            return fn(*args, **kwargs)

    return run


def task(**options):
    """Decorator: make fn a background task (options as huey's task(): retries, retry_delay, priority...)."""
    return lambda fn: huey.task(**options)(_in_app(fn))


def periodic(schedule, **options):
    """Decorator: run fn in the worker on a crontab schedule, e.g. periodic(crontab(minute="*/5"))."""
    return lambda fn: huey.periodic_task(schedule, **options)(_in_app(fn))


def enqueue(fn, *args, **kwargs):
    """Queue task fn(*args) for the worker when the current transaction commits (dropped if it rolls back).

    Operations flush and never commit, so a row a task reads is visible to the worker by the time it runs."""
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(PENDING, []).append((fn, args, kwargs))
    else:
        fn(*args, **kwargs)


@event.listens_for(Session, "after_commit")
def _send_pending(session):
    for fn, args, kwargs in session.info.pop(PENDING, []):
        fn(*args, **kwargs)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint inside it
        session.info.pop(PENDING, None)


__all__ = ["huey", "task", "periodic", "enqueue", "crontab", "init_app"]

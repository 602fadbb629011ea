"""Under pytest-xdist each worker gets a PostgreSQL database and a Redis db index of its own."""
import contextlib
import fcntl
import os

from sqlalchemy.engine import make_url

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"


def worker_number():
    """0 for gw0, 1 for gw1...; None when the tests run in one process (no xdist, or -p no:xdist, or -n 0)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") else None


def isolate_worker():
    """Point TEST_DATABASE_URL and TEST_REDIS_URL at this worker's own database and Redis index."""
    number = worker_number()
    if number is None or os.environ.get("TEST_ISOLATED_WORKER") == f"gw{number}":
        return  # one process, or done already (conftest is imported twice: by pytest and as tests.conftest)
    os.environ["TEST_ISOLATED_WORKER"] = f"gw{number}"
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        os.environ["TEST_DATABASE_URL"] = worker_database(os.environ["TEST_DATABASE_URL"], f"gw{number}")
    os.environ["TEST_REDIS_URL"] = worker_redis(os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS_URL, number)


def worker_database(base_url, suffix):
    """The URL of `<base database>_<suffix>` on the same server, created from the base URL if missing."""
    import psycopg
    from psycopg import sql

    base = make_url(base_url)
    url = base.set(database=f"{base.database}_{suffix}")
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone():
            try:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))
            except psycopg.errors.DuplicateDatabase:  # another run created it meanwhile
                pass
    return url.render_as_string(hide_password=False)


def worker_redis(base_url, number):
    """The base Redis URL with its db index moved up by the worker's number (gw0 keeps the base index)."""
    url = make_url(base_url)
    index = int(url.database or 0) + number
    if index > 15:
        raise RuntimeError(f"worker gw{number} would need Redis db {index}; Redis has 16 (0-15): "
                           "lower TEST_REDIS_URL's index or pass fewer workers (-n)")
    return url.set(database=str(index)).render_as_string(hide_password=False)


@contextlib.contextmanager
def shared_folder(tmp_path_factory, name):
    """A folder every worker of this run sees, held under an exclusive lock (one process's own folder without xdist).

    The workers' temp folders (popen-gwN) sit in one folder per run, which pytest removes like any old run's."""
    if worker_number() is None:
        yield tmp_path_factory.mktemp(name)
        return
    folder = tmp_path_factory.getbasetemp().parent / name
    folder.mkdir(exist_ok=True)
    with open(folder.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when the process dies
        yield folder

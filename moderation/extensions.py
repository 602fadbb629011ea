"""Flask extensions, created unbound and initialised in create_app."""
import sqlite3

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraints follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message_category = "info"
# Rate limits (Flask-Limiter): Redis storage when REDIS_URL is set, so every worker and host counts together.
# Headers off: the 429 handlers send Retry-After themselves, sparing every allowed request a storage round trip.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


@event.listens_for(Engine, "connect")
def _tune_sqlite(connection, _record):
    """SQLite in write-ahead-log mode: readers never wait for the writer, and a commit needs no fsync
    (synchronous=NORMAL: durable across a crash of the process; a power cut may lose the last commits)."""
    if isinstance(connection, sqlite3.Connection):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_write_lock_before_savepoint(connection, _name):
    """On SQLite a savepoint outside a transaction opens a deferred one: its reads take a snapshot, and its first
    write then fails at once with "database is locked" when another writer committed in between (waiting cannot
    help). Savepoints guard the create-on-first-use writes, so take the write lock first (BEGIN IMMEDIATE), which
    waits for the busy timeout like any other write; PostgreSQL needs nothing."""
    raw = connection.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")

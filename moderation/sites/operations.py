"""Changes to sites, their stories and their readers; these flush, and the caller commits."""
import hashlib
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from moderation.extensions import db
from moderation.models import Site, Story, User, utcnow
from moderation.operations import OperationError, record_audit, save_story
from moderation.webhooks.events import EVENT_TYPES
from moderation.webhooks.models import WebhookEndpoint

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")
# A site's token makes readers only: moderators here see every site's comments, so a site cannot mint them (an
# admin gives the role on the People page, and it is kept through later tokens).
SSO_ROLES = ("reader",)


def normal_origin(value):
    """"https://news.example" from an origin or URL (scheme, host and a port that is not the default), or None."""
    try:
        parts = urlsplit((value or "").strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port and port != default else "")


def parse_origins(text):
    """The origins an admin typed, one per line or separated by spaces or commas; refuses anything else."""
    origins = []
    for item in re.split(r"[\s,]+", text or ""):
        if not item:
            continue
        origin = normal_origin(item)
        if origin is None or origin.rstrip("/") != item.rstrip("/").lower():
            raise OperationError(f"{item[:80]!r} is not an origin: write it as https://news.example (no path).")
        if origin not in origins:
            origins.append(origin)
    if len(origins) > 20:
        raise OperationError("A site has at most 20 allowed origins.")
    return origins


def origin_allowed(site, origin):
    return normal_origin(origin) in (site.allowed_origins or [])


def find_site(slug):
    return db.session.scalar(select(Site).where(Site.slug == slug)) if isinstance(slug, str) else None


def save_site(admin, name, slug, origins_text, local_accounts=True, premoderate=False, rules_note="", site=None):
    """Register a site or change one; recorded in the audit log."""
    name, slug = (name or "").strip(), (slug or "").strip().lower()
    if not 1 <= len(name) <= 120:
        raise OperationError("A site needs a name of at most 120 characters.")
    if site is None:
        if not SLUG_RE.match(slug):
            raise OperationError("A site's id is 2-60 lowercase letters, digits and dashes.")
        if find_site(slug):
            raise OperationError(f"A site with the id {slug!r} already exists.")
        site = Site(slug=slug)
        db.session.add(site)
    before = {"name": site.name, "allowed_origins": site.allowed_origins, "local_accounts": site.local_accounts,
              "premoderate": site.premoderate}
    site.name, site.allowed_origins = name, parse_origins(origins_text)
    site.local_accounts, site.premoderate = bool(local_accounts), bool(premoderate)
    site.rules_note = (rules_note or "").strip()[:2000]
    db.session.flush()
    record_audit(admin, "site_save", "site", site.id, before if site.created_at else {},
                 {"name": name, "allowed_origins": site.allowed_origins, "local_accounts": site.local_accounts,
                  "premoderate": site.premoderate})
    return site


def rotate_sso_secret(site, admin):
    """A new SSO secret; the one before keeps verifying tokens until the next rotation. Returns the new one."""
    site.sso_previous_secret, site.sso_secret = site.sso_secret, secrets.token_urlsafe(32)
    record_audit(admin, "site_sso_secret", "site", site.id, {}, {"rotated": True})
    db.session.flush()
    return site.sso_secret


def all_sites():
    return db.session.scalars(select(Site).order_by(Site.is_default.desc(), Site.name)).all()


def story_for(site, story_id, url, title=None, summary=None, comments_open=None):
    """The site's story with this CMS id, created on first use; a new URL or title from the CMS replaces the old.

    The URL must be on one of the site's allowed origins (so nobody can attach stories of other sites to it)."""
    if site.allowed_origins and not origin_allowed(site, url):
        raise OperationError("The story's URL is not on one of the site's allowed origins.")
    story = db.session.scalar(select(Story).where(Story.site_id == site.id, Story.external_id == story_id))
    if story is None:
        try:
            with db.session.begin_nested():
                story = save_story(title or url, summary or "", url,
                                   True if comments_open is None else comments_open, site=site, external_id=story_id)
        except IntegrityError:  # the same story arrived twice at once: use the one that won
            story = db.session.scalar(select(Story).where(Story.site_id == site.id, Story.external_id == story_id))
        return story
    if url and story.url != url:
        story.url = url
    if title and story.title != title:
        story.title = title
    if summary is not None:
        story.summary = summary
    if comments_open is not None:
        story.comments_open = comments_open
    db.session.flush()
    return story


def site_reader(site, external_id, name, email=None, role=None):
    """The site's reader with this CMS user id, created on first sight; name, email and role follow the CMS.

    Their login email is a placeholder of this service (no password works for it): the CMS signs them in."""
    if role is not None and role not in SSO_ROLES:
        raise OperationError(f"A site can give its readers the role {' or '.join(SSO_ROLES)}, not {role[:20]!r}.")
    user = db.session.scalar(select(User).where(User.site_id == site.id, User.external_id == external_id))
    if user is None:
        digest = hashlib.sha256(f"{site.id}:{external_id}".encode()).hexdigest()[:24]
        user = User(email=f"sso-{digest}@{site.slug}.sso.invalid", password_hash="!sso", site_id=site.id,
                    external_id=external_id, display_name=name, role=role or "reader")
        user.new_session_token()
        try:
            with db.session.begin_nested():
                db.session.add(user)
        except IntegrityError:
            user = db.session.scalar(select(User).where(User.site_id == site.id, User.external_id == external_id))
    if name and user.display_name != name:
        user.display_name = name
    if email is not None:
        user.contact_email = email
    if role is not None and user.role != role and user.role in SSO_ROLES:
        user.role = role
    db.session.flush()
    return user


def add_endpoint(site, admin, url, event_types):
    """A webhook endpoint for the site with a fresh signing secret."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise OperationError("A webhook endpoint is an http or https URL of at most 500 characters.")
    unknown = set(event_types) - set(EVENT_TYPES)
    if unknown:
        raise OperationError(f"Unknown event type {sorted(unknown)[0][:40]!r}.")
    endpoint = WebhookEndpoint(site=site, url=url, events=sorted(event_types),
                               secret="whsec_" + secrets.token_urlsafe(24))
    db.session.add(endpoint)
    db.session.flush()
    record_audit(admin, "webhook_add", "site", site.id, {}, {"endpoint": endpoint.id, "url": url})
    return endpoint


def rotate_endpoint_secret(endpoint, admin, overlap_hours=24):
    """A new signing secret; deliveries are signed with both for `overlap_hours`, so receivers switch at leisure."""
    endpoint.previous_secret, endpoint.secret = endpoint.secret, "whsec_" + secrets.token_urlsafe(24)
    endpoint.previous_until = utcnow() + timedelta(hours=overlap_hours)
    record_audit(admin, "webhook_rotate", "site", endpoint.site_id, {}, {"endpoint": endpoint.id})
    db.session.flush()
    return endpoint.secret


def set_endpoint_active(endpoint, admin, active):
    endpoint.active = bool(active)
    record_audit(admin, "webhook_active", "site", endpoint.site_id, {}, {"endpoint": endpoint.id, "active": active})
    db.session.flush()

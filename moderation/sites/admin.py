"""The admins' Sites pages: register a site, its origins and settings, its SSO secret, its API keys, its webhook
endpoints and their delivery log with "send again"."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from moderation.api import keys
from moderation.auth import role_required
from moderation.extensions import db
from moderation.models import ApiKey, Site
from moderation.operations import OperationError, default_site
from moderation.sites import operations
from moderation.webhooks import delivery as webhook_delivery
from moderation.webhooks.events import EVENT_TYPES
from moderation.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

bp = Blueprint("sites", __name__, url_prefix="/admin/sites")
NO_STORE = {"Cache-Control": "no-store"}


def _site_or_404(site_id):
    return db.session.get(Site, site_id) or abort(404)


def _endpoint_or_404(site, endpoint_id):
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.site_id != site.id:
        abort(404)
    return endpoint


def _form_fields():
    form = request.form
    return dict(name=form.get("name", ""), origins_text=form.get("allowed_origins", ""),
                local_accounts=bool(form.get("local_accounts")), premoderate=bool(form.get("premoderate")),
                rules_note=form.get("rules_note", ""))


@bp.get("/")
@role_required("admin")
def index(status=200):
    default_site()
    db.session.commit()
    return render_template("sites/index.html", sites=operations.all_sites()), status


@bp.post("/")
@role_required("admin")
def create():
    try:
        site = operations.save_site(current_user, slug=request.form.get("slug", ""), **_form_fields())
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return index(status=400)
    db.session.commit()
    flash(f"Registered the site {site.name}. Give it an SSO secret and a key below.", "success")
    return redirect(url_for(".site", site_id=site.id))


def _site_page(site, status=200, **shown_once):
    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.site_id == site.id)
                                   .order_by(WebhookEndpoint.id)).all()
    deliveries = db.session.scalars(
        select(WebhookDelivery).join(WebhookEvent).where(WebhookEvent.site_id == site.id)
        .order_by(WebhookDelivery.id.desc()).limit(50)).all()
    site_keys = db.session.scalars(select(ApiKey).where(ApiKey.site_id == site.id).order_by(ApiKey.id.desc())).all()
    return render_template("sites/site.html", site=site, endpoints=endpoints, deliveries=deliveries,
                           site_keys=site_keys, event_types=EVENT_TYPES, base_url=request.host_url.rstrip("/"),
                           **shown_once), status, NO_STORE if shown_once else {}


@bp.get("/<int:site_id>")
@role_required("admin")
def site(site_id):
    return _site_page(_site_or_404(site_id))


@bp.post("/<int:site_id>")
@role_required("admin")
def update(site_id):
    site = _site_or_404(site_id)
    try:
        operations.save_site(current_user, slug=site.slug, site=site, **_form_fields())
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _site_page(site, 400)
    db.session.commit()
    flash("Saved the site.", "success")
    return redirect(url_for(".site", site_id=site.id))


@bp.post("/<int:site_id>/sso-secret")
@role_required("admin")
def rotate_sso(site_id):
    site = _site_or_404(site_id)
    secret = operations.rotate_sso_secret(site, current_user)
    db.session.commit()
    return _site_page(site, new_sso_secret=secret)


@bp.post("/<int:site_id>/keys")
@role_required("admin")
def create_key(site_id):
    site = _site_or_404(site_id)
    try:
        key, raw = keys.create_key(request.form.get("name", ""), current_user, request.form.get("rate_limit"),
                                   site=site, scope=request.form.get("scope", "submit"))
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _site_page(site, 400)
    db.session.commit()
    return _site_page(site, new_key=(key, raw))


@bp.post("/<int:site_id>/webhooks")
@role_required("admin")
def add_webhook(site_id):
    site = _site_or_404(site_id)
    try:
        endpoint = operations.add_endpoint(site, current_user, request.form.get("url", ""),
                                           request.form.getlist("events"))
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _site_page(site, 400)
    db.session.commit()
    return _site_page(site, new_webhook_secret=(endpoint, endpoint.secret))


@bp.post("/<int:site_id>/webhooks/<int:endpoint_id>/rotate")
@role_required("admin")
def rotate_webhook(site_id, endpoint_id):
    site = _site_or_404(site_id)
    endpoint = _endpoint_or_404(site, endpoint_id)
    secret = operations.rotate_endpoint_secret(endpoint, current_user)
    db.session.commit()
    return _site_page(site, new_webhook_secret=(endpoint, secret))


@bp.post("/<int:site_id>/webhooks/<int:endpoint_id>/active")
@role_required("admin")
def toggle_webhook(site_id, endpoint_id):
    site = _site_or_404(site_id)
    endpoint = _endpoint_or_404(site, endpoint_id)
    operations.set_endpoint_active(endpoint, current_user, request.form.get("active") == "1")
    db.session.commit()
    flash("Saved the endpoint.", "success")
    return redirect(url_for(".site", site_id=site.id))


def _delivery_or_404(site, delivery_id):
    found = db.session.get(WebhookDelivery, delivery_id)
    if found is None or found.event.site_id != site.id:
        abort(404)
    return found


@bp.get("/<int:site_id>/deliveries/<int:delivery_id>")
@role_required("admin")
def delivery(site_id, delivery_id):
    site = _site_or_404(site_id)
    found = _delivery_or_404(site, delivery_id)
    return render_template("sites/delivery.html", site=site, delivery=found,
                           body=webhook_delivery.body_of(found.event).decode())


@bp.post("/<int:site_id>/deliveries/<int:delivery_id>/resend")
@role_required("admin")
def resend(site_id, delivery_id):
    site = _site_or_404(site_id)
    found = webhook_delivery.send_again(_delivery_or_404(site, delivery_id))
    code = found.last_status_code if found else None
    flash(f"Sent again: the receiver answered {code}." if code else
          f"Sent again: it failed ({found.last_error if found else 'not sent'}).", "success" if code else "error")
    return redirect(url_for(".delivery", site_id=site.id, delivery_id=delivery_id))

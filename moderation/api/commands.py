"""`flask api-key create|list|revoke` and `flask coral-phase SECRET`."""
import click
from flask.cli import with_appcontext

from moderation.api import coral, keys, usage
from moderation.extensions import db
from moderation.operations import OperationError
from moderation.sites.operations import find_site, rotate_sso_secret, save_site
from moderation.webhooks import delivery


@click.group("api-key")
def api_key_group():
    """Create, list and revoke the API keys other systems call with."""


@api_key_group.command("create")
@with_appcontext
@click.argument("name")
@click.option("--rate-limit", help="e.g. 1200/minute (default: API_KEY_RATE_LIMIT).")
@click.option("--train-on-feedback", is_flag=True, help="Retraining uses the labels this key sends.")
@click.option("--site", "site_slug", help="The site whose stories and comments the REST API lets it reach.")
@click.option("--scope", type=click.Choice(keys.SCOPES), default="submit", show_default=True,
              help="moderate: the REST API also lets it approve and reject.")
def create(name, rate_limit, train_on_feedback, site_slug, scope):
    """Create a key and print it once, on a line of its own (only its hash is kept)."""
    site = find_site(site_slug) if site_slug else None
    if site_slug and site is None:
        raise click.ClickException(f"No site has the id {site_slug!r}.")
    try:
        _, raw = keys.create_key(name, None, rate_limit, train_on_feedback, site=site, scope=scope)
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created the API key {name!r}; it is shown only now:", err=True)
    click.echo(raw)


@api_key_group.command("list")
@with_appcontext
def list_keys():
    """Every key with its state, limit and calls in the last 30 days."""
    summaries = usage.key_summaries()
    for key in keys.all_keys():
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        calls = summaries.get(key.id, {}).get("calls", 0)
        click.echo(f"{key.name}\tmk_{key.prefix}_…\t{state}\t{key.rate_limit or 'default limit'}\t"
                   f"{calls} calls\t{'trains on feedback' if key.train_on_feedback else 'feedback not used'}")


@api_key_group.command("revoke")
@with_appcontext
@click.argument("name")
def revoke(name):
    """Revoke a key: every worker refuses it from its next call."""
    try:
        keys.revoke_key(keys.find_key(name))
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Revoked the API key {name!r}.")


@click.command("coral-phase")
@with_appcontext
@click.argument("secret")
def coral_phase(secret):
    """Set the signing secret of Coral's External Moderation Phase; print the URL to paste into Coral."""
    try:
        kept = coral.set_phase_secret(secret)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Saved; {len(kept)} secret(s) accepted (the one before stays valid until the next change).", err=True)
    click.echo(coral.phase_url())


@click.group("site")
def site_group():
    """Register the sites that embed the comments."""


@site_group.command("create")
@with_appcontext
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--origin", "origins", multiple=True, help="An allowed origin, e.g. https://news.example (repeat).")
@click.option("--sso/--no-sso", default=False, help="Make an SSO secret and print it once.")
def create_site(slug, name, origins, sso):
    """Register a site; with --sso, print its SSO secret on a line of its own."""
    try:
        site = save_site(None, name, slug, "\n".join(origins))
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    secret = rotate_sso_secret(site, None) if sso else None
    db.session.commit()
    click.echo(f"Registered the site {slug!r}.", err=True)
    if secret:
        click.echo(secret)


@click.command("webhooks")
@with_appcontext
@click.option("--loop", is_flag=True, help="Keep delivering, every --every seconds, until stopped.")
@click.option("--every", default=2.0, show_default=True)
def webhooks_command(loop, every):
    """Send the webhook deliveries that are due (each attempt logged; failures retried with backoff)."""
    import time

    while True:
        sent = delivery.deliver_due()
        if sent or not loop:
            click.echo(f"{sent} webhook deliveries attempted.", err=True)
        if not loop:
            return
        time.sleep(every)


COMMANDS = (api_key_group, coral_phase, site_group, webhooks_command)

"""`flask api-key create|list|revoke` and `flask coral-phase SECRET`."""
import click
from flask.cli import with_appcontext

from moderation.api import coral, keys, usage
from moderation.extensions import db
from moderation.operations import OperationError


@click.group("api-key")
def api_key_group():
    """Create, list and revoke the API keys other systems call with."""


@api_key_group.command("create")
@with_appcontext
@click.argument("name")
@click.option("--rate-limit", help="e.g. 1200/minute (default: API_KEY_RATE_LIMIT).")
@click.option("--train-on-feedback", is_flag=True, help="Retraining uses the labels this key sends.")
def create(name, rate_limit, train_on_feedback):
    """Create a key and print it once, on a line of its own (only its hash is kept)."""
    try:
        _, raw = keys.create_key(name, None, rate_limit, train_on_feedback)
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


COMMANDS = (api_key_group, coral_phase)

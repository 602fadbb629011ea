"""`flask` commands: create-user, train, promote, models, score, bootstrap."""
import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from classifiers import RULES, store, training
from moderation.extensions import db
from moderation.models import ROLES, ModelVersion, Story
from moderation.operations import (
    OperationError,
    active_version,
    create_user,
    next_version_name,
    promote_version,
    register_version,
    save_story,
    training_examples,
)
from moderation.pipeline import judge, load_bundle

DEMO_STORY = {
    "title": "City council votes to expand the riverside cycle lanes",
    "summary": (
        "After a heated three-hour meeting the council approved a plan to extend protected "
        "cycle lanes along the river by four kilometres, funded by a new parking levy. "
        "Shop owners on Mill Street say the loss of parking will hurt trade; cycling groups "
        "call it overdue."
    ),
    "url": "https://example.com/news/riverside-cycle-lanes",
}


def register(app):
    """Attach the commands to the app."""
    for command in (create_user_command, train_command, promote_command, models_command, score_command, bootstrap_command):
        app.cli.add_command(command)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="reader", show_default=True)
@click.option("--name", "display_name", help="Display name (defaults to the part before @).")
def create_user_command(email, role, display_name):
    """Create an account; the password is prompted for, or read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        raise click.ClickException("The password must be at least 8 characters long.")
    try:
        create_user(email, password, role=role, display_name=display_name)
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {role} {email.strip().lower()}.")


def _print_progress(stage, percent):
    click.echo(f"[{percent:3d}%] {stage}", err=True)


def train_version(limit=None):
    """Train on the shipped corpora plus moderators' decisions; save and register the version."""
    examples = training_examples()
    click.echo(f"Training on the corpora in {current_app.config['DATA_DIR']} "
               f"and {len(examples)} moderator decisions.", err=True)
    bundle = training.train(current_app.config["DATA_DIR"], examples, limit=limit, progress=_print_progress)
    name = next_version_name()
    metadata = store.save(bundle, current_app.config["MODELS_DIR"], name)
    version = register_version(name, metadata)
    db.session.commit()
    click.echo(f"Version {name} (sha256 {metadata['sha256'][:12]}...)")
    click.echo(training.format_metrics(metadata))
    return version


@click.command("train")
@with_appcontext
@click.option("--limit", type=int, help="Use at most this many rows per corpus file (quick trials).")
@click.option("--promote", is_flag=True, help="Activate the new version at once.")
def train_command(limit, promote):
    """Train and register a classifier version, printing its validation scores."""
    version = train_version(limit)
    if promote:
        promote_version(version.name)
        db.session.commit()
        click.echo(f"{version.name} is now active.")
    else:
        click.echo(f"Activate it with: flask --app wsgi promote {version.name}")


@click.command("promote")
@with_appcontext
@click.argument("name")
def promote_command(name):
    """Activate a classifier version (promoting an older one is a rollback)."""
    try:
        promote_version(name)
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{name} is now active.")


@click.command("models")
@with_appcontext
def models_command():
    """List the classifier versions and their figures, marking the active one."""
    for version in db.session.scalars(select(ModelVersion).order_by(ModelVersion.id)):
        metrics = version.card.get("metrics", {})
        figures = ", ".join(f"{key} {value:.3f}" for key, value in sorted(metrics.items()) if isinstance(value, float))
        click.echo(f"{'*' if version.active else ' '} {version.name}  {version.created_at:%Y-%m-%d %H:%M}  {figures}")


@click.command("score")
@with_appcontext
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
def score_command(source):
    """Score JSON lines {"id", "text"} with the active version; one JSON line out per line in."""
    version = active_version()
    if version is None:
        raise click.ClickException("No classifier version is active: run `flask --app wsgi train --promote`.")
    bundle = load_bundle(current_app.config["MODELS_DIR"], version.name)
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
        except (ValueError, KeyError, TypeError) as error:
            raise click.ClickException(f"line {number}: expected a JSON object with a text string ({error})")
        assessment, decision = judge(bundle, version.thresholds, text)
        click.echo(json.dumps({
            "id": item.get("id"),
            "decision": decision.outcome,
            "scores": {rule: round(float(assessment.scores[rule]), 6) for rule in RULES},
            "reasons": assessment.reasons,
            "language": assessment.language,
            "spans": [list(span) for span in assessment.spans],
        }, ensure_ascii=False))


@click.command("bootstrap")
@with_appcontext
def bootstrap_command():
    """First start: train and activate the base version if none is active; add the demo story."""
    if active_version() is None:
        click.echo("No classifier version is active: training the base version (about a minute).")
        version = train_version()
        promote_version(version.name)
        db.session.commit()
        click.echo(f"{version.name} is now active.")
    if db.session.scalar(select(Story.id).limit(1)) is None:
        story = save_story(**DEMO_STORY)
        db.session.commit()
        click.echo(f"Demo story at /stories/{story.slug}")

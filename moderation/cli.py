"""`flask` commands: create-user, train, promote, models, score, bootstrap, evaluate, sweep (and the API's, beside it)."""
import copy
import json
import math
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from classifiers import RULES, store, training
from classifiers.rules import profanity
from classifiers.evaluation.report import unmet
from moderation import jobs
from moderation.extensions import db
from moderation.forms import MAX_COMMENT_CHARS
from moderation.models import ROLES, ModelVersion, Story
from moderation.operations import (
    OperationError,
    active_version,
    create_user,
    profanity_setting,
    promote_version,
    set_setting,
    save_story,
    sweep_pending,
    training_examples,
)
from moderation.passwords import password_problem
from moderation.pipeline import PROFANITY_TEXT, judge, load_bundle

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
    from moderation.api.commands import COMMANDS
    from moderation.worker.consumer import worker_command

    for command in (create_user_command, train_command, run_job_command, promote_command, models_command,
                    score_command, bootstrap_command, evaluate_command, sweep_command, profanity_command, worker_command,
                    share_artifacts_command,
                    *COMMANDS):
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
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    try:
        create_user(email, password, role=role, display_name=display_name)
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {role} {email.strip().lower()}.")


MODEL_FIGURES = {"abuse_roc_auc": "abuse AUC", "personal_attack_roc_auc": "attack AUC", "english_kept": "English",
                 "foreign_caught": "foreign", "identity_flagged": "identity", "auto_decided": "automatic"}


def _print_progress(stage, percent):
    click.echo(f"[{percent:3d}%] {stage}", err=True)


def train_version(limit=None):
    """Train as a job in this process (the web's job path): corpora plus moderators' decisions."""
    try:
        job = jobs.create_training_job(limit=limit)
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Training on the corpora in {current_app.config['DATA_DIR']} "
               f"and {len(training_examples())} moderator decisions (the newest fifth held back).", err=True)
    job = jobs.run_job(job.id, echo=_print_progress)
    if job.status != "succeeded":
        raise click.ClickException(f"Training {job.status}: {job.error or job.stage}")
    version = db.session.scalar(select(ModelVersion).where(ModelVersion.name == job.result_version))
    click.echo(f"Version {version.name} (sha256 {version.sha256[:12]}...)")
    click.echo(training.format_metrics(version.card, profanity_setting()))
    return version


@click.command("run-job", hidden=True)
@with_appcontext
@click.argument("job_id", type=int)
def run_job_command(job_id):
    """Run a queued background job in this process (the worker runs them; this is for operators)."""
    try:
        job = jobs.run_job(job_id, echo=_print_progress)
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Job {job.id} {job.status}.")


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
    click.echo(f"  {'version':<12} {'created':<16} " + " ".join(f"{label:>9}" for label in MODEL_FIGURES.values())
               + "  below floor")
    for version in db.session.scalars(select(ModelVersion).order_by(ModelVersion.id)):
        metrics = version.card.get("metrics", {})
        figures = " ".join(f"{metrics[key]:>9.3f}" if isinstance(metrics.get(key), float) else f"{'-':>9}"
                           for key in MODEL_FIGURES)
        below = len(unmet(version.card)) if metrics else "-"
        click.echo(f"{'*' if version.active else ' '} {version.name:<12} {version.created_at:%Y-%m-%d %H:%M} {figures}"
                   f"  {below:>11}")
    click.echo("* = active; below floor: figures under their floor (flask --app wsgi evaluate VERSION names them)")


def _score_line(bundle, thresholds, number, raw, profanity="review"):
    """One input line's answer: the decision, or {"id", "error"} for a line that cannot be judged."""
    item = None
    try:
        line = raw.decode("utf-8")
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"expected a JSON object with a text string ({error})") from error
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError("expected a JSON object with a text string (text must be a string)")
        text = item["text"]
        if len(text) > MAX_COMMENT_CHARS:
            raise ValueError(f"text is {len(text):,} characters; a comment holds at most {MAX_COMMENT_CHARS:,}")
        text.encode("utf-8")  # a lone surrogate ("\ud800") is no text a reader could have typed
    except UnicodeError as error:
        return {"id": _id_of(item), "error": f"line {number}: not valid UTF-8 or Unicode ({error.reason})"}
    except RecursionError:
        return {"id": None, "error": f"line {number}: JSON nested too deeply"}
    except ValueError as error:
        return {"id": _id_of(item), "error": f"line {number}: {error}"}
    try:
        assessment, decision = judge(bundle, thresholds, text, profanity=profanity)
    except Exception as error:  # a classifier failure answers this line and leaves the others alone
        return {"id": _id_of(item), "error": f"line {number}: the classifiers failed ({type(error).__name__})"}
    return {
        "id": _id_of(item),
        "decision": decision.outcome,
        "scores": {rule: _finite(assessment.scores[rule]) for rule in RULES},
        "reasons": assessment.reasons,
        "language": assessment.language,
        "spans": [list(span) for span in assessment.spans],
    }


def _id_of(item):
    return item.get("id") if isinstance(item, dict) else None


def _finite(score):
    """A score rounded for output; a NaN or infinite one is null (decide() has sent such a text to review)."""
    score = float(score)
    return round(score, 6) if math.isfinite(score) else None


def _dumps(answer):
    """A JSON line; ids with lone surrogates are written as \\u escapes so the line can be encoded."""
    try:
        return json.dumps(answer, ensure_ascii=False, allow_nan=False).encode("utf-8").decode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(answer, ensure_ascii=True, allow_nan=False)
    except RecursionError:
        return json.dumps({"id": None, "error": answer.get("error", "id nested too deeply")})


@click.command("score")
@with_appcontext
@click.argument("source", type=click.File("rb"), default="-")
def score_command(source):
    """Score JSON lines {"id", "text"} with the active version; one JSON line out per line in.

    A line that is not UTF-8, not a JSON object with a text string, nested too deeply, or whose text is longer than
    a comment may be, gets {"id", "error"} in its place; the other lines are still scored, and the command exits
    with status 1."""
    version = active_version()
    if version is None:
        raise click.ClickException("No classifier version is active: run `flask --app wsgi train --promote`.")
    bundle = load_bundle(current_app.config["MODELS_DIR"], version)
    failed, profanity = 0, profanity_setting()
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        answer = _score_line(bundle, version.thresholds, number, raw, profanity)
        if "error" in answer:
            failed += 1
            click.echo(f"Error: {answer['error']}", err=True)
        click.echo(_dumps(answer))
    if failed:
        raise click.exceptions.Exit(1)


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


@click.command("evaluate")
@with_appcontext
@click.argument("name", required=False)
def evaluate_command(name):
    """Print every classifier figure for the active or a named version, and store them on its model card."""
    version = (db.session.scalar(select(ModelVersion).where(ModelVersion.name == name)) if name
               else active_version())
    if version is None:
        raise click.ClickException(f"No version named {name!r}." if name else "No classifier version is active.")
    try:
        bundle = load_bundle(current_app.config["MODELS_DIR"], version)
    except store.ArtifactError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Evaluating {version.name} on its held-out splits and the written validation sets...", err=True)
    card = dict(version.card or {})
    bundle = copy.copy(bundle)
    bundle.thresholds = version.thresholds  # the thresholds the app decides with
    metrics = training.evaluate_version(bundle, current_app.config["DATA_DIR"], card.get("limit"), card.get("seed", 0),
                                        stored_as=(current_app.config["MODELS_DIR"], version.name))
    changes = {"metrics": metrics}
    store.update_card(current_app.config["MODELS_DIR"], version.name, changes)
    version.card = {**card, **changes}
    db.session.commit()
    click.echo(f"Version {version.name}")
    click.echo(training.format_metrics(version.card, profanity_setting()))


@click.command("profanity")
@with_appcontext
@click.argument("setting", required=False, type=click.Choice(profanity.SETTINGS))
def profanity_command(setting):
    """Show or set the house rule for profanity that attacks nobody: allow, review (the default) or reject."""
    if setting:
        set_setting("profanity", setting, None)
        db.session.commit()
    click.echo(f"{profanity_setting()}: {PROFANITY_TEXT[profanity_setting()]}")


@click.command("share-artifacts")
@with_appcontext
def share_artifacts_command():
    """Store in the database the verified artifacts of versions trained here before they were shared, so every
    host can fetch them (versions trained now are shared as they are registered)."""
    from moderation.versions import share_local_artifacts

    shared = share_local_artifacts(current_app.config["MODELS_DIR"])
    db.session.commit()
    click.echo(f"Shared {', '.join(shared) if shared else 'nothing (every local version is shared already)'}.")


@click.command("sweep")
@with_appcontext
@click.option("--older-than", type=click.IntRange(min=0), default=60, show_default=True, help="Seconds pending.")
def sweep_command(older_than):
    """Send comments pending longer than a minute (their decision was lost) to review; run at start and from cron."""
    swept = sweep_pending(older_than)
    db.session.commit()
    click.echo(f"{swept} pending comment{'s' if swept != 1 else ''} sent to review.")

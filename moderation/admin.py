"""Admin pages: stories, and the classifier versions with their model cards."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from moderation.auth import role_required
from moderation.extensions import db
from moderation.forms import StoryForm
from moderation.models import ModelVersion, Story
from moderation.operations import save_story

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@role_required("admin")
def dashboard():
    stories = db.session.scalars(select(Story).order_by(Story.created_at.desc())).all()
    versions = db.session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())).all()
    return render_template("admin/dashboard.html", stories=stories, versions=versions)


@bp.route("/stories/new", methods=["GET", "POST"])
@role_required("admin")
def new_story():
    form = StoryForm()
    if form.validate_on_submit():
        story = save_story(form.title.data, form.summary.data, form.url.data, form.comments_open.data)
        db.session.commit()
        flash("Story created.", "success")
        return redirect(url_for("comments.story", slug=story.slug))
    return render_template("admin/story_form.html", form=form, story=None)


@bp.route("/stories/<int:story_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_story(story_id):
    story = db.session.get(Story, story_id) or abort(404)
    form = StoryForm(obj=story)
    if form.validate_on_submit():
        save_story(form.title.data, form.summary.data, form.url.data, form.comments_open.data, story)
        db.session.commit()
        flash("Story saved.", "success")
        return redirect(url_for("comments.story", slug=story.slug))
    return render_template("admin/story_form.html", form=form, story=story)

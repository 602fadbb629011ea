"""Model artifacts shared through the database: a host lacking a version's file fetches it, checks its sha256
against the one recorded at registration, and only then judges with it."""
import hashlib
import os

import pytest
from sqlalchemy import select, update

from moderation import create_app, jobs, pipeline, versions
from moderation.extensions import db
from moderation.models import Comment, ModelArtifact, ModelVersion
from moderation.operations import promote_version
from tests.conftest import TEST_VERSION
from tests.model_helpers import copy_version, decide_comments, isolated_app

CIVIL = "The council should publish the full cost of the cycle lanes before the next vote."


@pytest.fixture
def host_a(trained_instance, tmp_path):
    """The first host: its instance folder holds the test version, which it shares through the database."""
    yield from isolated_app(trained_instance, tmp_path / "a")


def second_host(host_a, tmp_path):
    """Another host on the same database with an empty instance folder of its own."""
    config = {key: host_a.config[key] for key in ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY")}
    return create_app({**config, "TASK_QUEUE_SQLITE": str(tmp_path / "b-tasks.sqlite3")},
                      instance_path=str(tmp_path / "b" / "instance"))


def share(app, name):
    with app.app_context():
        sha256 = db.session.scalar(select(ModelVersion.sha256).where(ModelVersion.name == name))
        versions.share_artifact(app.config["MODELS_DIR"], name, sha256)
        db.session.commit()


def judged_by(app, text):
    """Post a comment on this host and let the rules judge it: (status, verdict version, verdict error)."""
    decide_comments(app, [(text, None, None)])
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.text == text))
        return comment.verdict.decision, comment.verdict.model_version, comment.verdict.error


def test_a_host_without_the_file_fetches_it_verifies_it_and_judges_with_it(host_a, tmp_path):
    copy_version(host_a, "v2")
    share(host_a, "v2")
    with host_a.app_context():
        promote_version("v2")
        db.session.commit()
        stored = db.session.scalar(select(ModelArtifact).where(ModelArtifact.name == "v2"))
        local = open(os.path.join(host_a.config["MODELS_DIR"], "v2.joblib"), "rb").read()
        assert (stored.size, stored.sha256) == (len(local), hashlib.sha256(local).hexdigest())
    host_b = second_host(host_a, tmp_path)
    fetched = os.path.join(host_b.config["MODELS_DIR"], "v2.joblib")
    assert not os.path.exists(fetched)
    with host_b.app_context():  # the admin pages on B do not call it missing: it will be fetched
        version = db.session.scalar(select(ModelVersion).where(ModelVersion.name == "v2"))
        assert versions.artifact_problem(host_b.config["MODELS_DIR"], version) is None
    assert judged_by(host_b, CIVIL)[1:] == ("v2", None)
    assert open(fetched, "rb").read() == local


def test_a_database_copy_that_does_not_match_is_refused_and_the_comment_waits_for_a_person(host_a, tmp_path):
    copy_version(host_a, "v2")
    share(host_a, "v2")
    with host_a.app_context():
        tampered = b"not the artifact that was trained"
        db.session.execute(update(ModelArtifact).where(ModelArtifact.name == "v2").values(content=tampered))
        promote_version("v2")
        db.session.commit()
    host_b = second_host(host_a, tmp_path)
    decision, version, error = judged_by(host_b, CIVIL)
    assert (decision, version) == ("review", "v2") and "does not match the sha256" in error
    assert not os.path.exists(os.path.join(host_b.config["MODELS_DIR"], "v2.joblib"))
    with host_b.app_context():
        version = db.session.scalar(select(ModelVersion).where(ModelVersion.name == "v2"))
        assert "does not match" in versions.artifact_problem(host_b.config["MODELS_DIR"], version, fetch=True)


def test_a_damaged_local_copy_is_replaced_by_the_verified_database_copy(host_a):
    share(host_a, TEST_VERSION)
    path = os.path.join(host_a.config["MODELS_DIR"], f"{TEST_VERSION}.joblib")
    original = open(path, "rb").read()
    with open(path, "r+b") as handle:
        handle.seek(len(original) // 2)
        handle.write(b"\0" * 64)
    pipeline._loaded.clear()  # a process that has not loaded it yet
    assert judged_by(host_a, CIVIL)[1:] == (TEST_VERSION, None)
    assert open(path, "rb").read() == original


def test_promoting_on_a_host_without_the_file_checks_the_fetched_copy(host_a, tmp_path):
    copy_version(host_a, "v2")
    share(host_a, "v2")
    host_b = second_host(host_a, tmp_path)
    with host_b.app_context():
        version = db.session.scalar(select(ModelVersion).where(ModelVersion.name == "v2"))
        assert versions.artifact_problem(host_b.config["MODELS_DIR"], version, fetch=True) is None
    assert os.path.isfile(os.path.join(host_b.config["MODELS_DIR"], "v2.joblib"))
    assert os.path.isfile(os.path.join(host_b.config["MODELS_DIR"], "v2.json"))


def test_a_version_promoted_on_one_host_judges_the_next_comment_on_another(host_a, tmp_path):
    copy_version(host_a, "v2")
    share(host_a, "v2")
    host_b = second_host(host_a, tmp_path)
    assert judged_by(host_b, CIVIL)[1] == TEST_VERSION  # B has loaded the old version and keeps it in memory
    with host_a.app_context():
        promote_version("v2")
        db.session.commit()
    assert judged_by(host_b, CIVIL + " Again.")[1] == "v2"


def test_training_shares_the_new_version_and_old_versions_are_shared_by_a_command(host_a):
    with host_a.app_context():
        job = jobs.run_job(jobs.create_training_job(limit=300).id)
        assert job.status == "succeeded", job.error
        shared = db.session.scalar(select(ModelArtifact).where(ModelArtifact.name == job.result_version))
        version = db.session.scalar(select(ModelVersion).where(ModelVersion.name == job.result_version))
        assert shared.sha256 == version.sha256 == hashlib.sha256(shared.content).hexdigest()
        assert db.session.scalar(select(ModelArtifact).where(ModelArtifact.name == TEST_VERSION)) is None
    runner = host_a.test_cli_runner()
    assert f"Shared {TEST_VERSION}." in runner.invoke(args=["share-artifacts"]).output
    assert "Shared nothing" in runner.invoke(args=["share-artifacts"]).output
    with host_a.app_context():
        assert db.session.scalar(select(ModelArtifact.sha256).where(ModelArtifact.name == TEST_VERSION))

"""Versioned artifacts: name.joblib plus name.json (metadata and sha256), loaded only from models_dir."""
import hashlib
import json
import pickle
import re
from pathlib import Path

import joblib

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class ArtifactError(Exception):
    """A model artifact is missing, refused or does not match its recorded checksum."""


def artifact_paths(models_dir, name):
    """(name.joblib, name.json) inside models_dir; refuses names that could leave it."""
    if not isinstance(name, str) or not NAME_RE.match(name) or ".." in name:
        raise ArtifactError(f"Refusing model name {name!r}: use letters, digits, '.', '_' or '-' only")
    root = Path(models_dir).resolve()
    model, card = root / f"{name}.joblib", root / f"{name}.json"
    if model.parent != root or card.parent != root:
        raise ArtifactError(f"Model {name!r} would lie outside {root}")
    return model, card


def sha256_of(path):
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(bundle, models_dir, name):
    """Write models_dir/name.joblib and name.json; return the metadata written."""
    model, card = artifact_paths(models_dir, name)
    model.parent.mkdir(parents=True, exist_ok=True)
    # Pickled to bytes first: joblib unpickles a bundle's large dicts with Python's pure-Python unpickler (3 s
    # to load a full version), while the bytes load with the C one (0.3 s).
    joblib.dump(pickle.dumps(bundle, protocol=pickle.HIGHEST_PROTOCOL), model, compress=3)
    metadata = {**bundle.metadata, "name": name, "sha256": sha256_of(model)}
    card.write_text(json.dumps(metadata, indent=2, sort_keys=True), encoding="utf-8")
    return metadata


def load(models_dir, name, expected_sha256=None):
    """Load a bundle from models_dir after checking its sha256 against the JSON card.

    expected_sha256: the checksum recorded when the version was registered, checked as well."""
    model, card = artifact_paths(models_dir, name)
    if not model.is_file() or not card.is_file():
        raise ArtifactError(f"Model {name!r} not found in {model.parent}")
    try:
        expected = json.loads(card.read_text(encoding="utf-8"))["sha256"]
    except (ValueError, KeyError) as error:
        raise ArtifactError(f"Model card for {name!r} is unreadable: {error}") from error
    if expected_sha256 and expected_sha256 != expected:
        raise ArtifactError(f"Model card for {name!r} does not match the sha256 recorded at registration")
    if sha256_of(model) != expected:
        raise ArtifactError(f"Model {name!r} does not match its recorded sha256; refusing to load it")
    loaded = joblib.load(model)
    return pickle.loads(loaded) if isinstance(loaded, bytes) else loaded  # versions saved before: the bundle


def update_card(models_dir, name, changes):
    """Merge changes into name.json (the sha256 is of the .joblib, so it stays valid); return the card."""
    _, card = artifact_paths(models_dir, name)
    if not card.is_file():
        raise ArtifactError(f"Model card for {name!r} not found in {card.parent}")
    metadata = {**json.loads(card.read_text(encoding="utf-8")), **changes}
    card.write_text(json.dumps(metadata, indent=2, sort_keys=True), encoding="utf-8")
    return metadata

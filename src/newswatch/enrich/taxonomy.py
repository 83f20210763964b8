"""The topic taxonomy: labels with descriptions and examples, read from a YAML file.

The shipped file is ``enrich/topics.yaml`` (CPEC focus areas and Semetko & Valkenburg's
generic news frames); ``NEWSWATCH_TOPICS`` points at a user's own file. Every problem in
the file is a ``ConfigError`` that names the file and the label at fault. A taxonomy's
``digest`` (a hash of the file's bytes) goes into the ``topics`` stage's version, so an
edit re-runs the stage.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from newswatch.config import Settings
from newswatch.errors import ConfigError

SHIPPED_FILE = Path(__file__).with_name("topics.yaml")
KINDS = ("focus area", "frame")
DEFAULT_CALIBRATION = {"threshold": 0.225, "margin": 0.05}
"""Used for a kind the file does not calibrate."""

_LABEL_KEYS = {"name", "kind", "description", "examples"}


@dataclass(frozen=True)
class TopicLabel:
    name: str
    kind: str
    description: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Calibration:
    """A label is assigned to a sentence whose similarity to it reaches ``threshold``
    and lies within ``margin`` of the sentence's best label of the same kind."""

    threshold: float
    margin: float


@dataclass(frozen=True)
class Taxonomy:
    path: Path
    digest: str
    labels: tuple[TopicLabel, ...]
    calibration: dict[str, Calibration]

    @property
    def names(self) -> list[str]:
        return [label.name for label in self.labels]

    def find(self, name: str) -> TopicLabel:
        """The label a user means: exact name, or the one whose name contains ``name``."""
        wanted = name.casefold().strip()
        matches = [x for x in self.labels if x.name.casefold() == wanted] or [
            x for x in self.labels if wanted in x.name.casefold()
        ]
        if len(matches) != 1:
            raise ConfigError(
                f"topic {name!r} is {'ambiguous' if matches else 'unknown'}; "
                f"topics in {self.path} are: {', '.join(self.names)}"
            )
        return matches[0]


def configured_path() -> Path:
    """``NEWSWATCH_TOPICS`` when set, else the shipped taxonomy."""
    configured = Settings().topics
    return Path(configured).expanduser() if configured else SHIPPED_FILE


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy at ``path`` (default: the configured one), re-read when the file changes."""
    path = (path or configured_path()).resolve()
    try:
        stat = path.stat()
    except OSError as err:
        raise ConfigError(
            f"topic taxonomy {path} cannot be read ({err.strerror}); "
            "set NEWSWATCH_TOPICS to an existing YAML file"
        ) from err
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@cache
def _parse(path: Path, _mtime: int, _size: int) -> Taxonomy:
    raw = path.read_bytes()
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as err:
        raise ConfigError(f"topic taxonomy {path} is not valid YAML: {err}") from err
    if not isinstance(document, dict) or not isinstance(document.get("labels"), list):
        raise ConfigError(
            f"topic taxonomy {path} must be a mapping with a `labels:` list "
            "(see the shipped enrich/topics.yaml)"
        )
    labels = tuple(_label(path, number, entry) for number, entry in
                   enumerate(document["labels"], 1))  # fmt: skip
    if not labels:
        raise ConfigError(f"topic taxonomy {path} has no labels")
    seen: set[str] = set()
    for label in labels:
        if label.name.casefold() in seen:
            raise ConfigError(f"topic taxonomy {path}: label {label.name!r} is defined twice")
        seen.add(label.name.casefold())
    return Taxonomy(
        path=path,
        digest=hashlib.sha256(raw).hexdigest()[:8],
        labels=labels,
        calibration=_calibration(path, document.get("calibration") or {}),
    )


def _label(path: Path, number: int, entry: Any) -> TopicLabel:
    where = f"topic taxonomy {path}: label {number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a mapping with name, kind, description, examples")
    if isinstance(entry.get("name"), str) and entry["name"].strip():
        where += f" ({entry['name']!r})"
    unknown = set(entry) - _LABEL_KEYS
    if unknown:
        raise ConfigError(
            f"{where} has unknown keys {sorted(unknown)}; expected {sorted(_LABEL_KEYS)}"
        )
    for key in ("name", "kind", "description"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ConfigError(f"{where} needs a non-empty `{key}:`")
    if entry["kind"] not in KINDS:
        raise ConfigError(f"{where}: kind {entry['kind']!r} is not one of {', '.join(KINDS)}")
    examples = entry.get("examples") or []
    if not isinstance(examples, list) or not all(
        isinstance(e, str) and e.strip() for e in examples
    ):
        raise ConfigError(f"{where}: `examples:` must be a list of sentences")
    return TopicLabel(
        name=entry["name"].strip(),
        kind=entry["kind"],
        description=entry["description"].strip(),
        examples=tuple(e.strip() for e in examples),
    )


def _calibration(path: Path, section: Any) -> dict[str, Calibration]:
    if (
        not isinstance(section, dict)
        or set(section) - set(KINDS)
        or not all(isinstance(v, dict | None) for v in section.values())
    ):
        raise ConfigError(
            f"topic taxonomy {path}: `calibration:` must map kinds ({', '.join(KINDS)}) "
            "to {threshold: NUMBER, margin: NUMBER}"
        )
    found = {}
    for kind in KINDS:
        values = {**DEFAULT_CALIBRATION, **(section.get(kind) or {})}
        for key in ("threshold", "margin"):
            value = values.get(key)
            if not isinstance(value, int | float) or not -1.0 <= value <= 2.0:
                raise ConfigError(
                    f"topic taxonomy {path}: calibration of {kind!r}: {key} must be a "
                    f"number (a cosine similarity between -1 and 1), not {value!r}"
                )
        found[kind] = Calibration(float(values["threshold"]), float(values["margin"]))
    return found

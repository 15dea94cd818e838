"""Label spaces of the benchmarks, with their official index orders.

Every taxonomy maps its own class names onto *canonical emotion names*
(``neutral, anger, contempt, disgust, fear, happiness, sadness, surprise, other``),
so that geometries, action-unit prototypes and cross-dataset mappings are
written once.

Sources:

- Aff-Wild2 / ABAW3+ EXPR: 0 Neutral, 1 Anger, 2 Disgust, 3 Fear, 4 Happiness,
  5 Sadness, 6 Surprise, 7 Other (Kollias, ABAW3 CVPR 2022).
- AffectNet: 0 Neutral, 1 Happy, 2 Sad, 3 Surprise, 4 Fear, 5 Disgust, 6 Anger,
  7 Contempt (Mollahosseini et al. 2017); the 7-class variant drops Contempt.
- RAF-DB: 1 Surprise, 2 Fear, 3 Disgust, 4 Happiness, 5 Sadness, 6 Anger,
  7 Neutral (1-based; Li et al. 2017).
- FER2013: 0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral
  (Goodfellow et al., ICONIP 2013; the Kaggle challenge's ``fer2013.csv``).
- FER+: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt
  (Barsoum et al., ICMI 2016; the vote columns of ``fer2013new.csv`` without unknown
  and NF).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .errors import ConfigError

__all__ = [
    "CANONICAL_EMOTIONS",
    "Taxonomy",
    "TAXONOMIES",
    "get_taxonomy",
    "infer_taxonomy",
    "canonical_name",
]

CANONICAL_EMOTIONS = (
    "neutral", "anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise", "other",
)

# Synonyms seen in datasets and their copies, lower-cased.
_SYNONYMS = {
    "neutral": "neutral",
    "anger": "anger", "angry": "anger",
    "contempt": "contempt",
    "disgust": "disgust", "disgusted": "disgust",
    "fear": "fear", "afraid": "fear", "fearful": "fear", "scared": "fear",
    "happiness": "happiness", "happy": "happiness", "joy": "happiness",
    "sadness": "sadness", "sad": "sadness",
    "surprise": "surprise", "surprised": "surprise",
    "other": "other",
}


def canonical_name(name: str) -> str:
    """Return the canonical emotion name for a class name (case-insensitive).

    Raises
    ------
    ConfigError
        If the name is not a known emotion or synonym.
    """
    key = str(name).strip().lower()
    if key not in _SYNONYMS:
        raise ConfigError(
            f"unknown emotion name {name!r}; known names: {sorted(set(_SYNONYMS))}."
        )
    return _SYNONYMS[key]


@dataclass(frozen=True)
class Taxonomy:
    """An ordered label space.

    Attributes
    ----------
    name : str
        Identifier used on the command line (``affwild2-expr8``).
    classes : tuple of str
        Class names in official index order (position = class index - ``index_base``).
    index_base : int
        Index of the first class in the dataset's own files (1 for RAF-DB, else 0).
    source : str
        Where the order comes from.
    """

    name: str
    classes: tuple[str, ...]
    index_base: int = 0
    source: str = ""

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def canonical(self) -> tuple[str, ...]:
        """Canonical emotion name of every class, in index order."""
        return tuple(canonical_name(c) for c in self.classes)

    def index(self, name: str) -> int:
        """0-based position of a class given by its own or canonical name."""
        key = str(name).strip().lower()
        for i, c in enumerate(self.classes):
            if c.lower() == key:
                return i
        try:
            canon = canonical_name(name)
        except ConfigError:
            canon = None
        if canon is not None and canon in self.canonical:
            return self.canonical.index(canon)
        raise ConfigError(
            f"class {name!r} is not in taxonomy '{self.name}' ({', '.join(self.classes)})."
        )


TAXONOMIES: dict[str, Taxonomy] = {
    t.name: t
    for t in (
        Taxonomy(
            "affwild2-expr8",
            ("Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise", "Other"),
            source="ABAW3+ EXPR challenge (Kollias 2022), classes 0-7",
        ),
        Taxonomy(
            "affwild2-expr7",
            ("Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise"),
            source="ABAW 2020 / ABAW2 EXPR challenge, classes 0-6 (no Other)",
        ),
        Taxonomy(
            "affectnet8",
            ("Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger", "Contempt"),
            source="AffectNet official order (Mollahosseini et al. 2017), classes 0-7",
        ),
        Taxonomy(
            "affectnet7",
            ("Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger"),
            source="AffectNet official order without Contempt",
        ),
        Taxonomy(
            "rafdb7",
            ("Surprise", "Fear", "Disgust", "Happiness", "Sadness", "Anger", "Neutral"),
            index_base=1,
            source="RAF-DB basic emotions (Li et al. 2017), classes 1-7",
        ),
        Taxonomy(
            "fer2013-7",
            ("Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"),
            source="FER2013 (Goodfellow et al. 2013), classes 0-6",
        ),
        Taxonomy(
            "ferplus8",
            ("Neutral", "Happiness", "Surprise", "Sadness", "Anger", "Disgust", "Fear", "Contempt"),
            source="FER+ vote columns (Barsoum et al. 2016) without unknown and NF",
        ),
    )
}


def get_taxonomy(name: "str | Taxonomy") -> Taxonomy:
    """Look up a built-in taxonomy by name, or build one from a comma-separated class list.

    ``"Anger,Fear,Happy"`` gives a custom taxonomy with those classes in that order
    (0-based indices). A :class:`Taxonomy` passes through.
    """
    if isinstance(name, Taxonomy):
        return name
    if isinstance(name, str) and "," in name:
        parts = [c.strip() for c in name.split(",")]
        classes = tuple(c for c in parts if c)
        if len(classes) < 2 or "" in parts[:-1]:
            raise ConfigError(f"`taxonomy` class list must name at least two classes, separated by "
                              f"single commas; got {name!r}.")
        canon = [canonical_name(c) for c in classes]
        if len(set(canon)) != len(canon):
            raise ConfigError(f"`taxonomy` lists the same emotion twice: {name!r}.")
        return Taxonomy("custom", classes, source="class list given by the user")
    if name not in TAXONOMIES:
        raise ConfigError(
            f"`taxonomy` must be one of {sorted(TAXONOMIES)} or a comma-separated class list; "
            f"got {name!r}."
        )
    return TAXONOMIES[name]


def infer_taxonomy(class_names: Iterable[str]) -> Taxonomy:
    """Find the built-in taxonomy whose classes, *in this order*, are ``class_names``.

    Names are compared case-insensitively on their canonical emotion. When the
    same set of classes appears in another order (an alphabetical copy of
    AffectNet, say), a custom taxonomy with the given order is returned: the
    order in the file is what the file's indices mean.

    Raises
    ------
    ConfigError
        If a name is not a known emotion.
    """
    names = tuple(str(c) for c in class_names)
    canon = tuple(canonical_name(c) for c in names)
    for tax in TAXONOMIES.values():
        if tax.canonical == canon:
            return tax
    if len(set(canon)) != len(canon):
        raise ConfigError(f"class names map to the same emotion twice: {names}.")
    return Taxonomy("custom", names, source="inferred from the file's probability columns")

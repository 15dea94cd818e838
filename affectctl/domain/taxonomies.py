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

from affectctl.errors import ConfigError

__all__ = [
    "CANONICAL_EMOTIONS",
    "Taxonomy",
    "TAXONOMIES",
    "get_taxonomy",
    "infer_taxonomy",
    "identify_taxonomy",
    "AmbiguousTaxonomyError",
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


class AmbiguousTaxonomyError(ConfigError):
    """Class names that fit several built-in taxonomies and identify none."""


def _generic_order(canon: tuple) -> bool:
    """Alphabetical, or alphabetical with Neutral first or last: an order any tool may write
    (Aff-Wild2's 7 classes are Neutral then alphabetical), so it identifies no dataset."""
    rest = [c for c in canon if c != "neutral"]
    alpha = sorted(rest)
    return list(canon) in (sorted(canon), ["neutral"] + alpha, alpha + ["neutral"])


def identify_taxonomy(class_names: Iterable[str], *, ordered: bool) -> "tuple[Taxonomy, str]":
    """The one built-in taxonomy that class names identify, and why (one line).

    A built-in taxonomy *fits* when it has every named class (by canonical emotion).
    It is identified when it is the only fit (Aff-Wild2's Other: ``affwild2-expr8``),
    or the only fit spelling every name as written, case aside (Contempt with Happy,
    Sad: ``affectnet8``; with Happiness, Sadness: ``ferplus8``; Angry: ``fer2013-7``),
    or, for names in a file order (``ordered``: ``p_<Class>`` columns, a header), the
    only fit listing them in that order, unless the order is a generic one
    (alphabetical, Neutral first or last then alphabetical) that any tool may write
    (RAF-DB's Surprise, Fear, ... Neutral: ``rafdb7``). For ordered names the fit must
    have exactly these classes.

    Raises
    ------
    AmbiguousTaxonomyError
        Several fit and none is identified: the message lists them and ``--taxonomy``.
    ConfigError
        A name is not a known emotion, two names are one emotion, or none fits.
    """
    names = tuple(str(c).strip() for c in class_names)
    canon = tuple(canonical_name(c) for c in names)
    if len(set(canon)) != len(canon):
        raise ConfigError(f"class names map to the same emotion twice: {names}.")
    want = set(canon)
    fits = [t for t in TAXONOMIES.values()
            if (set(t.canonical) == want if ordered else want <= set(t.canonical))]
    if not fits:
        raise ConfigError(f"no built-in taxonomy has the classes {', '.join(names)}; pass --taxonomy "
                          "with a class list ('ClassA,ClassB,...').")
    lower = {n.lower() for n in names}
    spelled = [t for t in fits if lower <= {c.lower() for c in t.classes}]
    if len(fits) == 1:
        t = fits[0]
        return t, f"taxonomy {t.name}: the only built-in label space with the classes {', '.join(names)}"
    if len(spelled) == 1:
        t = spelled[0]
        return t, (f"taxonomy {t.name}: of {', '.join(f.name for f in fits)}, the only one spelling "
                   f"the classes {', '.join(names)}")
    if ordered and not _generic_order(canon):
        same = [t for t in fits if t.canonical == canon]
        if len(same) == 1:
            return same[0], f"taxonomy {same[0].name}: its own class order {', '.join(names)}"
    raise AmbiguousTaxonomyError(
        f"the class names {', '.join(names)} fit several taxonomies ({', '.join(t.name for t in fits)}) "
        "and identify none; pass --taxonomy NAME.")


def infer_taxonomy(class_names: Iterable[str], *, ambiguous: str = "raise") -> Taxonomy:
    """Find the built-in taxonomy whose classes, *in this order*, are ``class_names``.

    Names are compared case-insensitively on their canonical emotion. When the
    same set of classes appears in another order (an alphabetical copy of
    AffectNet, say), a custom taxonomy with the given order is returned: the
    order in the file is what the file's indices mean. A built-in's order is used
    only when the names identify it (:func:`identify_taxonomy`): Aff-Wild2's 7
    classes in their order (Neutral, then alphabetical) are what any 7-class tool
    writes, and fit AffectNet, RAF-DB and FER2013 as well, so they raise
    :class:`AmbiguousTaxonomyError` (``ambiguous="custom"``: a custom taxonomy in the
    file's order instead, for predictions whose taxonomy the truth decides).

    Raises
    ------
    ConfigError
        If a name is not a known emotion.
    """
    names = tuple(str(c) for c in class_names)
    canon = tuple(canonical_name(c) for c in names)
    if len(set(canon)) != len(canon):
        raise ConfigError(f"class names map to the same emotion twice: {names}.")
    for tax in TAXONOMIES.values():
        if tax.canonical == canon:
            if ambiguous == "custom":
                break
            return identify_taxonomy(names, ordered=True)[0]
    return Taxonomy("custom", names, source="inferred from the file's probability columns")

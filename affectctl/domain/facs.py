"""Facial Action Coding System facts shared by the simulated data and the AU-augmented cost."""

from __future__ import annotations

__all__ = ["EMFACS_PROTOTYPES"]

#: EMFACS prototypes of the basic emotions as sets of FACS action units
#: (Ekman, Friesen & Hager 2002, *Facial Action Coding System: Investigator's Guide*).
#: Contempt is R12+R14 (unilateral); laterality is dropped here. Neutral has no AU;
#: Other has no prototype (absent from the mapping).
EMFACS_PROTOTYPES: dict[str, frozenset] = {
    "neutral": frozenset(),
    "anger": frozenset({4, 5, 7, 23}),
    "fear": frozenset({1, 2, 4, 5, 7, 20, 26}),
    "sadness": frozenset({1, 4, 15}),
    "happiness": frozenset({6, 12}),
    "surprise": frozenset({1, 2, 5, 26}),
    "disgust": frozenset({9, 15, 16}),
    "contempt": frozenset({12, 14}),
}

"""Domain facts: label spaces (:mod:`.taxonomies`), valence-arousal geometries and error
costs (:mod:`.geometries`), FACS action units (:mod:`.facs`)."""

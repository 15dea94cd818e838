"""How a report shows the geometry sensitivity of a comparison: marks and a footnote.

The sensitivity itself is computed by :mod:`affectctl.controls.geometry_sensitivity` and
travels in ``ComparisonResult.geometry_sensitivity``; this module only reads it.
"""

from __future__ import annotations

from affectctl.controls.geometry_sensitivity import MARK

__all__ = ["MARK", "geometry_marks", "table_footnote"]


def geometry_marks(result) -> set:
    """``{(a, b, metric, test)}`` of the comparisons whose conclusion depends on the geometry."""
    sens = getattr(result, "geometry_sensitivity", None)
    if sens is None:
        return set()
    ch = sens.changed
    ch = ch[ch["kind"] == "test"]
    return {(r.a, r.b, r.metric, r.test) for r in ch.itertuples(index=False)}


def table_footnote(result) -> "str | None":
    """The footnote line of a comparison table about the geometry and its sensitivity."""
    sens = getattr(result, "geometry_sensitivity", None)
    if sens is None:
        return None
    others = [g for g in sens.geometries if g != sens.default]
    if not len(sens.changed):
        return (f"Geometry {sens.default} ({sens.reason}); no conclusion changes under "
                f"{', '.join(others) or 'any other geometry'} (geometry_sensitivity.csv).")
    return (f"Geometry {sens.default} ({sens.reason}). {MARK} depends on the geometry: "
            f"see geometry_sensitivity.csv ({len(set(sens.changed['what']))} conclusion(s) "
            f"change under {', '.join(sorted(set(sens.changed['geometry'])))}).")

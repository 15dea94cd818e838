"""The registry of file formats affectctl reads, their detection, and paired reading.

Each format is a :class:`Format`: a name for ``--format``, whether it is truth (a
dataset's annotation file) or predictions (a tool's output), how it is recognised
from its header, the taxonomy it maps to, and its reader. :func:`read_paired` reads a
prediction file and a truth file in any of these formats and pairs them
(:func:`affectctl.io.pairing.pair`). ``affectctl formats`` prints :data:`INPUT_FORMATS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from affectctl.errors import ConfigError, DumpFormatError
import affectctl.io.formats.abaw as abaw
import affectctl.io.formats.affectnet as affectnet
import affectctl.io.formats.deepface as deepface
import affectctl.io.formats.dumptruth as dumptruth
import affectctl.io.formats.emotiefflib as emotiefflib
import affectctl.io.formats.fer as fer
import affectctl.io.formats.generic as generic
import affectctl.io.formats.libreface as libreface
import affectctl.io.formats.openface as openface
import affectctl.io.formats.pyfeat as pyfeat
import affectctl.io.formats.rafdb as rafdb
from affectctl.io.pairing import pair
from affectctl.io.schema import Dump

__all__ = ["split_format_names", "Format", "INPUT_FORMATS", "TRUTH_FORMATS", "PREDICTION_FORMATS", "get_format", "detect_truth",
           "detect_predictions", "read_truth", "read_tool", "read_paired"]


@dataclass(frozen=True)
class Format:
    """One readable file format.

    Attributes
    ----------
    name : str
        Value of ``--format``.
    kind : {"truth", "predictions"}
    title : str
        What the file is.
    detected_by : str
        What in the file identifies it (empty: only by ``--format``).
    taxonomy : str
        The label space it maps to.
    module : str
        The reader's module (its docstring cites the format's source).
    detect : callable or None
    read : callable
    """

    name: str
    kind: str
    title: str
    detected_by: str
    taxonomy: str
    module: str
    detect: "Callable | None"
    read: Callable


INPUT_FORMATS: tuple[Format, ...] = (
    Format("affectnet", "truth", "AffectNet training.csv / validation.csv",
           "subDirectory_filePath and expression columns", "affectnet8 (affectnet7 with --taxonomy)",
           "affectctl.io.formats.affectnet", affectnet.is_affectnet, affectnet.read_affectnet),
    Format("rafdb", "truth", "RAF-DB basic list_patition_label.txt",
           "lines '<train_|test_>NNNN.jpg <1-7>'", "rafdb7 (1-based)",
           "affectctl.io.formats.rafdb", rafdb.is_rafdb, rafdb.read_rafdb),
    Format("fer2013", "truth", "FER2013 fer2013.csv", "emotion, pixels[, Usage] columns", "fer2013-7",
           "affectctl.io.formats.fer", fer.is_fer2013, fer.read_fer2013),
    Format("ferplus", "truth", "FERPlus fer2013new.csv or the repository's label.csv (majority vote; "
           "votes as soft truth)", "Image name and the 10 vote columns; label.csv: no header, rows "
           "'name,\"(x, y, w, h)\",10 votes'", "ferplus8", "affectctl.io.formats.fer", fer.is_ferplus,
           fer.read_ferplus),
    Format("abaw", "truth", "Aff-Wild2/ABAW annotation folder (AU_Set, VA_Set, EXPR_Set) or one of its files",
           "<video>.txt files whose first line is 'AU1,AU2,...', 'valence,arousal' or the class names",
           "affwild2-expr8 (AUs, VA); the header's classes (EXPR)", "affectctl.io.formats.abaw",
           abaw.is_abaw_annotations, abaw.read_abaw_truth),
    Format("truth-table", "truth", "dump-format truth (sample_id, y_true / v_true,a_true / au<N>_true)",
           "sample_id and *_true columns only (CSV or Parquet)",
           "--taxonomy, the file's metadata, or the predictions' p_<Class> columns",
           "affectctl.io.formats.dumptruth", dumptruth.is_truth_table, dumptruth.read_truth_table),
    Format("openface", "predictions", "OpenFace 2.x FeatureExtraction CSV, or a folder of them (one per video)",
           "frame, success and AUxx_c/AUxx_r columns (blanks allowed)", "AUs (AUxx_c occurrence)",
           "affectctl.io.formats.openface", openface.is_openface, openface.read_openface),
    Format("pyfeat", "predictions", "py-feat Fex CSV (0.x/1.x Detector or 2.x Detectorv2)",
           "FaceRectX with anger..neutral / AUxx columns (0.x/1.x); with valence,arousal or mesh_x_ "
           "columns (2.x)", "7 classes by name (anger ... neutral; 2.x Neutral ... Anger) + AUs "
           "(2.x also valence/arousal)", "affectctl.io.formats.pyfeat", pyfeat.is_pyfeat,
           pyfeat.read_pyfeat),
    Format("libreface", "predictions", "LibreFace CSV output", "facial_expression or au_N_intensity columns",
           "8 AffectNet-order names + AUs (au_N)", "affectctl.io.formats.libreface", libreface.is_libreface,
           libreface.read_libreface),
    Format("emotiefflib", "predictions", "EmotiEffLib / HSEmotion scores",
           "columns Anger, Contempt, ..., Surprise in the library's alphabetical order",
           "7/8 classes, alphabetical (Anger=0, Contempt=1, ...)", "affectctl.io.formats.emotiefflib",
           emotiefflib.is_emotiefflib, emotiefflib.read_emotiefflib),
    Format("deepface", "predictions", "deepface DeepFace.analyze JSON", ".json with dominant_emotion",
           "7 classes by name (angry ... neutral), percent", "affectctl.io.formats.deepface", deepface.is_deepface,
           deepface.read_deepface),
    Format("dump-predictions", "predictions", "prediction-only dump (no y_true)",
           "sample_id with y_pred or p_<Class>, no y_true (CSV or Parquet)", "p_ columns or the truth's taxonomy",
           "affectctl.io.formats.generic", generic.is_prediction_dump, generic.read_dump_predictions),
    Format("generic", "predictions", "any CSV through --map 'col=Class,...' --id COLUMN", "",
           "the classes named in --map", "affectctl.io.formats.generic", None, generic.read_mapped),
)

TRUTH_FORMATS = tuple(f for f in INPUT_FORMATS if f.kind == "truth")
PREDICTION_FORMATS = tuple(f for f in INPUT_FORMATS if f.kind == "predictions")


def get_format(name: str, kind: str) -> Format:
    """The format called ``name`` of ``kind``; :class:`ConfigError` naming the choices."""
    for f in INPUT_FORMATS:
        if f.name == name and f.kind == kind:
            return f
    names = [f.name for f in INPUT_FORMATS if f.kind == kind]
    option = "--format" if kind == "predictions" else "--truth-format"
    raise ConfigError(f"`{option}` must be one of {names}; got {name!r}.")


def split_format_names(names) -> tuple:
    """``--format`` values (repeatable) → ``(prediction format, truth format)``.

    Each name is looked up among both kinds, so ``--format openface --format affectnet``
    names the prediction file's format and the truth file's.
    """
    fmt = truth = None
    for name in names or ():
        f = next((x for x in INPUT_FORMATS if x.name == name), None)
        if f is None:
            raise ConfigError(f"`--format` must be one of {[x.name for x in INPUT_FORMATS]}; got {name!r}.")
        if f.kind == "truth":
            if truth is not None:
                raise ConfigError(f"`--format` names two truth formats ({truth!r}, {name!r}).")
            truth = name
        else:
            if fmt is not None:
                raise ConfigError(f"`--format` names two prediction formats ({fmt!r}, {name!r}).")
            fmt = name
    return fmt, truth


def _detect(path: Path, formats) -> "Format | None":
    if not Path(path).exists():
        return None
    for f in formats:
        if f.detect is not None and f.detect(Path(path)):
            return f
    return None


def detect_truth(path) -> "Format | None":
    """The truth format recognised from the file's header, or None."""
    return _detect(path, TRUTH_FORMATS)


def detect_predictions(path) -> "Format | None":
    """The tool format recognised from the file's header, or None."""
    return _detect(path, PREDICTION_FORMATS)


def read_truth(path, *, truth_format=None, taxonomy=None, predictions=None):
    """Read a truth file in a named or detected format (:class:`~affectctl.io.pairing.Truth`).

    ``predictions`` (a prediction file) lends a dump-format truth table the taxonomy of
    its numeric ``y_true`` when neither ``taxonomy`` nor the table's metadata names one.
    """
    f = get_format(truth_format, "truth") if truth_format else detect_truth(path)
    if f is None:
        if Path(path).is_dir():
            raise DumpFormatError("is a folder but not an ABAW annotation folder (no <video>.txt file "
                                  "whose first line is 'AU1,AU2,...', 'valence,arousal' or the class "
                                  "names); see `affectctl formats`.", file=path)
        raise DumpFormatError("is not a truth format affectctl recognises (see `affectctl formats`).",
                              file=path)
    if f.name == "truth-table" and taxonomy is None and predictions is not None:
        taxonomy = prediction_taxonomy(predictions)
    return f.read(Path(path), taxonomy=taxonomy)


def prediction_taxonomy(path) -> "object | None":
    """The taxonomy a prediction-only dump declares: its metadata, else its ``p_<Class>``
    columns (None for other files, or when they name none)."""
    from affectctl.io.dumps import read_metadata
    from affectctl.io.formats.dumptruth import file_taxonomy, table_fields

    path = Path(path)
    if not path.is_file() or not generic.is_prediction_dump(path):
        return None
    tax = file_taxonomy(read_metadata(path), path)
    if tax is not None:
        return tax
    pcols = [c[2:] for c in table_fields(path) if c.startswith("p_")]
    if not pcols:
        return None
    from affectctl.domain.taxonomies import infer_taxonomy

    try:
        return infer_taxonomy(pcols)
    except ConfigError:       # unknown names, or names that fit several taxonomies: none lent
        return None


def read_tool(path, *, fmt=None, mapping=None, id_column=None, taxonomy=None):
    """Read predictions in a named or detected format (:class:`~affectctl.io.pairing.Predictions`)."""
    if mapping is not None and fmt in (None, "generic"):
        return generic.read_mapped(Path(path), mapping=mapping, id_column=id_column)
    f = get_format(fmt, "predictions") if fmt else detect_predictions(path)
    if f is None:
        raise DumpFormatError(_unknown_predictions(Path(path)), file=path)
    if f.name == "generic":
        raise ConfigError("`--format generic` needs `--map 'column=Class,...'`.")
    return f.read(Path(path), id_column=id_column, taxonomy=taxonomy)


def _is_full_dump(path: Path) -> bool:
    """Whether ``path`` is a dump with its own labels (``sample_id`` and ``y_true`` columns)."""
    from affectctl.io.formats.dumptruth import table_fields

    h = table_fields(path) if path.is_file() else []
    return "sample_id" in h and "y_true" in h


def _unknown_predictions(path: Path) -> str:
    if _is_full_dump(path):
        return ("has its own y_true column, so it is a full dump, yet --truth is given; drop --truth "
                "(or the y_true column).")
    return ("is not a prediction format affectctl recognises (see `affectctl formats`); for another "
            "CSV pass --map 'column=Class,...' --id COLUMN.")


def refuse_full_dump(path, *, fmt=None, mapping=None) -> None:
    """A dump with its own ``y_true`` given with ``--truth`` is an error naming the column
    (checked before the truth file is read, so it is the error the user sees)."""
    if fmt is None and mapping is None and _is_full_dump(Path(path)):
        raise DumpFormatError(_unknown_predictions(Path(path)), file=path, column="y_true")


def read_paired(path, truth, *, fmt=None, truth_format=None, mapping=None, id_column=None,
                taxonomy=None, strict: bool = False) -> Dump:
    """Read predictions and truth in any registered formats and pair them into a :class:`Dump`.

    This is the one join of predictions with a truth file: every prediction format
    (a prediction-only dump, each tool's output, a ``--map`` CSV) with every truth
    format (a dump-format truth table, AffectNet, RAF-DB, FER2013, FERPlus, an ABAW
    annotation folder), through :func:`affectctl.io.pairing.pair` and
    :func:`affectctl.io.sample_ids.join_ids`.

    Parameters
    ----------
    path : prediction file
    truth : truth file, ABAW annotation folder, or an already read
        :class:`~affectctl.io.pairing.Truth` (``compare`` reads it once for every seed file)
    fmt, truth_format : str, optional
        Format names (:data:`INPUT_FORMATS`); detected from the headers when omitted.
    mapping : str or dict, optional
        ``--map`` for a generic CSV.
    id_column : str, optional
        ``--id``: the prediction file's image-id column.
    taxonomy : str, optional
        The truth's protocol (``affectnet7``) or label space.
    strict : bool
        Truth rows without a prediction are an error.
    """
    from affectctl.io.pairing import Truth

    refuse_full_dump(path, fmt=fmt, mapping=mapping)
    t = truth if isinstance(truth, Truth) else read_truth(
        truth, truth_format=truth_format, taxonomy=taxonomy, predictions=path)
    p = read_tool(path, fmt=fmt, mapping=mapping, id_column=id_column, taxonomy=t.taxonomy)
    return pair(p, t, strict=strict)

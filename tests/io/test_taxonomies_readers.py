"""Taxonomies, their official orders, inference, and the ABAW readers."""

from __future__ import annotations

import numpy as np
import pytest
from _synth import synthetic_frame
from sklearn import metrics as skm

from affectctl.io.dumps import dump_from_frame, read_dump, write_dump
from affectctl.errors import ConfigError, DumpFormatError
from affectctl.metrics.compute import compute_metrics
from affectctl.io.formats.abaw import read_abaw_folders, read_abaw_mtl
from affectctl.io.formats.read import read_predictions
from affectctl.io.schema import ABAW_AUS
from affectctl.domain.taxonomies import TAXONOMIES, get_taxonomy, infer_taxonomy


def test_official_orders():
    assert TAXONOMIES["affwild2-expr8"].classes == (
        "Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise", "Other")
    assert TAXONOMIES["affectnet8"].classes == (
        "Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger", "Contempt")
    assert TAXONOMIES["affectnet7"].classes == TAXONOMIES["affectnet8"].classes[:7]
    assert TAXONOMIES["rafdb7"].index_base == 1 and TAXONOMIES["rafdb7"].classes[0] == "Surprise"
    assert TAXONOMIES["fer2013-7"].classes[0] == "Angry"
    assert TAXONOMIES["ferplus8"].classes[-1] == "Contempt"


def test_infer_taxonomy_keeps_file_order_for_alphabetical_copies():
    alpha = ["Anger", "Contempt", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise"]
    tax = infer_taxonomy(alpha)
    assert tax.name == "custom" and tax.classes == tuple(alpha)
    assert infer_taxonomy(TAXONOMIES["affectnet8"].classes).name == "affectnet8"
    # synonyms: FER2013 names inferred as fer2013-7
    assert infer_taxonomy(["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]).name == "fer2013-7"


def test_class_list_taxonomy_and_errors():
    assert get_taxonomy("Anger,Fear,Happy").classes == ("Anger", "Fear", "Happy")
    with pytest.raises(ConfigError, match="same emotion twice"):
        get_taxonomy("Anger,Angry")
    with pytest.raises(ConfigError, match="unknown emotion"):
        get_taxonomy("Anger,Grumpy")


def test_rafdb_one_based_indices_and_names_roundtrip(tmp_path):
    f = synthetic_frame(n=100, taxonomy="rafdb7", seed=1, va=False, au=False)
    assert f.y_true.min() >= 1
    d = dump_from_frame(f, taxonomy="rafdb7")
    assert d.y_true.min() == 0 and d.y_true.max() <= 6
    names = f.assign(y_true=[d.taxonomy.classes[i] for i in d.y_true])
    assert np.array_equal(dump_from_frame(names, taxonomy="rafdb7").y_true, d.y_true)
    out = write_dump(d, tmp_path / "r.parquet")
    back = read_dump(out)
    assert back.taxonomy.name == "rafdb7" and np.array_equal(back.y_true, d.y_true)
    assert np.allclose(back.proba, d.proba)


def test_write_dump_is_atomic_and_csv_metadata_sidecar(tmp_path):
    d = dump_from_frame(synthetic_frame(n=30, seed=2))
    write_dump(d, tmp_path / "x.csv", metadata={"seed": 3})
    assert read_dump(tmp_path / "x.csv").metadata["seed"] == 3
    assert not list(tmp_path.glob("*.tmp"))

    class Boom(RuntimeError):
        pass

    def explode(_):
        raise Boom

    from affectctl.io.dumps import atomic_write

    with pytest.raises(Boom):
        atomic_write(tmp_path / "y.parquet", explode)
    assert not (tmp_path / "y.parquet").exists() and not list(tmp_path.glob(".y.parquet*"))


def _write_abaw(folder, header, rows):
    folder.mkdir(parents=True, exist_ok=True)
    return header, rows


def test_abaw_expr_va_au_folders(tmp_path):
    rng = np.random.default_rng(0)
    classes = "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other"
    for task in ("expr", "va", "au"):
        (tmp_path / task / "ann").mkdir(parents=True)
        (tmp_path / task / "pred").mkdir(parents=True)
    truth_e, pred_e, truth_v, pred_v = [], [], [], []
    for vid in ("video1", "video2"):
        n = 40
        te = rng.integers(-1, 8, n)
        pe = rng.integers(0, 8, n)
        (tmp_path / "expr/ann" / f"{vid}.txt").write_text(classes + "\n" + "\n".join(map(str, te)) + "\n")
        (tmp_path / "expr/pred" / f"{vid}.txt").write_text(classes + "\n" + "\n".join(map(str, pe)) + "\n")
        truth_e.append(te), pred_e.append(pe)
        tv = np.round(rng.uniform(-1, 1, (n, 2)), 3)
        tv[:3] = -5
        pv = np.round(rng.uniform(-1, 1, (n, 2)), 3)
        (tmp_path / "va/ann" / f"{vid}.txt").write_text(
            "valence,arousal\n" + "\n".join(f"{a},{b}" for a, b in tv))
        (tmp_path / "va/pred" / f"{vid}.txt").write_text(
            "valence,arousal\n" + "\n".join(f"{a},{b}" for a, b in pv))
        truth_v.append(tv), pred_v.append(pv)
        ta = rng.integers(-1, 2, (n, 12))
        pa = rng.integers(0, 2, (n, 12))
        hdr = ",".join(ABAW_AUS)
        (tmp_path / "au/ann" / f"{vid}.txt").write_text(hdr + "\n" + "\n".join(",".join(map(str, r)) for r in ta))
        (tmp_path / "au/pred" / f"{vid}.txt").write_text(hdr + "\n" + "\n".join(",".join(map(str, r)) for r in pa))
    d = read_predictions(tmp_path / "expr/pred", annotations=tmp_path / "expr/ann")
    te, pe = np.concatenate(truth_e), np.concatenate(pred_e)
    keep = te >= 0
    m = compute_metrics(d)
    assert d.exclusions["expr"] == (~keep).sum()
    assert m["expr_macro_f1"] == pytest.approx(skm.f1_score(te[keep], pe[keep], average="macro",
                                                            labels=range(8)), abs=1e-12)
    assert d.sample_id[0] == "video1/00001" and d.group[-1] == "video2"
    dv = read_abaw_folders(tmp_path / "va/pred", tmp_path / "va/ann")
    tv, pv = np.concatenate(truth_v), np.concatenate(pred_v)
    ok = tv[:, 0] != -5
    ref = 2 * np.cov(tv[ok, 0], pv[ok, 0], bias=True)[0, 1] / (
        tv[ok, 0].var() + pv[ok, 0].var() + (tv[ok, 0].mean() - pv[ok, 0].mean()) ** 2)
    assert compute_metrics(dv)["va_ccc_valence"] == pytest.approx(ref, abs=1e-12)
    assert dv.exclusions["valence"] == 6
    da = read_abaw_folders(tmp_path / "au/pred", tmp_path / "au/ann")
    assert "abaw3_au_score" in compute_metrics(da)
    # a prediction file with a missing frame
    p = tmp_path / "expr/pred/video2.txt"
    p.write_text("\n".join(p.read_text().splitlines()[:-1]))
    with pytest.raises(DumpFormatError, match="frames"):
        read_abaw_folders(tmp_path / "expr/pred", tmp_path / "expr/ann")


def test_abaw_mtl_file(tmp_path):
    rng = np.random.default_rng(1)
    n = 60
    images = [f"{'a' if i < 30 else 'b'}/{i:05d}.jpg" for i in range(n)]

    def body(v, a, e, aus):
        return "\n".join(f"{im},{x:.3f},{y:.3f},{z}," + ",".join(map(str, u))
                         for im, x, y, z, u in zip(images, v, a, e, aus))

    tv, ta = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    tv[0] = ta[0] = -5
    te = rng.integers(-1, 8, n)
    tau = rng.integers(0, 2, (n, 12))
    (tmp_path / "truth.txt").write_text("image,valence,arousal,expression,aus\n" + body(tv, ta, te, tau))
    order = rng.permutation(n)  # predictions in another order: paired by image name
    pv, pa, pe, pau = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n), rng.integers(0, 8, n), rng.integers(0, 2, (n, 12))
    lines = body(pv, pa, pe, pau).splitlines()
    (tmp_path / "pred.txt").write_text("image,valence,arousal,expression,aus\n" + "\n".join(lines[i] for i in order))
    d = read_abaw_mtl(tmp_path / "pred.txt", tmp_path / "truth.txt")
    m = compute_metrics(d)
    keep = te >= 0
    assert m["expr_macro_f1"] == pytest.approx(
        skm.f1_score(te[keep], pe[keep], average="macro", labels=range(8)), abs=1e-12)
    assert "abaw_mtl_score" in m and d.exclusions["valence"] == 1
    (tmp_path / "short.txt").write_text("image,valence,arousal,expression,aus\na/1.jpg,0.1,0.2,3\n")
    with pytest.raises(DumpFormatError, match="line 2"):
        read_abaw_mtl(tmp_path / "short.txt", tmp_path / "truth.txt")


def _abaw_va_au(tmp_path, rng, n=12):
    for task in ("va", "au"):
        for side in ("ann", "pred"):
            (tmp_path / task / side).mkdir(parents=True, exist_ok=True)
    for vid in ("vidA", "vidB"):
        for side in ("ann", "pred"):
            va = rng.uniform(-1, 1, (n, 2))
            (tmp_path / "va" / side / f"{vid}.txt").write_text(
                "valence,arousal\n" + "\n".join(f"{a:.3f},{b:.3f}" for a, b in va) + "\n")
            au = rng.integers(0, 2, (n, 12))
            (tmp_path / "au" / side / f"{vid}.txt").write_text(
                ",".join(ABAW_AUS) + "\n" + "\n".join(",".join(map(str, r)) for r in au) + "\n")


def _corrupt_line(path, line, text):
    lines = path.read_text().splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("task", "side", "line", "text", "field"), [
    ("va", "ann", 5, "1.7,0.2", "valence"),
    ("va", "pred", 9, "0.1,-1.4", "arousal"),
    ("au", "ann", 6, "2,0,0,0,0,0,0,0,0,0,0,0", "AU1"),
    ("au", "pred", 3, "0,0,0,0,0,0,0,0,0,0,0,-3", "AU26"),
])
def test_abaw_folder_errors_name_the_txt_file_and_its_line(tmp_path, task, side, line, text, field):
    _abaw_va_au(tmp_path, np.random.default_rng(0))
    bad = tmp_path / task / side / "vidB.txt"
    _corrupt_line(bad, line, text)
    with pytest.raises(DumpFormatError) as err:
        read_abaw_folders(tmp_path / task / "pred", tmp_path / task / "ann")
    assert err.value.file == str(bad) and err.value.row == line and err.value.column == field


def test_va_and_au_folders_have_no_expression_task_and_their_own_official_score(tmp_path):
    _abaw_va_au(tmp_path, np.random.default_rng(1))
    dv = read_abaw_folders(tmp_path / "va/pred", tmp_path / "va/ann")
    da = read_abaw_folders(tmp_path / "au/pred", tmp_path / "au/ann")
    assert "expr" not in dv.exclusions and "expr" not in da.exclusions
    mv, ma = compute_metrics(dv), compute_metrics(da)
    assert "expr_macro_f1" not in mv and mv["official_score"] == mv["va_ccc_mean"]
    assert ma["official_score"] == ma["abaw3_au_score"]


def test_abaw_mtl_errors_name_the_annotation_file_and_the_true_line(tmp_path):
    header = "image,valence,arousal,expression,aus\n"
    rows = [f"v/{i:05d}.jpg,0.1,0.2,{i % 8}," + ",".join(["0"] * 12) for i in range(10)]
    (tmp_path / "pred.txt").write_text(header + "\n".join(rows) + "\n")
    bad = rows.copy()
    bad[6] = bad[6].replace(",0.1,0.2,6,", ",0.1,0.2,9,")
    (tmp_path / "ann.txt").write_text(header + "\n".join(bad[:3]) + "\n\n" + "\n".join(bad[3:]) + "\n")
    with pytest.raises(DumpFormatError) as err:  # blank line 5 shifts row 6 to line 9
        read_abaw_mtl(tmp_path / "pred.txt", tmp_path / "ann.txt")
    assert (err.value.file, err.value.row, err.value.column) == (str(tmp_path / "ann.txt"), 9, "expression")
    (tmp_path / "dup.txt").write_text(header + "\n".join(rows + rows[:1]) + "\n")
    with pytest.raises(DumpFormatError, match="duplicate image") as err:
        read_abaw_mtl(tmp_path / "pred.txt", tmp_path / "dup.txt")
    assert err.value.file == str(tmp_path / "dup.txt") and err.value.row == 12
    rng = np.random.default_rng(2)
    varied = [f"v/{i:05d}.jpg,{rng.uniform(-1, 1):.3f},{rng.uniform(-1, 1):.3f},{i % 8},"
              + ",".join(map(str, rng.integers(0, 2, 12))) for i in range(40)]
    (tmp_path / "varied.txt").write_text(header + "\n".join(varied) + "\n")
    d = read_abaw_mtl(tmp_path / "varied.txt", tmp_path / "varied.txt")
    m = compute_metrics(d)
    assert m["official_score"] == m["abaw_mtl_score"] == pytest.approx(
        m["abaw3_va_score"] + m["abaw3_expr_score"] + m["abaw3_au_score"])


def test_official_score_id_follows_the_file():
    from affectctl.metrics.compute import official_score_id

    d = dump_from_frame(synthetic_frame(n=40, seed=3), metadata={"format": "abaw-au-folders"})
    assert official_score_id(d) == "abaw3_au_score"
    assert official_score_id(d, {"abaw2020_au_score"}) == "abaw2020_au_score"
    assert official_score_id(dump_from_frame(synthetic_frame(n=40, seed=3))) == "abaw3_expr_score"
    from affectctl.io.formats.abaw import _abaw_field

    assert [_abaw_field(c) for c in ("au20_pred", "v_true", "y_pred", "sample_id")] == [
        "AU20", "valence", "expression", "sample_id"]

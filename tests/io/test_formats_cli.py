"""``affectctl formats`` lists every registered format with its taxonomy."""

import json

from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.io.formats import INPUT_FORMATS


def test_formats_lists_every_format():
    res = CliRunner().invoke(app, ["formats", "--json"])
    assert res.exit_code == 0
    listed = json.loads(res.stdout)
    assert [f["name"] for f in listed] == [f.name for f in INPUT_FORMATS]
    assert {"affectnet", "rafdb", "fer2013", "ferplus", "openface", "pyfeat", "libreface", "emotiefflib",
            "deepface", "generic"} <= {f["name"] for f in listed}
    text = CliRunner().invoke(app, ["formats"], env={"COLUMNS": "80"})
    assert text.exit_code == 0
    assert "fer2013-7" in text.stdout and "emotiefflib" in text.stdout and "…" not in text.stdout

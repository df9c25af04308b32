"""The HTML report as a reviewer sees it: rendered by real headless Chromium (Debian's package),
scripts on, no network. Checks the DOM after scripts ran, proves from Chromium's own net log
that the page made no request, and saves a screenshot under test-artifacts/."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from report_support import HOSTILE, REPO, growth_report, hostile_report, run_cli, scan_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (CI installs Debian's chromium)"),
]
ARTIFACTS = REPO / "test-artifacts"


def chromium(page: Path, tmp: Path, *extra: str) -> tuple[str, list[dict]]:
    """Load ``page`` in a fresh profile with every host unresolvable; return the DOM after
    scripts ran and the requests the *page* started (from the net log)."""
    profile = tmp / f"profile-{len(list(tmp.iterdir()))}"
    netlog = tmp / f"net-{profile.name}.json"
    args = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", '--host-resolver-rules=MAP * ~NOTFOUND', f"--log-net-log={netlog}",
        "--virtual-time-budget=3000", *extra, page.as_uri(),
    ]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, page_requests(netlog)


def page_requests(netlog: Path) -> list[dict]:
    """URL requests whose top-level site is the file: the page's own loads (Chromium's
    background traffic has another or no isolation key)."""
    data = json.loads(netlog.read_text())
    start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    out = []
    for event in data["events"]:
        params = event.get("params") or {}
        if event["type"] == start and str(params.get("network_isolation_key", "")).startswith("file://"):
            out.append(params)
    return out


class DomIndex(HTMLParser):
    """Elements by id, rows per table, text, and every element/attribute seen."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, list[str]] = {}
        self.open: list[str] = []
        self.rows: dict[str, int] = {}
        self.table: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.section = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self.table.append(a.get("id", ""))
        if tag == "tr" and self.table and self.open and "tbody" in self.open:
            self.rows[self.table[-1]] = self.rows.get(self.table[-1], 0) + 1
        if tag not in ("br", "img", "meta", "input", "link", "circle", "line", "path", "rect"):
            self.open.append(tag)
            if "id" in a:
                self.ids[a["id"]] = []
            self.stack_ids = getattr(self, "stack_ids", []) + [a.get("id")]

    def handle_endtag(self, tag):
        if tag == "table" and self.table:
            self.table.pop()
        if self.open and self.open[-1] == tag:
            self.open.pop()
            self.stack_ids.pop()

    def handle_data(self, data):
        for i in getattr(self, "stack_ids", []):
            if i:
                self.ids[i].append(data)

    def text(self, element_id: str) -> str:
        return " ".join("".join(self.ids[element_id]).split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    report = hostile_report()
    source = tmp / "report.json"
    source.write_text(json.dumps(report))
    from blastradius.report import html

    page = tmp / "blastradius.html"
    page.write_text(html.render(report, date="2026-04-01"), encoding="utf-8")
    dom, requests = chromium(page, tmp, "--dump-dom")
    index = DomIndex()
    index.feed(dom)
    return {"report": report, "dom": dom, "index": index, "requests": requests, "page": page, "tmp": tmp}


def test_every_section_shows_the_reports_numbers(rendered):
    report, index = rendered["report"], rendered["index"]
    for section in ("verdict", "findings", "comparison", "picture", "credentials", "packages", "methodology"):
        assert section in index.ids, section
    assert index.text("score-value") == str(report["score"]["score"])
    assert index.text("gate-result") == ("Gate PASS" if report["gate"]["passed"] else "Gate FAIL")
    assert str(report["gate"]["config"]["fail_above"]) in index.text("gate-threshold")
    assert index.text("n-packages") == str(report["summary"]["packages"])
    assert index.text("n-credentials") == str(len(report["credentials"]["credentials"]))
    assert report["tool"]["version"] in index.text("meta-tool")
    assert index.text("meta-date") == "2026-04-01"
    assert report["input"]["file"] in index.text("meta-input")
    # one row per package, credential and comparison variant
    assert index.rows["packages-table"] == len(report["packages"])
    assert index.rows["credentials-table"] == len(report["credentials"]["credentials"])
    assert index.rows["comparison-table"] == len(report["comparison"]["variants"])
    comparison = index.text("comparison-table")
    for variant in report["comparison"]["variants"]:
        assert variant["label"] in comparison and str(variant["exposure_pairs"]) in comparison
    # methodology lets a reviewer recompute: formula, weights, every explanation line
    assert report["score"]["formula"] in index.text("formula")
    for line in report["score"]["explanation"]:
        assert " ".join(line.split()) in index.text("explanation")
    # the remediation names what a split would save
    assert re.search(r"own proxy: −\d+ packages within its reach", index.text("findings"))


def test_script_ran_under_the_csp_and_sorts(rendered):
    # the inline script is allowed by hash: it marked the tables and added sort buttons
    assert 'data-sortable-ready="1"' in rendered["dom"]
    assert any(tag == "button" for tag, _ in rendered["index"].tags)


def test_no_request_left_the_file(rendered, tmp_path):
    assert rendered["requests"] == []
    # the check can fail: a page that loads a remote image is caught
    control = tmp_path / "control.html"
    control.write_text('<html><body><img src="http://remote.example/x.png"></body></html>')
    _, requests = chromium(control, tmp_path, "--dump-dom")
    assert [r["url"] for r in requests] == ["http://remote.example/x.png"]


def test_hostile_package_renders_as_text(rendered):
    dom, index = rendered["dom"], rendered["index"]
    assert HOSTILE not in dom  # never markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    scripts = [a for tag, a in index.tags if tag == "script"]
    assert len(scripts) == 1  # only the report's own
    assert not any(tag == "img" for tag, _ in index.tags)
    assert not any(k.startswith("on") for _, a in index.tags for k in a)
    assert HOSTILE in index.text("packages-table")  # visible as text


def test_readable_with_scripts_off_and_prints_on_a4(rendered, tmp_path):
    # nothing waits for the script: the file as written already holds every row and figure
    index = DomIndex()
    index.feed(rendered["page"].read_text(encoding="utf-8"))
    assert index.rows["packages-table"] == len(rendered["report"]["packages"])
    assert index.rows["credentials-table"] == len(rendered["report"]["credentials"]["credentials"])
    assert sum(1 for tag, _ in index.tags if tag == "svg") == 2
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "report-litellm-proxy-noscript.png"
    # headless screenshots need script in the page's world, so "scripts off" is the same file
    # with its one script removed
    text = rendered["page"].read_text(encoding="utf-8")
    noscript = tmp_path / "noscript.html"
    noscript.write_text(re.sub(r"<script>.*?</script>", "", text, flags=re.S), encoding="utf-8")
    assert "<script" not in noscript.read_text(encoding="utf-8")
    dom, _ = chromium(noscript, tmp_path, "--dump-dom")
    assert "data-sortable-ready" not in dom and 'id="packages-table"' in dom
    chromium(noscript, tmp_path, "--hide-scrollbars", f"--screenshot={png}", "--window-size=1280,1600")
    assert png.stat().st_size > 20_000
    pdf = ARTIFACTS / "report-litellm-proxy.pdf"
    chromium(rendered["page"], tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    raw = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", raw))
    assert 2 <= pages <= 40
    # A4 is 595 x 842 points
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", raw)
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)


def test_screenshot_saved(rendered, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "report-litellm-proxy.png"
    if png.exists():
        png.unlink()
    chromium(rendered["page"], tmp_path, "--hide-scrollbars", f"--screenshot={png}", "--window-size=1280,2400")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000


def test_cli_writes_the_html_a_reviewer_opens(tmp_path):
    out = tmp_path / "blastradius.html"
    proc = run_cli("scan", "fixtures/litellm-proxy", "--format", "html", "-o", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    dom, requests = chromium(out, tmp_path, "--dump-dom")
    assert requests == []
    assert 'id="score-value"' in dom and 'data-sortable-ready="1"' in dom


def test_failed_gate_header_stays_short_in_the_browser(tmp_path):
    """A baseline failure with a hundred new packages: after scripts ran the header holds one
    summary line and a closed details list, and the findings start on the first screen."""
    from blastradius.report import html

    report = growth_report()
    page = tmp_path / "growth.html"
    page.write_text(html.render(report, date="2026-04-01"), encoding="utf-8")
    dom, requests = chromium(page, tmp_path, "--dump-dom")
    assert requests == []
    index = DomIndex()
    index.feed(dom)
    reasons = re.search(r'<ul class="reasons" id="gate-reasons">(.*?)</ul>', dom, re.S).group(1)
    assert reasons.count("<li>") == 1 and "new packages" in reasons
    details = re.search(r'<details class="small" id="gate-details"([^>]*)>', dom)
    assert details and "open" not in details.group(1)
    assert "growth since the baseline" in index.text("gate-threshold")
    # the verdict block (everything before the findings) is a small part of the page
    assert dom.index('id="findings"') < len(dom) // 4
    png = ARTIFACTS / "report-baseline-growth.png"
    ARTIFACTS.mkdir(exist_ok=True)
    chromium(page, tmp_path, "--hide-scrollbars", f"--screenshot={png}", "--window-size=1280,1400")
    assert png.stat().st_size > 20_000


def test_compromised_pins_lead_the_page_in_the_browser(tmp_path):
    from blastradius.report import html

    report = scan_report("fixtures/advisories/uv-project")
    page = tmp_path / "compromised.html"
    page.write_text(html.render(report, date="2026-04-01"), encoding="utf-8")
    dom, _ = chromium(page, tmp_path, "--dump-dom")
    index = DomIndex()
    index.feed(dom)
    assert index.text("headline").startswith("2 known-compromised release(s) pinned (litellm 1.82.8, telnyx 4.87.1)")
    # after the sort script ran, the first package rows are still the compromised ones
    rows = re.findall(r'<tr class="([^"]*)" data-package="([^"]+)"', dom)
    assert [cls for cls, _ in rows[:2]] == ["compromised", "compromised"]

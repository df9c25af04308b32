"""Install-time code: what runs when an sdist is installed from source.

Every sdist's ``setup.py`` (or PEP 517 backend) runs with the installing user's rights before
anything is imported -- the aiohttp-proxy-connector and Birsan dependency-confusion packages
used exactly that. A plain ``setup.py`` is information; command overrides are worth a look;
network, credentials or decoded exec inside it are high.
"""

from __future__ import annotations

import ast

_COMMAND_BASES = {"install", "develop", "egg_info", "build_py", "build", "sdist", "bdist_wheel",
                  "build_ext", "easy_install", "install_lib", "install_scripts", "bdist_egg"}

# Build requirements the ecosystem uses every day; anything else is named in the evidence.
COMMON_BUILD_REQUIRES = {
    "setuptools", "wheel", "hatchling", "hatch-vcs", "hatch-fancy-pypi-readme", "flit-core", "flit",
    "poetry-core", "poetry", "pdm-backend", "pdm-pep517", "maturin", "scikit-build-core",
    "scikit-build", "meson-python", "meson", "ninja", "cmake", "cython", "setuptools-scm",
    "setuptools-rust", "numpy", "pybind11", "cffi", "versioneer", "uv-build", "packaging",
    "oldest-supported-numpy", "hatch-requirements-txt", "extension-helpers", "sipbuild",
    "calver", "setuptools-git-versioning", "incremental", "pkgconfig", "nanobind", "tomli",
}


def cmdclass_sites(tree: ast.AST) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = set()
            for base in node.bases:
                if isinstance(base, ast.Name):
                    bases.add(base.id)
                elif isinstance(base, ast.Attribute):
                    bases.add(base.attr)
            hit = bases & _COMMAND_BASES
            if hit and any(isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)) and b.name == "run" for b in node.body):
                out.append((node.lineno, f"class {node.name} overrides the {sorted(hit)[0]} command's run()"))
        elif isinstance(node, ast.keyword) and node.arg == "cmdclass":
            out.append((getattr(node.value, "lineno", 0), "setup() passes a custom cmdclass"))
    return out


def build_backend_hits(data: bytes) -> list[tuple[str, str, int | None, str]]:
    """Hits for an sdist's pyproject.toml ``[build-system]``."""
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    from packaging.requirements import InvalidRequirement, Requirement

    from blastradius.model import normalise_name

    try:
        doc = tomllib.loads(data.decode("utf-8", "replace"))
    except (tomllib.TOMLDecodeError, ValueError):
        return []
    build = doc.get("build-system")
    if not isinstance(build, dict):
        return []
    hits: list[tuple[str, str, int | None, str]] = []
    backend_path = build.get("backend-path")
    if backend_path:
        hits.append(("BR-INSTALL-BACKEND", "medium", None,
                     f"in-tree build backend {build.get('build-backend', '?')!s} (backend-path) runs at install"))
    unusual = []
    for spec in build.get("requires") or []:
        try:
            name = normalise_name(Requirement(str(spec)).name)
        except InvalidRequirement:
            name = str(spec)
        if name not in COMMON_BUILD_REQUIRES:
            unusual.append(name)
    if unusual:
        hits.append(("BR-INSTALL-BACKEND", "info", None,
                     f"uncommon build requirements run at install: {', '.join(sorted(unusual))}"))
    return hits

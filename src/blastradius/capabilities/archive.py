"""Safe, in-memory readers for wheels and sdists.

Why in memory and never extracted: an archive under audit is hostile input. Extraction would
give a path-traversal member (``../../.bashrc``) or a symlink member a chance to write outside a
temporary directory, and a zip bomb a chance to fill the disk. Reading members into memory,
one at a time, with limits on member count, declared total size, per-member size and
compression ratio, removes all of that: nothing is written, links and devices are never
followed, and a bomb is refused from its headers before it is inflated.

Members that are unsafe but not fatal (a traversal path, a symlink, a device entry, a member
above the per-member limit) are skipped and listed in :attr:`ArchiveReader.skipped`, so the
analysis can report them instead of silently dropping them.
"""

from __future__ import annotations

import io
import posixpath
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from blastradius.errors import ArtifactError

SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


@dataclass(frozen=True)
class Limits:
    """Refusal thresholds. Defaults fit the largest real wheels (torch: ~20k members, ~1 GB
    unpacked) while refusing bombs, whose per-member ratio or declared size gives them away."""

    max_members: int = 200_000
    max_total_size: int = 4 * 1024**3  # declared uncompressed bytes, all members
    max_member_size: int = 64 * 1024**2  # a member above this is skipped (noted), not read
    max_read_total: int = 768 * 1024**2  # bytes actually read into memory
    max_ratio: float = 200.0  # uncompressed / compressed, for members above ratio_floor
    ratio_floor: int = 1024 * 1024


DEFAULT_LIMITS = Limits()


def safe_member_path(name: str) -> str | None:
    """The member path normalised to POSIX, or ``None`` when it would escape the archive
    root (absolute, drive letter, ``..`` component, NUL)."""
    if not name or "\x00" in name:
        return None
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return posixpath.join(*parts)


@dataclass
class ArchiveReader:
    """One opened artifact. ``members()`` yields ``(path, bytes)`` for wanted regular files."""

    source: str | Path | bytes
    label: str = ""
    limits: Limits = DEFAULT_LIMITS
    skipped: list[tuple[str, str]] = field(default_factory=list)
    member_count: int = 0

    def __post_init__(self) -> None:
        if not self.label:
            self.label = "<bytes>" if isinstance(self.source, bytes) else Path(self.source).name

    # -- helpers -------------------------------------------------------------------------
    def _fail(self, message: str) -> ArtifactError:
        return ArtifactError(message, path=self.label)

    def _open_bytes(self) -> io.BytesIO | str:
        if isinstance(self.source, bytes):
            return io.BytesIO(self.source)
        return str(self.source)

    def _archive_size(self) -> int:
        if isinstance(self.source, bytes):
            return len(self.source)
        try:
            return Path(self.source).stat().st_size
        except OSError as exc:
            raise self._fail(f"cannot read artifact: {exc.strerror or exc}") from None

    # -- zip -----------------------------------------------------------------------------
    def iter_zip(self, want: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
        try:
            zf = zipfile.ZipFile(self._open_bytes())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise self._fail(f"not a readable zip archive ({exc})") from None
        with zf:
            infos = zf.infolist()
            self.member_count = len(infos)
            if len(infos) > self.limits.max_members:
                raise self._fail(
                    f"too many members ({len(infos)} > {self.limits.max_members}); refusing to read"
                )
            total = sum(max(i.file_size, 0) for i in infos)
            if total > self.limits.max_total_size:
                raise self._fail(
                    f"declared uncompressed size {total} bytes exceeds {self.limits.max_total_size}; "
                    "refusing to read (zip bomb?)"
                )
            for info in infos:
                if info.file_size > self.limits.ratio_floor:
                    ratio = info.file_size / max(info.compress_size, 1)
                    if ratio > self.limits.max_ratio:
                        raise self._fail(
                            f"member {info.filename!r} has compression ratio {ratio:.0f}:1 "
                            f"(> {self.limits.max_ratio:.0f}:1); refusing to read (zip bomb?)"
                        )
            read_total = 0
            for info in infos:
                if info.is_dir():
                    continue
                mode = info.external_attr >> 16
                if mode and (stat.S_ISLNK(mode) or not stat.S_ISREG(mode) and stat.S_IFMT(mode)):
                    self.skipped.append((info.filename, "symlink or special file ignored"))
                    continue
                path = safe_member_path(info.filename)
                if path is None:
                    self.skipped.append((info.filename, "path escapes the archive root"))
                    continue
                if not want(path):
                    continue
                if info.file_size > self.limits.max_member_size:
                    self.skipped.append((path, f"member larger than {self.limits.max_member_size} bytes"))
                    continue
                read_total += info.file_size
                if read_total > self.limits.max_read_total:
                    raise self._fail("total bytes to analyse exceed the read limit; refusing to read")
                try:
                    with zf.open(info) as fh:
                        data = fh.read(info.file_size + 1)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                    raise self._fail(f"member {path!r} cannot be read ({exc})") from None
                if len(data) > info.file_size:
                    raise self._fail(f"member {path!r} inflates past its declared size; refusing")
                yield path, data

    # -- tar -----------------------------------------------------------------------------
    def iter_tar(self, want: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
        archive_size = self._archive_size()
        try:
            if isinstance(self.source, bytes):
                tf = tarfile.open(fileobj=io.BytesIO(self.source), mode="r:*")
            else:
                tf = tarfile.open(str(self.source), mode="r:*")
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            raise self._fail(f"not a readable tar archive ({exc})") from None
        total = 0
        read_total = 0
        count = 0
        with tf:
            while True:
                try:
                    member = tf.next()
                except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
                    raise self._fail(f"corrupt tar archive ({exc})") from None
                if member is None:
                    break
                count += 1
                self.member_count = count
                if count > self.limits.max_members:
                    raise self._fail(
                        f"too many members (> {self.limits.max_members}); refusing to read"
                    )
                total += max(member.size, 0)
                if total > self.limits.max_total_size:
                    raise self._fail(
                        f"declared uncompressed size exceeds {self.limits.max_total_size} bytes; "
                        "refusing to read (archive bomb?)"
                    )
                if total > self.limits.ratio_floor and total / max(archive_size, 1) > self.limits.max_ratio:
                    raise self._fail(
                        f"compression ratio above {self.limits.max_ratio:.0f}:1; refusing to read "
                        "(archive bomb?)"
                    )
                if member.isdir():
                    continue
                if not member.isfile():
                    self.skipped.append((member.name, "symlink, link or special file ignored"))
                    continue
                path = safe_member_path(member.name)
                if path is None:
                    self.skipped.append((member.name, "path escapes the archive root"))
                    continue
                if not want(path):
                    continue
                if member.size > self.limits.max_member_size:
                    self.skipped.append((path, f"member larger than {self.limits.max_member_size} bytes"))
                    continue
                read_total += member.size
                if read_total > self.limits.max_read_total:
                    raise self._fail("total bytes to analyse exceed the read limit; refusing to read")
                try:
                    fh = tf.extractfile(member)
                    data = fh.read(member.size + 1) if fh is not None else b""
                except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
                    raise self._fail(f"member {path!r} cannot be read ({exc})") from None
                if len(data) > member.size:
                    raise self._fail(f"member {path!r} is larger than declared; refusing")
                yield path, data


def _want_all(_: str) -> bool:
    return True


def iter_wheel(
    source: str | Path | bytes,
    *,
    want: Callable[[str], bool] = _want_all,
    limits: Limits = DEFAULT_LIMITS,
    reader: ArchiveReader | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Yield ``(member path, bytes)`` of a wheel's regular files, safely (see module doc)."""
    reader = reader or ArchiveReader(source, limits=limits)
    yield from reader.iter_zip(want)


def is_sdist_name(name: str) -> bool:
    return name.lower().endswith(SDIST_SUFFIXES)


def iter_sdist(
    source: str | Path | bytes,
    *,
    want: Callable[[str], bool] = _want_all,
    limits: Limits = DEFAULT_LIMITS,
    reader: ArchiveReader | None = None,
    label: str = "",
) -> Iterator[tuple[str, bytes]]:
    """Yield ``(member path, bytes)`` of an sdist (.tar.gz/.tar.bz2/.tar.xz/.zip), safely."""
    reader = reader or ArchiveReader(source, label=label, limits=limits)
    is_zip = False
    if isinstance(source, bytes):
        is_zip = source[:4] == b"PK\x03\x04"
    else:
        is_zip = str(source).lower().endswith(".zip")
    if is_zip:
        yield from reader.iter_zip(want)
    else:
        yield from reader.iter_tar(want)

"""Front-end packages the pages use, fetched from the npm registry like pip fetches wheels.

Each package is pinned to a version and its registry integrity hash (SHA-512); the files the
pages need are unpacked into webapp/static/vendor/<name>/ (not kept in git) with the package's
licence. `make run` and `make test` call `python -m webapp.frontend`; a second call finds the
stamp and does nothing, so a laptop works offline after the first run. Without the files the
pages still work: the diagram panels say the viewer is missing.

Only bpmn-js for now: the bpmn.io viewer shows deployed diagrams and where an instance stands.
Its licence requires the bpmn.io watermark to stay visible on rendered diagrams.
"""
import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Package:
    """One npm package: version, integrity, and the files to take (tarball path -> name)."""

    name: str
    version: str
    integrity: str
    files: dict

    @property
    def url(self):
        return f"{REGISTRY}/{self.name}/-/{self.name}-{self.version}.tgz"

    @property
    def folder(self):
        return VENDOR_DIR / self.name

    @property
    def stamp(self):
        return self.folder / f".{self.version}"


PACKAGES = (
    Package("bpmn-js", "18.31.1",
            "sha512-Hc7LzrgwfcBRUAdI/380Q2v1MJ115atGEVGadawLfDbHdo+r+IkmNj8fuYPFmWglUYt1KYIaC46OeX16HGTKQw==",
            {"package/dist/bpmn-navigated-viewer.production.min.js": "bpmn-viewer.js",
             "package/dist/assets/diagram-js.css": "diagram-js.css",
             "package/dist/assets/bpmn-js.css": "bpmn-js.css",
             "package/dist/assets/bpmn-font/css/bpmn-embedded.css": "bpmn-embedded.css",
             "package/LICENSE": "LICENSE"}),
)


class IntegrityError(RuntimeError):
    """The downloaded tarball is not the one pinned."""


def check_integrity(data, integrity):
    """Raise IntegrityError unless `data` has the npm `integrity` (sha512-<base64>)."""
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise IntegrityError(f"integrity mismatch: expected {integrity}, got {algorithm}-{actual}")


def unpack(package, data):
    """Check `data` (the package tarball) and write the wanted files, then the stamp."""
    check_integrity(data, package.integrity)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        contents = {}
        for member, name in package.files.items():
            try:
                source = archive.extractfile(member)
            except KeyError:
                source = None
            if source is None:
                raise IntegrityError(f"{package.name}: {member} is missing from the tarball")
            contents[name] = source.read()
    package.folder.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        (package.folder / name).write_bytes(content)
    for old in package.folder.glob(".*"):
        old.unlink()
    package.stamp.touch()


def install(package, fetch=None):
    """Fetch and unpack `package` unless its stamp is there; True when something was done."""
    if package.stamp.exists():
        return False
    fetch = fetch or _download
    unpack(package, fetch(package.url))
    return True


def installed(name):
    """True when the package `name` has been unpacked (the pages check before using it)."""
    return any(p.name == name and p.stamp.exists() for p in PACKAGES)


def _download(url):
    with urllib.request.urlopen(url, timeout=60) as response:   # noqa: S310 (pinned https URL)
        return response.read()


def main():
    """Install every package; a failure is reported but never stops `make run`."""
    for package in PACKAGES:
        try:
            if install(package):
                print(f"Front-end: {package.name} {package.version} installed")
        except (OSError, IntegrityError) as error:
            print(f"warning: {package.name} {package.version} not installed ({error}); "
                  "diagram views will say the viewer is missing.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Front-end packages: pinned by integrity hash, unpacked once, refused when tampered with."""
import base64
import hashlib
import io
import tarfile

import pytest

from webapp import frontend


def _tarball(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _integrity(data):
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@pytest.fixture
def vendor(tmp_path, monkeypatch):
    monkeypatch.setattr(frontend, "VENDOR_DIR", tmp_path)
    return tmp_path


def _package(data, integrity=None):
    return frontend.Package("viewer", "1.2.3", integrity or _integrity(data),
                            {"package/dist/v.js": "v.js", "package/LICENSE": "LICENSE"})


def test_a_pinned_package_is_unpacked_once_then_left_alone(vendor):
    data = _tarball({"package/dist/v.js": b"viewer()", "package/LICENSE": b"MIT",
                     "package/src/big.js": b"not needed"})
    package, fetched = _package(data), []

    def fetch(url):
        fetched.append(url)
        return data
    assert frontend.install(package, fetch) is True
    assert (vendor / "viewer" / "v.js").read_bytes() == b"viewer()"
    assert (vendor / "viewer" / "LICENSE").read_bytes() == b"MIT"
    assert not (vendor / "viewer" / "big.js").exists()
    assert frontend.install(package, fetch) is False          # offline from now on
    assert fetched == ["https://registry.npmjs.org/viewer/-/viewer-1.2.3.tgz"]


def test_a_tarball_with_another_hash_is_refused_and_nothing_is_written(vendor):
    data = _tarball({"package/dist/v.js": b"evil()", "package/LICENSE": b"MIT"})
    package = _package(data, integrity=_integrity(b"the pinned bytes"))
    with pytest.raises(frontend.IntegrityError, match="integrity mismatch"):
        frontend.install(package, lambda url: data)
    assert not (vendor / "viewer").exists()


def test_a_tarball_missing_a_wanted_file_is_refused(vendor):
    data = _tarball({"package/LICENSE": b"MIT"})
    with pytest.raises(frontend.IntegrityError, match="v.js is missing"):
        frontend.install(_package(data), lambda url: data)
    assert not (vendor / "viewer" / ".1.2.3").exists()


def test_every_pinned_package_names_an_https_registry_tarball_and_a_sha512():
    for package in frontend.PACKAGES:
        assert package.url.startswith("https://registry.npmjs.org/")
        assert package.integrity.startswith("sha512-")
        assert "package/LICENSE" in package.files      # the licence travels with the files

"""The image's build step: collectstatic with the production storage (manifest, compressed)."""

import json
import secrets
import string
from pathlib import Path

from .test_settings import manage


def test_collectstatic_with_the_manifest_storage_builds(tmp_path: Path) -> None:
    key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50))
    result = manage(
        "collectstatic",
        "--noinput",
        DEBUG="false",
        SECRET_KEY=key,
        ALLOWED_HOSTS="example.org",
        STATIC_ROOT=str(tmp_path),
        STATICFILES_STORAGE="whitenoise.storage.CompressedManifestStaticFilesStorage",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    # What the pages and the admin link to is there, hashed and compressed.
    for name in (
        "css/app.css",
        "kern/kern.min.css",
        "kern/fonts/fira-sans.css",
        "htmx/htmx.min.js",
        "admin/css/base.css",
    ):
        assert name in manifest, name
        assert (tmp_path / manifest[name]).exists()
        assert (tmp_path / (manifest[name] + ".gz")).exists()
    # viewflow's unused front end (the cause of the broken build) is not collected.
    assert not any(name.startswith("viewflow/") for name in manifest)

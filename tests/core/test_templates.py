"""The templates keep to the shared pieces: field markup only in core/field.html, nothing inline that the
strict Content-Security-Policy refuses."""

import re
from pathlib import Path

from django.conf import settings

ROOTS = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "core" / "templates"]
FIELD_TEMPLATE = Path(settings.BASE_DIR) / "core" / "templates" / "core" / "field.html"
# The sign-in shows one message for both of its fields (never which of the two was wrong), so it writes
# its two inputs itself.
OWN_FIELDS = {Path(settings.BASE_DIR) / "templates" / "registration" / "login.html"}


def _templates() -> list[Path]:
    return sorted(path for root in ROOTS for path in root.rglob("*.html"))


def _mails() -> set[Path]:
    """Mail bodies: read in a mail program, where no CSP applies and only inline styles reach."""
    notifications = Path(settings.BASE_DIR) / "templates" / "notifications"
    return {notifications / "_base.html"} | {
        path
        for path in notifications.glob("*.html")
        if '{% extends "notifications/_base.html" %}' in path.read_text()
    }


def test_field_markup_is_written_once() -> None:
    field_classes = re.compile(r'class="kern-(?:form-input|form-check|error)[ "{_]')
    writers = {path for path in _templates() if field_classes.search(path.read_text(encoding="utf-8"))}
    assert writers == {FIELD_TEMPLATE} | OWN_FIELDS


def test_no_page_template_has_inline_style_or_script() -> None:
    inline = re.compile(r"<style|\sstyle=|<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+=", re.IGNORECASE)
    mails = _mails()
    assert mails, "the mail templates moved: update _mails()"
    offending = {
        path.relative_to(settings.BASE_DIR).as_posix(): inline.findall(
            re.sub(
                r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}",
                "",
                path.read_text(encoding="utf-8"),
                flags=re.S,
            )
        )
        for path in _templates()
        if path not in mails
    }
    assert {path: found for path, found in offending.items() if found} == {}


def test_page_headings_use_kern_heading_classes() -> None:
    """Headings of a page's sections are KERN headings; KERN's title classes belong to the title of a
    component (an alert's header), where they stay."""
    heading = re.compile(r'<h[1-6] class="([^"]*)"')
    alert_title = re.compile(r'<div class="kern-alert__header"><h[1-6] class="kern-title[^"]*"')
    offending = {
        path.relative_to(settings.BASE_DIR).as_posix(): [
            classes for classes in heading.findall(text) if not classes.startswith("kern-heading-")
        ]
        for path in _templates()
        if path not in _mails()
        for text in [alert_title.sub("", path.read_text(encoding="utf-8"))]
    }
    assert {path: found for path, found in offending.items() if found} == {}

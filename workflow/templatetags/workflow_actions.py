"""The KA page asks the workflow for the actions the current user may take there and for the discussion of the
KA, through these tags, so the governance app never imports the workflow."""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from workflow import views
from workflow.discussion_selectors import discussion_context

register = template.Library()


@register.simple_tag(takes_context=True)
def ka_actions(context: dict[str, Any], ka: Any) -> SafeString | str:
    """What this user may do on this KA now (``workflow.views.ka_actions_html``), or "" when nothing."""
    request = context.get("request")
    return views.ka_actions_html(request, ka) if request is not None else ""


@register.simple_tag(takes_context=True)
def ka_discussion(context: dict[str, Any], ka: Any) -> SafeString | str:
    """The discussion of this KA for this reader (``workflow/_discussion.html``), coming back to this page
    after a comment; "" for the public, for a page without a KA and for a KA that was never discussed."""
    request = context.get("request")
    if request is None or ka is None or not getattr(ka, "pk", None):
        return ""
    discussion = discussion_context(request, ka, next_url=request.get_full_path())
    if discussion is None:
        return ""
    return render_to_string("workflow/_discussion.html", {"discussion": discussion}, request=request)

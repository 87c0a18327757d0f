"""The KA page asks the workflow for the actions the current user may take there, through this tag, so the
governance app never imports the workflow."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from workflow import views

register = template.Library()


@register.simple_tag(takes_context=True)
def ka_actions(context: dict[str, Any], ka: Any) -> SafeString | str:
    """What this user may do on this KA now (``workflow.views.ka_actions_html``), or "" when nothing."""
    request = context.get("request")
    return views.ka_actions_html(request, ka) if request is not None else ""

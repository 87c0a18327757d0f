"""The KA page's section of documents, from the workflow (who may upload is a right of the process), so the
governance app never imports the workflow."""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from governance.selectors import dokument_list_visible

from .. import rights
from ..rights import DocumentAction

register = template.Library()


@register.simple_tag(takes_context=True)
def ka_documents(context: dict[str, Any], ka: Any) -> SafeString | str:
    """The documents of this KA the reader may see and, for who may upload, the way to the documents page;
    "" when there is neither. Two queries at most, however many documents."""
    request = context.get("request")
    if request is None or ka is None or not getattr(ka, "pk", None):
        return ""
    # The KA page knows already whether the reader reads internal data.
    internal = context.get("internal")
    internal = internal if isinstance(internal, bool) else None
    documents = list(dokument_list_visible(user=request.user, ka=ka, internal=internal))
    may_upload = request.user.is_authenticated and bool(rights.may(request.user, DocumentAction.UPLOAD, ka))
    if not documents and not may_upload:
        return ""
    return render_to_string(
        "workflow/_ka_dokumente.html",
        {"ka": ka, "documents": documents, "internal": bool(internal), "may_upload": may_upload},
        request=request,
    )

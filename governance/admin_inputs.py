"""The admin's object-rights pages (django-guardian) with ids read strictly: junk in their URLs is a 404.

guardian looks the object up with the raw path segment, so "abc" or a NUL byte there raised a server error.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from guardian.admin import GuardedModelAdmin

from .inputs import strict_int


class StrictGuardedModelAdmin(GuardedModelAdmin):
    def _object_pk(self, object_pk: str) -> str:
        """The segment unchanged, once it reads as a key of the model; a 404 otherwise."""
        try:
            self.model._meta.pk.to_python(unquote(object_pk))
        except (ValidationError, ValueError, TypeError):
            raise Http404 from None
        return object_pk

    def obj_perms_manage_view(self, request: HttpRequest, object_pk: str) -> HttpResponse:
        return super().obj_perms_manage_view(request, self._object_pk(object_pk))

    def obj_perms_manage_user_view(self, request: HttpRequest, object_pk: str, user_id: str) -> HttpResponse:
        if strict_int(user_id, minimum=1) is None:
            raise Http404
        return super().obj_perms_manage_user_view(request, self._object_pk(object_pk), user_id)

    def obj_perms_manage_group_view(
        self, request: HttpRequest, object_pk: str, group_id: str
    ) -> HttpResponse:
        if strict_int(group_id, minimum=1) is None:
            raise Http404
        return super().obj_perms_manage_group_view(request, self._object_pk(object_pk), group_id)

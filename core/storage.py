"""A storage that is looked up by its alias in ``STORAGES`` at every use.

A ``FileField`` builds its storage once, when the model class is made; the storage named by the settings may
change after that (a test that overrides ``STORAGES``, a deployment that names another backend). This one
passes every call on to ``storages[alias]`` as it is at that moment.
"""

from typing import IO, Any

from django.core.files.storage import Storage, storages
from django.utils.deconstruct import deconstructible


@deconstructible
class AliasedStorage(Storage):
    def __init__(self, alias: str) -> None:
        self.alias = alias

    @property
    def target(self) -> Storage:
        return storages[self.alias]

    def open(self, name: str, mode: str = "rb") -> Any:
        return self.target.open(name, mode)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        return self.target.save(name, content, max_length=max_length)

    def get_valid_name(self, name: str) -> str:
        return self.target.get_valid_name(name)

    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        return self.target.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.target.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: Any) -> str:
        return self.target.generate_filename(filename)

    def path(self, name: str) -> str:
        return self.target.path(name)

    def delete(self, name: str) -> None:
        self.target.delete(name)

    def exists(self, name: str) -> bool:
        return self.target.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.target.listdir(path)

    def size(self, name: str) -> int:
        return self.target.size(name)

    def url(self, name: str | None) -> str:
        return self.target.url(name)

    def get_accessed_time(self, name: str) -> Any:
        return self.target.get_accessed_time(name)

    def get_created_time(self, name: str) -> Any:
        return self.target.get_created_time(name)

    def get_modified_time(self, name: str) -> Any:
        return self.target.get_modified_time(name)

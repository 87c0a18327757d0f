"""Path converters that match only what names a row, so junk in a URL is a 404 before any view runs."""

from django.urls import register_converter

from .inputs import BIGINT_MAX, KA_CODE_MAX_LENGTH, KA_CODE_PATTERN


class KaCodeConverter:
    regex = KA_CODE_PATTERN

    def to_python(self, value: str) -> str:
        if len(value) > KA_CODE_MAX_LENGTH:
            raise ValueError(value)
        return value

    def to_url(self, value: str) -> str:
        return value


class IdConverter:
    """A database id: ASCII digits within the bigint range (Django's ``int`` takes any length)."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= BIGINT_MAX:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(KaCodeConverter, "ka_code")
register_converter(IdConverter, "id")

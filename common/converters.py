"""URL converters, registered once when this module is first imported (desk.urls, reader.urls)."""

from django.urls import register_converter

from .numbers import MAX_ID


class IdConverter:
    """URL converter `<id:pk>`: like `<int:pk>`, but at most 18 digits (a longer number is a 404,
    not an overflow in the database)."""

    regex = f"[0-9]{{1,{len(str(MAX_ID))}}}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")

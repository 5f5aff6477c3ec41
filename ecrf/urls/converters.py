"""Path converters: an address that cannot name a record does not reach a view (404, never 500)."""

from django.urls import register_converter


class SubjectIdConverter:
    """S01-001: a site code, a hyphen and the number; "new" and other words do not match."""

    regex = "[A-Z0-9]{2,8}-[0-9]{3,12}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class RecordIdConverter:
    """A record's number, at most 18 digits: a longer one would overflow PostgreSQL's bigint."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(SubjectIdConverter, "subject")
register_converter(RecordIdConverter, "id")

"""The REST API's JSON parser: DRF's, with JSON nested too deeply refused as a bad request.

DRF turns a syntax error into a 400 but lets RecursionError (``[[[[...`` 100,000 deep,
a few hundred bytes) escape as a 500. Configured for every API view in
settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"].
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the JSON is nested too deeply") from None

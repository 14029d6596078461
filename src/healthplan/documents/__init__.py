"""Readers: one per format, each returning a `Document` of numbered lines."""

from healthplan.documents.model import Document, DocumentError, Line
from healthplan.documents.reader import read_document

__all__ = ["Document", "DocumentError", "Line", "read_document"]

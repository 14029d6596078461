"""Evaluation reports: their content (content.py) and the Word, HTML and Excel writers."""

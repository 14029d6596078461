"""The corpus uses the session fixture `rendered` of tests/conftest.py: the sample plans
rendered once per test run (.docx, .html, and .pdf when LibreOffice is installed); every
text layout of the corpus is derived from these."""

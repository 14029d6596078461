"""healthplan: monitoring and evaluation of Chinese health development plans."""

__version__ = "0.1.0"

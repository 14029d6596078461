"""Page images of a scanned document, for a person to check what OCR read against the
print (the web review step shows them beside the table as read).

Rendered here, from the document's own bytes, with the engines the OCR reader already
uses (pdfium for PDFs, OpenCV for .png/.jpg): grey PNGs scaled to a width that reads on a
screen. Nothing is fetched from elsewhere and nothing is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from healthplan.documents.model import DocumentError

WIDTH = 1000  # pixels: an A4 page's table digits ~12 px high, a PNG of ~150 KB
MAX_PAGES = 12  # pages shown in one review (the pages that hold table rows)


@dataclass(frozen=True)
class PageImage:
    page: int  # 1-based
    png: bytes
    width: int
    height: int


def page_images(name: str, data: bytes, pages: set[int] | list[int],
                width: int = WIDTH) -> list[PageImage]:
    """The wanted pages (1-based) of a scanned PDF or a page image, as grey PNGs at most
    `width` pixels wide, in page order; pages the document does not have are left out
    (at most MAX_PAGES). DocumentError when the file cannot be rendered."""
    import cv2

    wanted = sorted(p for p in set(pages) if p >= 1)[:MAX_PAGES]
    suffix = Path(name).suffix.lower()
    out = []
    for number, image in _render(name, data, suffix, wanted, width):
        if image.shape[1] > width:
            height = round(image.shape[0] * width / image.shape[1])
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        ok, png = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        if not ok:
            raise DocumentError(name, f"第 {number} 页无法生成图像")
        out.append(PageImage(number, png.tobytes(), image.shape[1], image.shape[0]))
    return out


def _render(name: str, data: bytes, suffix: str, wanted: list[int], width: int):
    import cv2
    import numpy as np

    if suffix == ".pdf":
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise DocumentError(name, f"PDF 无法打开（{exc}）") from None
        try:
            for number in wanted:
                if number > len(pdf):
                    continue
                page = pdf[number - 1]
                bitmap = page.render(scale=width / page.get_width(), grayscale=True)
                image = bitmap.to_numpy()
                yield number, (image[:, :, 0] if image.ndim == 3 else image).copy()
                page.close()
        finally:
            pdf.close()
    else:
        if 1 not in wanted:
            return
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise DocumentError(name, "图片无法解码")
        yield 1, image

"""Title, region, issuing body, date, period and status of a plan document.

A plan is usually published behind a cover notice (印发…的通知) that quotes the
plan's title in 《》, names the issuing office and dates the notice; a plan
published on its own starts with its title. Only the opening of the document
is searched, so a date or an office named in the body is never taken for them.
"""

from __future__ import annotations

import re

from healthplan.documents.model import Document
from healthplan.extract.model import DocumentInfo, Period
from healthplan.extract.tables import five_year_plan_period
from healthplan.textutil import fold_whitespace

_HEAD_LINES = 60
_QUOTED_TITLE = re.compile(r"《([^《》]*规划[^《》]*)》")
_TITLE_LINE = re.compile(r"^[^，。；：]{4,60}规划(（[^）]*）)?$")
_DRAFT = re.compile(r"征求意见稿|送审稿|讨论稿|草案")
_YEARS = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*[—\-－–~～至]+\s*((?:19|20)\d{2})\s*年?\s*[)）]")
_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号")
_ISSUER = re.compile(
    r"^(?P<issuer>[\u4e00-\u9fff（）]{2,30}?"
    r"(?:人民政府办公室|人民政府办公厅|人民政府|卫生健康委员会|卫生和计划生育委员会|卫生健康委|卫健委|卫生健康局|办公室|办公厅))(?:文件)?$"
)
_REGION = re.compile(
    r"^(?P<region>(?:[\u4e00-\u9fff]{1,9}?(?:省|自治区|市|自治州|州|地区|盟))?"
    r"[\u4e00-\u9fff]{1,9}?(?:市|县|区|旗|自治县|州|盟|省))"
)
_NATIONAL = re.compile(r"^(全国|国家|中国)")
# The labelled fields a government web page prints above a plan it publishes:
# "发布机关：国务院办公厅　　发布日期：2022年5月" (the day is often left out).
_LABELLED_ISSUER = re.compile(r"(?:发布机关|发文机关|发布机构|发文单位|发布单位|印发机关)\s*[:：]\s*"
                              r"(?P<issuer>[\u4e00-\u9fff（）、]{2,40})")
_LABELLED_DATE = re.compile(r"(?:发布日期|成文日期|发文日期|印发日期|发布时间)\s*[:：]\s*"
                            r"(?P<year>(?:19|20)\d{2})\s*[年\-./]\s*(?P<month>\d{1,2})"
                            r"(?:\s*[月\-./]\s*(?P<day>\d{1,2})\s*日?)?")
# A plan issued by the State Council or a national ministry is the nation's plan.
_NATIONAL_ISSUER = re.compile(r"^(国务院|国家卫生健康委员会|国家卫生健康委|国家发展和改革委员会)")


def _head(document: Document) -> list[str]:
    return [line.text.strip() for line in document.lines[:_HEAD_LINES] if line.cells is None]


def find_title(head: list[str]) -> str | None:
    """The plan's title: a line of its own ending in 规划, else the 《》 quote of the cover notice."""
    non_blank = [fold_whitespace(line).replace(" ", "") for line in head if line]
    for k, line in enumerate(non_blank):
        if _is_title(line):
            # The period printed on a line of its own under the title: "（2021—2025年）".
            if k + 1 < len(non_blank) and _YEARS.fullmatch(non_blank[k + 1]) and \
                    not _YEARS.search(line):
                return line + non_blank[k + 1]
            return line
        # A title wrapped over two lines ("江阴市“十四五”卫生健康" / "事业发展规划（…）").
        if k + 1 < len(non_blank) and len(line) <= 30 and not _is_title(non_blank[k + 1]):
            if _is_title(line + non_blank[k + 1]):
                return line + non_blank[k + 1]
    notice = "".join(line for line in non_blank if "印发" in line or "现将" in line)
    match = _QUOTED_TITLE.search(notice)
    return fold_whitespace(match.group(1)) if match else None


def _is_title(text: str) -> bool:
    # A plan title names its region or its five-year plan ("事业发展规划（…）" alone is a fragment).
    named = bool(_REGION.match(text) or _NATIONAL.match(text) or five_year_plan_period(text))
    return named and bool(_TITLE_LINE.match(text)) and "通知" not in text and "印发" not in text


def find_region(title: str | None, issuer: str | None) -> str | None:
    if not title:
        return None
    if _NATIONAL.match(title):
        return "全国"
    match = _REGION.match(title)
    if not match:
        return "全国" if issuer and _NATIONAL_ISSUER.match(issuer) else None
    region = match.group("region")
    # The issuer often names the region in full (苏州市吴中区 for a title saying 吴中区).
    if issuer and region in issuer and not issuer.startswith(region):
        prefix = issuer[: issuer.index(region) + len(region)]
        if _REGION.fullmatch(prefix):
            return prefix
    return region


def find_issuer(head: list[str]) -> str | None:
    for line in head:
        match = _LABELLED_ISSUER.search(line)
        if match:
            return match.group("issuer")
    for line in head:
        match = _ISSUER.match(line.replace(" ", ""))
        if match:
            return match.group("issuer")
    return None


def find_issued_on(head: list[str]) -> str | None:
    for line in head:
        match = _LABELLED_DATE.search(line)
        if match and 1 <= int(match.group("month")) <= 12:
            year, month, day = match.group("year"), int(match.group("month")), match.group("day")
            if day is None:
                return f"{year}-{month:02d}"  # ISO 8601 year and month: the page gives no day
            if 1 <= int(day) <= 31:
                return f"{year}-{month:02d}-{int(day):02d}"
    for line in head:
        match = _DATE.search(line)
        if match and len(line) <= 30:  # a date line of its own, not a date inside a sentence
            year, month, day = (int(g) for g in match.groups())
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def find_period(title: str | None, head: list[str]) -> Period | None:
    for text in ([title] if title else []) + head[:15]:
        match = _YEARS.search(text)
        if match:
            start, end = int(match.group(1)), int(match.group(2))
            if start < end:
                return Period(start, end)
    for text in ([title] if title else []) + head[:15]:
        period = five_year_plan_period(text)
        if period:
            return period
    return None


def extract_info(document: Document) -> DocumentInfo:
    head = _head(document)
    title = find_title(head)
    issuer = find_issuer(head)
    number = next((m.group(0) for line in head if (m := _DOC_NUMBER.search(line))), None)
    draft = any(_DRAFT.search(line) for line in head[:20] if len(line) <= 20)
    return DocumentInfo(
        path=document.path,
        format=document.format,
        title=title,
        region=find_region(title, issuer),
        issuer=issuer,
        issued_on=find_issued_on(head),
        period=find_period(title, head),
        status="draft" if draft else "final",
        document_number=number,
        sha256=document.sha256,
        lines=len(document.lines),
    )

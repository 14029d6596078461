"""Finding regions by GB/T 2260 code or by name, and walking the hierarchy."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthplan.store.models import Region


class RegionError(ValueError):
    """A region that cannot be found, or a name that fits several; the message says which."""


_CODE = re.compile(r"^\d{6}$")


def find_region(session: Session, text: str) -> Region:
    """A region from a six-digit code, a name (无锡市), or a name under its parent's
    (苏州市吴中区, 江苏省无锡市江阴市). A name that fits several regions is refused with
    their codes, so the user can give the code."""
    text = re.sub(r"\s+", "", str(text or ""))
    if not text:
        raise RegionError("地区为空")
    if _CODE.match(text):
        region = session.scalar(select(Region).where(Region.code == text))
        if region is None:
            raise RegionError(f"行政区划代码 {text} 不存在")
        return region
    candidates = _by_name(session, text)
    if not candidates:
        close = similar_regions(session, text)
        hint = f"是否指：{'、'.join(f'{full_name(r)}（{r.code}）' for r in close)}；" if close else ""
        raise RegionError(f"未知地区“{text}”（{hint}可用六位行政区划代码指定）")
    if len(candidates) > 1:
        listed = "、".join(f"{r.code} {full_name(r)}" for r in candidates[:6])
        raise RegionError(f"地区名“{text}”对应多个地区：{listed}；请用行政区划代码指定")
    return candidates[0]


def similar_regions(session: Session, text: str, limit: int = 5) -> list[Region]:
    """Regions a user probably meant by an unknown name: those whose name begins with it,
    shortest first — the name with its suffix left off (无锡 → 无锡市, 江阴 → 江阴市)."""
    if len(text) < 2 or len(text) > 20:
        return []
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(session.scalars(select(Region).where(Region.name.like(pattern, escape="\\"))
                                .order_by(func.length(Region.name), Region.code).limit(limit)))


def _by_name(session: Session, text: str) -> list[Region]:
    exact = list(session.scalars(select(Region).where(Region.name == text).order_by(Region.code)))
    if exact:
        return exact
    # 苏州市吴中区: the longest known region name that ends the text, whose ancestors'
    # names make up the rest.
    for cut in range(1, len(text) - 1):
        head, tail = text[:cut], text[cut:]
        found = [r for r in session.scalars(select(Region).where(Region.name == tail))
                 if _ancestors_spell(r, head)]
        if found:
            return found
    return []


def _ancestors_spell(region: Region, head: str) -> bool:
    """Whether ``head`` is some of the region's ancestors' names, top-down (江苏省无锡市,
    无锡市, 江苏省)."""
    from itertools import combinations

    names = [r.name for r in reversed(ancestors(region))]
    return any("".join(chosen) == head
               for k in range(1, len(names) + 1) for chosen in combinations(names, k))


def ancestors(region: Region) -> list[Region]:
    """Parent, grandparent, … up to the nation (nearest first)."""
    out = []
    node = region.parent
    while node is not None:
        out.append(node)
        node = node.parent
    return out


def full_name(region: Region) -> str:
    """江苏省无锡市江阴市: the names from the province down (the nation left out)."""
    names = [r.name for r in reversed(ancestors(region)) if r.level != "nation"]
    return "".join([*names, region.name])


def children(session: Session, region: Region) -> list[Region]:
    return list(session.scalars(select(Region).where(Region.parent_id == region.id)
                                .order_by(Region.code)))


def nation(session: Session) -> Region:
    return session.scalar(select(Region).where(Region.level == "nation"))

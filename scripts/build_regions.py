"""Rebuild src/healthplan/store/regions.csv, the GB/T 2260 division list the store seeds.

Source: ``resources/adcodes.csv`` of the cpca package (MIT licence,
https://github.com/DQinYuan/chinese_province_city_area_mapper, version 0.5.5), itself the
Ministry of Civil Affairs' list of county-level and higher divisions. Usage:

    pip download --no-deps cpca==0.5.5 && unzip -o cpca-0.5.5-py3-none-any.whl -d cpca
    python scripts/build_regions.py cpca/cpca/resources/adcodes.csv

Placeholders that are not places (市辖区, 县, 省直辖县级行政区划 …) are dropped; their
children hang from the province. The nation gets the code 000000 (GB/T 2260 has none).
"""

import csv
import sys
from pathlib import Path

PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
OUT = Path(__file__).resolve().parents[1] / "src/healthplan/store/regions.csv"


def level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def main(source: str) -> None:
    with open(source, encoding="utf-8") as f:
        rows = [(r["adcode"][:6], r["name"]) for r in csv.DictReader(f)]
    names = {code: name for code, name in rows if name not in PLACEHOLDERS}
    out = [("000000", "全国", "nation", "")]
    for code in sorted(names):
        lv = level(code)
        parent = "000000"
        if lv == "city":
            parent = code[:2] + "0000"
        elif lv == "county":
            city = code[:4] + "00"
            parent = city if city in names else code[:2] + "0000"
        out.append((code, names[code], lv, parent))
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("code", "name", "level", "parent_code"))
        writer.writerows(out)
    print(f"{OUT}: {len(out)} regions")


if __name__ == "__main__":
    main(sys.argv[1])

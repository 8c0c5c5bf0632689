"""Build portal/reference/data/regions_en.json: the English (Hanyu Pinyin) name of every
GB/T 2260 division in portal/data/regions.json.

Run once by hand when the division table changes; the output is committed and the site only
reads it (no romanisation at run time, and pypinyin is not a dependency of the site):

    pip install --target /tmp/pypinyin pypinyin==0.55.0
    PYTHONPATH=/tmp/pypinyin python -m portal.reference.regions_en_build

Forms follow the usual English renderings: the place name in pinyin without tones, words run
together (济南 → Jinan), an apostrophe before a syllable starting with a, o or e (西安 →
Xi'an), and the type of division translated (历下区 → Lixia District, 平阴县 → Pingyin
County, 恩施土家族苗族自治州 → Enshi Tujia and Miao Autonomous Prefecture). Provinces and
prefecture-level cities drop 省/市 (山东省 → Shandong). Names with a conventional English
form or a reading pypinyin gets wrong are listed in OVERRIDES.
"""

from __future__ import annotations

import json
from pathlib import Path

from portal.reference.regions import region_table

OUTPUT = Path(__file__).resolve().parent / "data" / "regions_en.json"

OVERRIDES = {
    "内蒙古自治区": "Inner Mongolia",
    "广西壮族自治区": "Guangxi",
    "西藏自治区": "Tibet",
    "宁夏回族自治区": "Ningxia",
    "新疆维吾尔自治区": "Xinjiang",
    "香港特别行政区": "Hong Kong",
    "澳门特别行政区": "Macao",
    "陕西省": "Shaanxi",
    "市辖区": "Municipal Districts",
    "县": "Counties",
    "省直辖县级行政区划": "County-level Divisions",
    "自治区直辖县级行政区划": "County-level Divisions",
}
# Place names whose characters pypinyin reads in another way than the place does.
PLACE_OVERRIDES = {
    "六安": "Lu'an",
    "蚌埠": "Bengbu",
    "丽水": "Lishui",
    "丽江": "Lijiang",
    "台州": "Taizhou",
    "番禺": "Panyu",
    "乐山": "Leshan",
    "乐清": "Yueqing",
    "长治": "Changzhi",
    "长沙": "Changsha",
    "长春": "Changchun",
    "重庆": "Chongqing",
    "厦门": "Xiamen",
    "歙": "She",
    "铅山": "Yanshan",
    "洪洞": "Hongtong",
    "大足": "Dazu",
    "莘": "Shen",
    "单": "Shan",
    "东阿": "Dong'e",
    "阿拉善": "Alxa",
    "呼和浩特": "Hohhot",
    "乌鲁木齐": "Urumqi",
    "拉萨": "Lhasa",
    "喀什": "Kashgar",
}
# Ethnic groups in the names of autonomous divisions, in their English forms.
ETHNIC = {
    "蒙古": "Mongol",
    "回": "Hui",
    "藏": "Tibetan",
    "维吾尔": "Uygur",
    "苗": "Miao",
    "彝": "Yi",
    "壮": "Zhuang",
    "布依": "Bouyei",
    "朝鲜": "Korean",
    "满": "Manchu",
    "侗": "Dong",
    "瑶": "Yao",
    "白": "Bai",
    "土家": "Tujia",
    "哈尼": "Hani",
    "哈萨克": "Kazak",
    "傣": "Dai",
    "黎": "Li",
    "傈僳": "Lisu",
    "佤": "Va",
    "畲": "She",
    "拉祜": "Lahu",
    "水": "Sui",
    "东乡": "Dongxiang",
    "纳西": "Naxi",
    "景颇": "Jingpo",
    "柯尔克孜": "Kirgiz",
    "土": "Tu",
    "达斡尔": "Daur",
    "仫佬": "Mulao",
    "羌": "Qiang",
    "布朗": "Blang",
    "撒拉": "Salar",
    "毛南": "Maonan",
    "仡佬": "Gelao",
    "锡伯": "Xibe",
    "阿昌": "Achang",
    "普米": "Pumi",
    "塔吉克": "Tajik",
    "怒": "Nu",
    "乌孜别克": "Uzbek",
    "俄罗斯": "Russian",
    "鄂温克": "Ewenki",
    "德昂": "De'ang",
    "保安": "Bonan",
    "裕固": "Yugur",
    "京": "Gin",
    "塔塔尔": "Tatar",
    "独龙": "Derung",
    "鄂伦春": "Oroqen",
    "赫哲": "Hezhen",
    "门巴": "Monba",
    "珞巴": "Lhoba",
    "基诺": "Jino",
    "各": "",  # 各族 (several peoples): named by the place only
}
# Longest suffix first: 自治县 before 县, 林区 before 区.
SUFFIXES = (
    ("特别行政区", ""),
    ("自治区", " Autonomous Region"),
    ("自治州", " Autonomous Prefecture"),
    ("自治县", " Autonomous County"),
    ("自治旗", " Autonomous Banner"),
    ("新区", " New Area"),
    ("林区", " Forestry District"),
    ("特区", " Special District"),
    ("地区", " Prefecture"),
    ("省", ""),
    ("盟", " League"),
    ("旗", " Banner"),
    ("区", " District"),
    ("县", " County"),
    ("市", ""),
)


def romanise(place: str) -> str:
    """Pinyin of a place name, syllables run together, first letter capital."""
    from pypinyin import Style, lazy_pinyin  # build-time only

    if place in PLACE_OVERRIDES:
        return PLACE_OVERRIDES[place]
    for key, value in PLACE_OVERRIDES.items():
        if place.startswith(key) and len(key) > 1:
            return value + romanise(place[len(key) :]).lower()
    syllables = lazy_pinyin(place, style=Style.NORMAL, errors="default")
    text = ""
    for i, syl in enumerate(syllables):
        syl = syl.replace("ü", "v").replace("v", "ü") if "ü" in syl else syl
        if i and syl[:1] in "aoe":
            text += "'"
        text += syl
    return text[:1].upper() + text[1:]


def _split_ethnic(base: str) -> tuple[str, list[str]]:
    """恩施土家族苗族 → (恩施, [Tujia, Miao])."""
    groups: list[str] = []
    while base.endswith("族"):
        body = base[:-1]
        match = max((k for k in ETHNIC if body.endswith(k)), key=len, default=None)
        if match is None:
            break
        if ETHNIC[match]:
            groups.insert(0, ETHNIC[match])
        base = body[: -len(match)]
    return base, groups


def english_name(name: str) -> str:
    # 河南省·省直辖县级行政区划: a grouping row named after its province.
    if "·" in name:
        province, _sep, rest = name.partition("·")
        return f"{english_name(province)} · {english_name(rest)}"
    if name in OVERRIDES:
        return OVERRIDES[name]
    for suffix, english in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            groups: list[str] = []
            if suffix.startswith("自治"):
                base, groups = _split_ethnic(base)
            place = romanise(base)
            ethnic = ""
            if groups:
                ethnic = " " + (
                    groups[0] if len(groups) == 1 else ", ".join(groups[:-1]) + " and " + groups[-1]
                )
            return f"{place}{ethnic}{english}"
    return romanise(name)


def build() -> dict[str, str]:
    return {code: english_name(row.name) for code, row in region_table().items()}


def main() -> None:
    names = build()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(
        json.dumps(names, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(names)} names to {OUTPUT}")


if __name__ == "__main__":
    main()

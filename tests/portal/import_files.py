"""Spreadsheets for the import tests and the import benchmark."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from portal.services.imports import COLUMNS

TOPICS = [
    (
        "汽车保险杠低温冲击开裂",
        "改性聚丙烯在零下三十度冲击试验中开裂，需要提升低温韧性。",
        "高分子材料",
    ),
    (
        "锂电池正极材料循环寿命提升",
        "高镍三元正极循环五百次后容量衰减超过两成，希望改进包覆工艺。",
        "新能源与节能",
    ),
    ("印染废水深度脱色", "印染废水色度高、可生化性差，现有工艺出水不能稳定达标。", "资源与环境"),
]


def need_rows(count: int, *, bad_rows: dict[int, dict[str, Any]] | None = None) -> list[list[Any]]:
    """``count`` valid need rows; ``bad_rows`` maps a 0-based data row to broken cells."""
    headers = [c.header for c in COLUMNS["need"]]
    rows: list[list[Any]] = []
    for i in range(count):
        title, description, field = TOPICS[i % len(TOPICS)]
        values = {
            "需求名称": f"{title}（第{i + 1}项）",
            "需求描述": description,
            "技术领域": field,
            "关键词": "低温韧性，工艺改进",
            "所在地区": "370100",
            "预算下限(万元)": 20,
            "预算上限(万元)": 80,
            "合作方式": "合作开发，委托开发",
            "期望成熟度": "中试",
            "截止日期": "2035-12-31",
            "联系人": "王工",
            "联系电话": "13905310001",
            "联系邮箱": "wang@example.cn",
            "保密字段": "",
            "所属机构": "",
        }
        values.update((bad_rows or {}).get(i, {}))
        rows.append([values.get(h, "") for h in headers])
    return rows


def xlsx_bytes(rows: list[list[Any]], kind: str = "need") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([c.header for c in COLUMNS[kind]])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

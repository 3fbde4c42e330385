"""The DfE XML form of the return (``CLA.xsd``, "Expanded SSDA903 Return") as one frame per table.

The schema (``../shared/external/dfe-903-xml-schema/CLA.xsd``, v3.3.0) puts one ``CHILD`` per
child under ``EXPSSDA903``; each holds a ``HEADER`` and its ``EPISODE`` elements. ``HEADER``
holds the header fields, the UASC fields (``UASC``, ``DUC``), the adoption (AD1) and care-leaver
(OC3) fields directly, and the repeated groups ``AREVIEW``, ``AMISSING``, ``AD_PLACED`` and the
single ``OC2`` and ``PERMANENCE``. Each group becomes a row of its own table, with the child's
CHILD, DOB and SEX from the header where that table has those columns; element names are the CSV
column names except ``CHILDID`` (CHILD) and ``PL`` (PLACE). The layout is data: the ``xml:``
section of ``schema/data/ssda903.yaml``. Wrapping elements (``<Children>``, ``<EPISODES>``) and
namespaces are ignored, so the layouts case-management systems export read the same way.

Read with the standard library's ElementTree: the schema is shallow and a year's return is a few
megabytes, so a tree walk is fast, and no dependency is added. Its expat parser (2.4.1 or later
in every Python carecast supports) refuses entity-expansion bombs. lxml's XSD validation is not
used on purpose: it rejects the whole file for one bad field, where the loader must count each
bad value against its row and keep the rest.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl

from carecast.errors import InputError, Location
from carecast.ingest.read import ROW, missing_file
from carecast.schema.ssda903 import table_spec, xml_layout


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].upper()


def _text(el: ET.Element) -> str:
    return (el.text or "").strip()


def _parse(path: Path) -> ET.Element:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise missing_file(path) from None
    if not data.strip():
        raise InputError(
            "the file is empty",
            where=Location(file=str(path)),
            fix="export the return again from your case-management system",
        )
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputError(
            f"the XML is malformed or truncated ({exc})",
            where=Location(file=str(path), row=line),
            fix="export the return again; the file must be complete and well-formed XML",
        ) from None


def _child_rows(record: ET.Element, layout: dict, rows: dict[str, list[dict]]) -> None:
    """Split one CHILD element into its header fields and one row per group element."""
    rename, groups = layout["rename"], layout["groups"]
    header: dict[str, str] = {}
    found: list[tuple[str, dict[str, str]]] = []
    stack = list(record)
    while stack:
        el = stack.pop(0)
        name = _local(el.tag)
        if name in groups:
            leaves = {
                rename.get(n, n): _text(e)
                for e in el.iter()
                if len(e) == 0 and (n := _local(e.tag)) != name
            }
            found.append((groups[name], leaves))
        elif len(el):
            stack[:0] = list(el)  # a wrapper (HEADER, <EPISODES>): its fields are the child's
        else:
            header.setdefault(rename.get(name, name), _text(el))
    rows["header"].append(header)
    for table, fields in layout["in_header"].items():
        flags = layout["not_a_flag"]
        if any(header.get(f, "") not in ("", *flags.get(f, ())) for f in fields):
            rows[table].append(header)
    for table, leaves in found:
        rows[table].append({**header, **leaves})


def _frame(records: list[dict], table: str) -> pl.DataFrame:
    """The table's columns (and any others the elements carry, so extra fields are reported)."""
    columns = list(table_spec(table).columns)
    header_fields = set(table_spec("header").columns) | {"UASC"}
    extra = sorted(
        {k for r in records for k in r}
        - set(columns)
        - header_fields
        - {f for fs in xml_layout()["in_header"].values() for f in fs}
    )
    data = {c: [r.get(c) or None for r in records] for c in columns + extra}
    frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.Utf8))
    return frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


def read_xml_return(path: Path) -> dict[str, pl.DataFrame]:
    """Every table the XML file holds (only those with rows), all text, ``source_row`` = record."""
    layout = xml_layout()
    root = _parse(path)
    record = layout["record"]
    rows: dict[str, list[dict]] = {
        t: [] for t in ("header", *layout["groups"].values(), *layout["in_header"])
    }
    for el in root.iter():
        if _local(el.tag) == record and len(el):
            _child_rows(el, layout, rows)
    if not rows["header"]:
        raise InputError(
            "the XML file holds no child records",
            where=Location(file=str(path)),
            fix="check this is the SSDA903 return: the DfE layout has one <CHILD> per child holding "
            "<HEADER> (CHILDID, SEX, DOB, ...) and its <EPISODE> elements",
        )
    return {t: _frame(r, t) for t, r in rows.items() if r}

"""PDF/A for every official PDF Naskah makes: one finishing step (`pdfa_finish`) run on the
rendered bytes before anything signs them, and the checks (`pdfa_problems`) the tests hold
every builder to.

The repairs a merged attachment may need (image interpolation, annotation print flags,
document JavaScript, one output intent, the XMP declaration) are pikepdf's own
(`pikepdf.pdfa.prepare`); this module adds what is ours: the document information, the
files embedded as associated files (PDF/A-3), the actions a record must not carry, and one
PDF version in the header and the catalog. Signing appends incremental revisions afterwards;
nothing here may run on signed bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from pikepdf import pdfa as pikepdf_pdfa
from pikepdf.models.metadata import encode_pdf_date

log = logging.getLogger(__name__)

VERSION = "1.7"  # PDF/A-2 and PDF/A-3 are based on PDF 1.7
CREATOR = "Naskah"
# Actions ISO 19005-2/3 (6.5.1) forbids; a named action is allowed for page turning only.
FORBIDDEN_ACTIONS = frozenset(
    {
        "/Launch",
        "/Sound",
        "/Movie",
        "/ResetForm",
        "/ImportData",
        "/Hide",
        "/SetOCGState",
        "/Rendition",
        "/Trans",
        "/GoTo3DView",
        "/JavaScript",
    }
)
NAMED_ALLOWED = frozenset({"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"})
KEPT_INFO = ("/Title", "/Author", "/Subject", "/Keywords")
PLACEHOLDERS = frozenset({"", "untitled", "(anonymous)", "(unspecified)"})  # reportlab's defaults


@dataclass(frozen=True)
class EmbeddedFile:
    """A file carried inside the PDF as an associated file of the document (PDF/A-3)."""

    name: str
    data: bytes
    mime: str
    modified: dt.datetime
    description: str = ""
    relationship: str = "Supplement"  # ISO 32000-2 /AFRelationship


def pdfa_finish(
    data: bytes,
    *,
    part: int,
    info: Mapping[str, str] | None = None,
    files: Sequence[EmbeddedFile] = (),
    when: dt.datetime | None = None,
    to_sign: bool = False,
) -> bytes:
    """The PDF as PDF/A-`part`b (2 or 3; embedded `files` need 3): document information (the
    renderer's title, author, subject and keywords, `info` over them) and XMP that agree, an
    sRGB output intent, forbidden actions removed, `files` embedded as associated files, one
    PDF version in header and catalog. Fonts are the renderer's to embed (core.pdffonts).
    A PDF `to_sign` names no producer: the signer names itself (see `_producer_leave`)."""
    if files and part != 3:
        raise ValueError("embedded files need PDF/A-3")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        _strip_actions(pdf)
        for page in pdf.pages:  # reportlab's empty page transitions: presentation only
            if "/Trans" in page.obj:
                del page.obj["/Trans"]
        _docinfo_set(pdf, info or {}, when or dt.datetime.now(dt.UTC))
        if "/Metadata" in pdf.Root:  # an appended document's packet would describe it
            del pdf.Root["/Metadata"]
        _embed(pdf, files)
        pikepdf_pdfa.prepare(pdf, f"{part}b")
        if missing := _unembedded_fonts(pdf):  # from a merged attachment: told, not fixed
            log.warning("PDF/A declared, but fonts are not embedded: %s", ", ".join(missing))
        if to_sign:
            _producer_leave(pdf)
        pdf.Root.Version = Name(f"/{VERSION}")
        out = io.BytesIO()
        pdf.save(out, **pikepdf_pdfa.resolve_save_kwargs(f"{part}b", force_version=VERSION))
    return out.getvalue()


def _docinfo_set(pdf, info: Mapping[str, str], when: dt.datetime) -> None:
    """A fresh information dictionary: the descriptive entries kept (reportlab's placeholders
    dropped), `info` over them; the renderer's and the merger's producer and dates would
    disagree with the XMP written from it."""
    old = pdf.trailer.get("/Info", Dictionary())
    date = encode_pdf_date(when)
    fields = {
        **{k: str(old[k]) for k in KEPT_INFO if k in old and str(old[k]) not in PLACEHOLDERS},
        "/Creator": CREATOR,
        "/CreationDate": date,
        "/ModDate": date,
        **{k if k.startswith("/") else f"/{k}": v for k, v in info.items()},
    }
    pdf.trailer.Info = pdf.make_indirect(Dictionary({k: String(v) for k, v in fields.items() if v}))


def _producer_leave(pdf) -> None:
    """Take the producer out of the XMP and the information dictionary. pyHanko, signing,
    writes itself as the XMP's pdf:Producer but appends itself to an information dictionary's
    /Producer it finds ("pikepdf; pyHanko"), so the two would disagree in the signed file;
    with none, it writes the same name in both."""
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        del meta["pdf:Producer"]
    if "/Producer" in pdf.docinfo:
        del pdf.docinfo["/Producer"]


def _embed(pdf, files: Sequence[EmbeddedFile]) -> None:
    """Each file in the EmbeddedFiles name tree and in the catalog's /AF array, with its MIME
    type, size, MD5 checksum (ISO 32000 7.11.4.2) and modification date."""
    if not files:
        return
    tree = pikepdf.NameTree.new(pdf)
    specs = Array()
    for key, f in zip(_unique_keys(f.name for f in files), files, strict=True):
        stream = pikepdf.Stream(pdf, f.data)
        stream.Type = Name.EmbeddedFile
        stream.Subtype = Name("/" + (f.mime or "application/octet-stream"))
        stream.Params = Dictionary(
            Size=len(f.data),
            CheckSum=String(hashlib.md5(f.data, usedforsecurity=False).digest()),
            ModDate=String(encode_pdf_date(f.modified)),
        )
        spec = pdf.make_indirect(
            Dictionary(
                Type=Name.Filespec,
                F=String(f.name),
                UF=String(f.name),
                Desc=String(f.description or f.name),
                AFRelationship=Name("/" + f.relationship),
                EF=Dictionary(F=stream, UF=stream),
            )
        )
        tree[key] = spec
        specs.append(spec)
    if "/Names" not in pdf.Root:
        pdf.Root.Names = Dictionary()
    pdf.Root.Names.EmbeddedFiles = tree.obj
    pdf.Root.AF = specs


def _unique_keys(names) -> Iterator[str]:
    seen: set[str] = set()
    for name in names:
        key, n = name, 1
        while key in seen:
            n += 1
            key = f"{name} ({n})"
        seen.add(key)
        yield key


def _strip_actions(pdf) -> None:
    """Remove the actions a PDF/A file may not carry: additional actions everywhere, and
    forbidden (JavaScript, Launch ...) open and annotation actions of merged attachments."""
    root = pdf.Root  # document JavaScript (the /Names entry) is pikepdf's prepare's
    if "/AA" in root:
        del root["/AA"]
    if "/OpenAction" in root and _forbidden(root.OpenAction):
        del root["/OpenAction"]
    for page in pdf.pages:
        if "/AA" in page.obj:
            del page.obj["/AA"]
        for annot in page.obj.get("/Annots", Array()):
            if "/AA" in annot:
                del annot["/AA"]
            if "/A" in annot and _forbidden(annot.A):
                del annot["/A"]


def _forbidden(action) -> bool:
    if not isinstance(action, Dictionary):
        return False  # a destination array
    kind = action.get("/S")
    if kind in FORBIDDEN_ACTIONS or (kind == "/Named" and action.get("/N") not in NAMED_ALLOWED):
        return True
    following = action.get("/Next")
    if following is None:
        return False
    return any(_forbidden(a) for a in (following if isinstance(following, Array) else [following]))


# --- checks ---------------------------------------------------------------------------------
# What `pdfa_problems` holds a file to, each a named check of ISO 19005-2/3 that pikepdf can
# read without a rendering engine. The tests run it on every official PDF, beside pikepdf's
# own validator and poppler's pdffonts.
INFO_XMP = {
    "/Title": "dc:title",
    "/Author": "dc:creator",
    "/Subject": "dc:description",
    "/Keywords": "pdf:Keywords",
    "/Creator": "xmp:CreatorTool",
    "/Producer": "pdf:Producer",
}
INFO_XMP_DATES = {"/CreationDate": "xmp:CreateDate", "/ModDate": "xmp:ModifyDate"}
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
ANNOT_PRINT, ANNOT_HIDING = 4, 1 | 2 | 32  # Print; Invisible, Hidden, NoView


def pdfa_problems(data: bytes, *, part: int | None = None) -> list[str]:
    """What keeps `data` from being PDF/A-2b/3b (PDF/A-`part`b when given), one line each,
    named by check: header, id, encryption, xmp, info, output-intent, fonts,
    embedded-files, actions, annotations, images. Empty when none is found."""
    header = data[:16].split(b"\n")[0].split(b"\r")[0]
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return ["encryption: the file is encrypted"]
    except pikepdf.PdfError as exc:
        return [f"syntax: {exc}"]
    with pdf:
        problems = _header_problems(pdf, header)
        if pdf.is_encrypted:
            problems.append("encryption: the file is encrypted")
        declared = _xmp_problems(pdf, problems)
        if part is not None and declared != part:
            problems.append(f"xmp: declares part {declared}, expected {part}")
        problems += _output_intent_problems(pdf)
        problems += [f"fonts: {name} is not embedded" for name in _unembedded_fonts(pdf)]
        problems += _embedded_file_problems(pdf, declared)
        problems += _action_problems(pdf)
        problems += _annotation_problems(pdf)
        problems += _image_problems(pdf)
    return problems


def _header_problems(pdf, header: bytes) -> list[str]:
    out = []
    version = header.removeprefix(b"%PDF-").decode("latin-1")
    if not header.startswith(b"%PDF-1.") or version > VERSION:
        out.append(f"header: {header!r} is not %PDF-1.0 to %PDF-{VERSION}")
    catalog = str(pdf.Root.get("/Version", "")).lstrip("/")
    if catalog and catalog != version:
        out.append(f"header: %PDF-{version} but the catalog says /Version {catalog}")
    trailer_id = pdf.trailer.get("/ID")
    if not isinstance(trailer_id, Array) or len(trailer_id) != 2:
        out.append("id: the trailer has no /ID")
    return out


def _xmp_problems(pdf, problems: list[str]) -> int | None:
    """Check the XMP packet and its agreement with the information dictionary; returns the
    declared PDF/A part."""
    stream = pdf.Root.get("/Metadata")
    if stream is None:
        problems.append("xmp: no metadata stream")
        return None
    if "/Filter" in stream:
        problems.append("xmp: the metadata stream is filtered")
    meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
    part, conformance = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
    if part not in {"2", "3"} or conformance not in {"B", "U", "A"}:
        problems.append(f"xmp: pdfaid part {part!r} conformance {conformance!r}")
    info = pdf.trailer.get("/Info", Dictionary())
    for key, prop in INFO_XMP.items():
        value = str(info.get(key, "")) or None
        xmp = meta.get(prop)
        if isinstance(xmp, list | set):
            xmp = "; ".join(xmp) if xmp else None
        if (value or None) != (xmp or None):
            problems.append(f"info: {key} {value!r} but XMP {prop} {xmp!r}")
    for key, prop in INFO_XMP_DATES.items():
        value, xmp = info.get(key), meta.get(prop)
        if (value is None) != (xmp is None) or (
            value is not None and _pdf_date(value) != dt.datetime.fromisoformat(xmp)
        ):
            problems.append(f"info: {key} {value!r} but XMP {prop} {xmp!r}")
    return int(part) if part in {"1", "2", "3"} else None


def _pdf_date(value) -> dt.datetime:
    from pikepdf.models.metadata import decode_pdf_date

    return decode_pdf_date(str(value))


def _output_intent_problems(pdf) -> list[str]:
    intents = [i for i in pdf.Root.get("/OutputIntents", Array()) if i.get("/S") == "/GTS_PDFA1"]
    if len(intents) != 1:
        return [f"output-intent: {len(intents)} GTS_PDFA1 output intents, expected one"]
    profile = intents[0].get("/DestOutputProfile")
    if not isinstance(profile, pikepdf.Stream):
        return ["output-intent: no ICC profile (DestOutputProfile)"]
    icc = profile.read_bytes()
    space = {b"RGB ": 3, b"GRAY": 1, b"CMYK": 4}.get(icc[16:20])
    if icc[36:40] != b"acsp" or space is None or int(profile.get("/N", 0)) != space:
        return ["output-intent: the ICC profile is not an RGB, grey or CMYK output profile"]
    return []


def _resources(pdf) -> Iterator[Dictionary]:
    """Every resource dictionary a page draws with: the pages', their form XObjects',
    patterns', Type 3 fonts' and annotation appearances', each once."""
    seen: set[tuple[int, int]] = set()
    todo = []
    for page in pdf.pages:
        todo.append(page.obj.get("/Resources"))
        for annot in page.obj.get("/Annots", Array()):
            appearance = annot.get("/AP", Dictionary())
            for key in ("/N", "/R", "/D"):
                todo += _appearance_streams(appearance.get(key))
    while todo:
        obj = todo.pop()
        if obj is None:
            continue
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            todo.append(obj.get("/Resources"))
            continue
        yield obj
        for kind in ("/XObject", "/Pattern", "/Font"):
            for child in obj.get(kind, Dictionary()).values():
                if kind != "/XObject" or child.get("/Subtype") == "/Form":
                    todo.append(child if kind != "/Font" else child.get("/Resources"))


def _appearance_streams(obj) -> list:
    if isinstance(obj, pikepdf.Stream):
        return [obj]
    if isinstance(obj, Dictionary):
        return [s for s in obj.values() if isinstance(s, pikepdf.Stream)]
    return []


def _unembedded_fonts(pdf) -> list[str]:
    missing = []
    for resources in _resources(pdf):
        for font in resources.get("/Font", Dictionary()).values():
            if font.get("/Subtype") == "/Type3":
                continue
            if font.get("/Subtype") == "/Type0":
                font = font.DescendantFonts[0]
            descriptor = font.get("/FontDescriptor", Dictionary())
            if not any(key in descriptor for key in FONT_FILES):
                missing.append(str(font.get("/BaseFont", "?")))
    return sorted(set(missing))


def _embedded_file_problems(pdf, part: int | None) -> list[str]:
    names = pdf.Root.get("/Names", Dictionary()).get("/EmbeddedFiles")
    if names is None:
        return []
    if part != 3:
        return ["embedded-files: files are embedded, which only PDF/A-3 allows"]
    listed = {spec.objgen for spec in pdf.Root.get("/AF", Array()) if spec.is_indirect}
    out = []
    for key, spec in pikepdf.NameTree(names).items():
        stream = spec.get("/EF", Dictionary()).get("/F")
        params = stream.get("/Params", Dictionary()) if stream is not None else Dictionary()
        missing = [k for k in ("/AFRelationship", "/UF") if k not in spec]
        missing += [k for k in ("/Subtype",) if stream is None or k not in stream]
        missing += [f"/Params{k}" for k in ("/Size", "/CheckSum", "/ModDate") if k not in params]
        if missing:
            out.append(f"embedded-files: {key} lacks {', '.join(missing)}")
        elif stream is not None:
            body = stream.read_bytes()
            if (
                int(params.Size) != len(body)
                or bytes(params.CheckSum) != hashlib.md5(body, usedforsecurity=False).digest()
            ):
                out.append(f"embedded-files: {key} does not match its /Size or /CheckSum")
        if spec.objgen not in listed:
            out.append(f"embedded-files: {key} is not in the catalog's /AF")
    return out


def _action_problems(pdf) -> list[str]:
    root, out = pdf.Root, []
    if "/JavaScript" in root.get("/Names", Dictionary()):
        out.append("actions: document JavaScript")
    if "/AA" in root or ("/OpenAction" in root and _forbidden(root.OpenAction)):
        out.append("actions: the catalog has an additional or forbidden open action")
    for n, page in enumerate(pdf.pages, start=1):
        if "/AA" in page.obj:
            out.append(f"actions: page {n} has additional actions")
        for annot in page.obj.get("/Annots", Array()):
            if "/AA" in annot or ("/A" in annot and _forbidden(annot.A)):
                out.append(f"actions: an annotation on page {n} has a forbidden action")
    return out


def _annotation_problems(pdf) -> list[str]:
    out = []
    for n, page in enumerate(pdf.pages, start=1):
        for annot in page.obj.get("/Annots", Array()):
            flags = int(annot.get("/F", 0))
            if annot.get("/Subtype") != "/Popup" and (
                not flags & ANNOT_PRINT or flags & ANNOT_HIDING
            ):
                out.append(f"annotations: a {annot.get('/Subtype')} on page {n} is not printed")
    return out


def _image_problems(pdf) -> list[str]:
    return [
        "images: an image asks for interpolation"
        for resources in _resources(pdf)
        for xobject in resources.get("/XObject", Dictionary()).values()
        if xobject.get("/Subtype") == "/Image" and bool(xobject.get("/Interpolate", False))
    ]

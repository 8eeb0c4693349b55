"""Build compact copies of the CJK faces the documents use, once per process.

Debian's Noto Serif CJK faces live in 26 MB collections of five languages. For every PDF it writes, WeasyPrint
copies the whole face and subsets it keeping glyph ids (about 45 ms and 150 KB per face and document). A copy cut
down once, at first use, to GB 2312 plus common punctuation keeps everyday Chinese and makes each PDF about twice as
fast and three times smaller. Characters outside it (a rare character in a name) fall back to the installed face,
so nothing is lost; if anything here fails, the documents simply use the installed faces.
"""

from __future__ import annotations

import ctypes.util
import functools
import logging
import shutil
import subprocess

log = logging.getLogger(__name__)

#: Family name of the compact faces; BaseFont in the PDF becomes e.g. ``ABCDEF+Noto-Serif-CJK-SC-GB2312-Bold``.
COMPACT_FAMILY = "Noto Serif CJK SC GB2312"
#: (URL the stylesheet loads the face from, CSS font-weight, fontconfig pattern of the installed face)
FACES = (
    ("hotline-font:serif-regular", "normal", "Noto Serif CJK SC:style=Regular"),
    ("hotline-font:serif-bold", "bold", "Noto Serif CJK SC:style=Bold"),
)
#: Beyond ASCII and GB 2312: Latin-1, general punctuation, number forms, arrows, circled numbers, shapes, CJK
#: punctuation and full-width forms (〇 and — are not in Python's GB 2312 table).
EXTRA_RANGES = ((0x00A0, 0x00FF), (0x2000, 0x206F), (0x2150, 0x218F), (0x2190, 0x21FF), (0x2460, 0x24FF),
                (0x25A0, 0x26FF), (0x3000, 0x303F), (0xFF00, 0xFFEF))
_DROP_TABLES = (b"GSUB", b"GPOS", b"GDEF", b"BASE", b"JSTF", b"DSIG", b"vhea", b"vmtx", b"VORG")
_HB_SUBSET_SETS_DROP_TABLE_TAG = 3

_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
void hb_blob_destroy(hb_blob_t *blob);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
void hb_face_destroy(hb_face_t *face);
void hb_set_add(hb_set_t *set, uint32_t codepoint);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""


def coverage() -> list[int]:
    """Return the code points the compact faces keep."""
    points = set(range(0x20, 0x7F))
    for low, high in EXTRA_RANGES:
        points.update(range(low, high + 1))
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((lead, trail)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return sorted(points)


def locate(pattern: str) -> tuple[str, int] | None:
    """Find the file and collection index of an installed face, or None when fontconfig offers something else."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    result = subprocess.run([fc_match, "-f", "%{family}|%{style}|%{file}|%{index}", pattern],
                            capture_output=True, text=True, timeout=10, check=False)
    try:
        families, styles, path, index = result.stdout.split("|")
    except ValueError:
        return None
    family, style = pattern.split(":style=")
    if family not in families.split(",") or style not in styles.split(","):
        return None
    return path, int(index)


@functools.cache
def _harfbuzz():
    import cffi  # a WeasyPrint dependency; imported here so that nothing loads unless compact faces are built

    ffi = cffi.FFI()
    ffi.cdef(_CDEF)
    names = [ctypes.util.find_library("harfbuzz-subset"), "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib"]
    for name in filter(None, names):
        try:
            # hb_subset_* live in harfbuzz-subset, which links harfbuzz: one handle resolves both.
            return ffi, ffi.dlopen(name)
        except OSError:
            continue
    raise OSError("libharfbuzz-subset not found")


def subset_face(path: str, index: int, codepoints: list[int]) -> bytes:
    """Cut one face of a font file down to ``codepoints`` (new glyph ids, no layout or vertical tables).

    :raises OSError: when HarfBuzz cannot load or subset the face.
    """
    ffi, hb = _harfbuzz()
    blob = hb.hb_blob_create_from_file_or_fail(path.encode())
    if blob == ffi.NULL:
        raise OSError(f"cannot read {path}")
    face = hb.hb_face_create(blob, index)
    request = hb.hb_subset_input_create_or_fail()
    subset = result = ffi.NULL
    try:
        unicodes = hb.hb_subset_input_unicode_set(request)
        for point in codepoints:
            hb.hb_set_add(unicodes, point)
        dropped = hb.hb_subset_input_set(request, _HB_SUBSET_SETS_DROP_TABLE_TAG)
        for tag in _DROP_TABLES:
            hb.hb_set_add(dropped, int.from_bytes(tag, "big"))
        subset = hb.hb_subset_or_fail(face, request)
        if subset == ffi.NULL:
            raise OSError(f"HarfBuzz could not subset {path}#{index}")
        result = hb.hb_face_reference_blob(subset)
        length = ffi.new("unsigned int *")
        data = hb.hb_blob_get_data(result, length)
        return ffi.unpack(data, length[0])
    finally:
        for pointer, destroy in ((result, hb.hb_blob_destroy), (subset, hb.hb_face_destroy),
                                 (request, hb.hb_subset_input_destroy), (face, hb.hb_face_destroy),
                                 (blob, hb.hb_blob_destroy)):
            if pointer != ffi.NULL:
                destroy(pointer)


def compact_faces() -> tuple[str, dict[str, bytes]]:
    """Return the ``@font-face`` rules and the font bytes their URLs stand for; ("", {}) when they cannot be built."""
    try:
        codepoints = coverage()
        fonts, rules = {}, []
        for url, weight, pattern in FACES:
            found = locate(pattern)
            if found is None:
                raise OSError(f"no installed face matches {pattern!r}")
            fonts[url] = subset_face(*found, codepoints)
            rules.append(f'@font-face {{ font-family: "{COMPACT_FAMILY}"; font-weight: {weight}; src: url("{url}"); }}')
    except (OSError, subprocess.SubprocessError, ImportError) as exc:
        log.warning("using the installed CJK faces as they are (slower, larger PDFs): %s", exc)
        return "", {}
    return "\n".join(rules) + "\n", fonts

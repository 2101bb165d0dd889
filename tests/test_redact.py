"""The redactor: one set of shapes, the input's own values, and what it leaves alone.

Every ID number here has a wrong check character; phones are 139 0000 …-style.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trafficprev._scan import scan_outputs
from trafficprev.privacy import (
    PLACEHOLDERS,
    PersonalValues,
    Redactor,
    check_id_numbers,
    find_shapes,
    personal_values,
    redact_shapes,
)


def _bad_id(body17: str, last: str = "") -> str:
    """`body17` and a check character that is wrong (never a valid ID number)."""
    for c in last + "0123456789X":
        if check_id_numbers(pd.Series([body17 + c])).iloc[0] == "bad_checksum":
            return body17 + c
    raise AssertionError(body17)


ID18 = _bad_id("43990219880715003")
ID18_X = _bad_id("43990219880715004", last="X")
ID15 = "439902880715003"
MOBILE = "13900001111"
ID, PHONE, NAME, PLATE, DECISION = (PLACEHOLDERS[k] for k in PLACEHOLDERS)
FW = str.maketrans("0123456789()+-X ", "０１２３４５６７８９（）＋－Ｘ\u3000")


# --- shapes -------------------------------------------------------------------------------

SHAPED = [
    # 18-character IDs: plain, X and x last, spaced as clerks type them, full-width
    (f"身份证{ID18}", f"身份证{ID}"),
    (f"证件{ID18_X}。", f"证件{ID}。"),
    (f"证件{ID18_X.lower()}", f"证件{ID}"),
    (f"身份证 {ID18[:6]} {ID18[6:14]} {ID18[14:]}", f"身份证 {ID}"),
    (f"身份证 {ID18[:6]} {ID18[6:10]} {ID18[10:14]} {ID18[14:]}", f"身份证 {ID}"),
    (f"身份证{ID18_X.translate(FW)}", f"身份证{ID}"),
    (f"旧证{ID15}号", f"旧证{ID}号"),
    # mobiles: plain, +86, 0086, spaced and hyphenated 3-4-4, full-width, the demo's 100…
    (f"电话{MOBILE}", f"电话{PHONE}"),
    (f"手机+86 {MOBILE}", f"手机{PHONE}"),
    (f"手机+86-{MOBILE[:3]}-{MOBILE[3:7]}-{MOBILE[7:]}", f"手机{PHONE}"),
    (f"手机(+86){MOBILE}", f"手机{PHONE}"),
    (f"手机0086{MOBILE}", f"手机{PHONE}"),
    (f"联系 {MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]} 谢谢", f"联系 {PHONE} 谢谢"),
    (f"店{MOBILE.translate(FW)}", f"店{PHONE}"),
    ("演示10017805301", f"演示{PHONE}"),
    # landlines with their area code, however written
    ("电话0736-7654321", f"电话{PHONE}"),
    ("(0736)7654321", PHONE),
    ("（0736）7654321", PHONE),
    ("（０７３６）７６５４３２１", PHONE),
    ("座机0736 7654321", f"座机{PHONE}"),
    ("座机07367654321", f"座机{PHONE}"),
    ("北京010-87654321", f"北京{PHONE}"),
    ("广州020 87654321", f"广州{PHONE}"),
    ("+86 736 7654321", PHONE),
    # a local number only after a word that says it is one
    ("电话：7654321", f"电话：{PHONE}"),
    ("联系电话 765-4321", f"联系电话 {PHONE}"),
    ("电话号码:87654321", f"电话号码:{PHONE}"),
    ("Tel:7654321", f"Tel:{PHONE}"),
    ("TEL 87654321", f"TEL {PHONE}"),
    ("☎7654321", f"☎{PHONE}"),
    # plates and decision numbers
    ("湘J·X1384撞", f"{PLATE}撞"),
    ("湘AD12345", PLATE),
    ("示人社工伤认字〔2023〕0001号", DECISION),
]

UNTOUCHED = [
    "91439900MA4J58RQ5R",  # credit codes
    "1143990048626200X0",
    "12439900245840534B",
    "111.6930822,29.0312345",  # coordinates, also ones whose decimals look like a phone
    "111.13907361234",
    "29.13907361234567",
    "2024-05-30T07:30:00+08:00",  # dates and times
    "20240530073000",
    "2024年9月25日7时55分",
    "07:30-08:30",
    "G319线K12+300",  # road codes and stakes
    "S224与X064交叉口",
    "G55二广高速1587KM+170M",
    "人民路128号",  # house numbers
    "建设路与红旗街交汇处以南约80米",
    "marker_8f3c13907361234a4d0e",  # hex ids, longer numbers, OSM ids
    "13907361234567",
    "11390736123",
    "4307021985020256789",
    "1717038000000",
    "第14条第1款（六）项",
    "Hotel 7654321",  # a local number without a phone word
    "邮编415000",
]


@pytest.mark.parametrize(("text", "expected"), SHAPED)
def test_shapes_are_replaced(text, expected):
    assert Redactor()(text) == expected


@pytest.mark.parametrize("text", UNTOUCHED)
def test_other_numbers_are_left_alone(text):
    assert Redactor()(text) == text
    assert find_shapes(text) == []


def test_the_scanner_flags_what_the_redactor_removes(tmp_path):
    """One set of patterns: _scan has none of its own; every shaped text above is flagged by
    the output scanner, and none once redacted (plates are redacted, not scanned)."""
    import trafficprev._scan as scan

    own = re.compile(r"_(ID|PHONE|DECISION|PLATE)(_[A-Z]+)*|_DATE\d")  # _ID_RE, _DATE8, …
    assert not [n for n in vars(scan) if own.fullmatch(n)]
    texts = [t for t, _ in SHAPED if "湘" not in t]
    before = tmp_path / "before.txt"
    before.write_text("\n".join(texts), encoding="utf-8")
    raw = before.read_bytes()
    found = scan_outputs(before)
    assert {raw[: int(w.split()[1])].count(b"\n") for w in found["where"]} == set(range(len(texts)))
    after = tmp_path / "after.txt"
    after.write_text("\n".join(Redactor()(t) for t in texts), encoding="utf-8")
    assert scan_outputs(after).empty


# --- the input's own values ---------------------------------------------------------------


def test_names_anywhere_longest_first_with_ascii_boundaries():
    r = Redactor(names=["测试甲一", "测试甲", "测试乙二26", "测试乙二2", "甲", "  ", None, "Li"])
    assert r("测试甲一在测试甲家门口") == f"{NAME}在{NAME}家门口"
    assert r("测试乙二26驾车；测试乙二261不是同一人") == f"{NAME}驾车；测试乙二261不是同一人"
    assert r("甲方 Li Wei") == "甲方 Li Wei"  # one character, Latin: too vague to search
    assert r(["测试甲一", ("测试甲一公司", 3, True), 7, None]) == [
        NAME,
        (f"{NAME}公司", 3, True),
        7,
        None,
    ]


def test_the_inputs_own_numbers_whatever_their_shape():
    r = Redactor(numbers=["7654321", " 0736-7654 ", "43990219721345063X", "12345", "abc"])
    assert r("门牌7654321号") == f"门牌{PHONE}号"  # a phone typed without its area code
    assert r("x07367654y 07367654") == f"x07367654y {PHONE}"
    assert r("43990219721345063x") == ID  # impossible birth date: the shape misses it
    assert r("邮编12345") == "邮编12345"  # five digits: too short to search
    assert r("17654321") == "17654321"  # a longer number is another number


def test_personal_values_from_intake_tables():
    protected = pd.DataFrame(
        {
            "worker_name": ["测试甲一", None, "测试乙二26"],
            "id_number": [ID18, "", "nan"],
            "phone": ["10017805301", "+86 139 0000 1111", None],
        }
    )
    cases = pd.DataFrame(
        {"decision_no": ["示人社工伤认字〔2023〕0001号", "示人社工伤认字〔2023〕0002号"]}
    )
    values = personal_values(protected, cases)
    assert values.words == {
        "测试甲一": "name",
        "测试乙二26": "name",
        "示人社工伤认字〔2023〕0001号": "decision_no",
        "示人社工伤认字〔2023〕0002号": "decision_no",
    }
    assert values.digits == {
        ID18: "id_number",
        "10017805301": "phone",
        "8613900001111": "phone",
        "13900001111": "phone",
    }
    r = Redactor.from_protected(protected, cases)
    assert r("测试乙二26，8613900001111，第0002号，示人社工伤认字〔2023〕0002号") == (
        f"{NAME}，{PHONE}，第0002号，{DECISION}"
    )


def test_placeholders_are_never_found_again():
    r = Redactor(names=["姓名", "隐去", "测试甲一"])  # "names" that are parts of placeholders
    once = r(f"测试甲一 {MOBILE} {ID18}")
    assert once == f"{NAME} {PHONE} {ID}"
    assert r(once) == once


def test_series_and_frame_keep_dtypes_ids_and_non_text():
    r = Redactor(names=["测试甲一"])
    s = pd.Series(["人民路", f"电话{MOBILE}", None], dtype="str")
    out = r.series(s)
    assert out.dtype == s.dtype and out.tolist()[:2] == ["人民路", f"电话{PHONE}"]
    assert pd.isna(out.iloc[2])
    frame = pd.DataFrame(
        {
            "site_id": [f"S{MOBILE}", "S2"],
            "name": ["测试甲一公司", "人民路"],
            "top": [(("测试甲一公司", 5, True),), ()],
            "n": [5, 3],
        }
    )
    got = r.frame(frame, skip=["site_id"])
    assert got["site_id"].tolist() == frame["site_id"].tolist()
    assert got["name"].tolist() == [f"{NAME}公司", "人民路"]
    assert got["top"].tolist() == [((f"{NAME}公司", 5, True),), ()]
    assert got["n"].tolist() == [5, 3]
    assert frame["name"].iloc[0] == "测试甲一公司"  # a copy
    assert redact_shapes(pd.Series(["G319", f"（{ID18}）"])).tolist() == ["G319", f"（{ID}）"]
    with pytest.raises(ValueError, match="unknown kind"):
        Redactor(kinds=["plates"])
    assert Redactor(kinds=())(f"测试甲一{MOBILE}") == f"测试甲一{MOBILE}"


def test_scales_to_a_large_protected_table():
    """200,000 names, 400,000 numbers and 200,000 decision numbers (a big city's years):
    prepared and used on 20,000 place texts in seconds (a regular expression of the names,
    as the scanner compiled before, took over 20 s here)."""
    n = 200_000
    rng = np.random.default_rng(0)
    names = [f"测试{chr(0x4E00 + i % 5000)}{chr(0x4E00 + i // 5000)}" for i in range(n)]
    numbers = [f"100{x:08d}" for x in rng.integers(10**8, size=2 * n)]
    decisions = [f"示人社工伤认字〔{2015 + i % 10}〕{i:06d}号" for i in range(n)]
    places = [f"{names[i]}家门口建设路与人民路交叉口{i}米" for i in range(0, n, 10)]
    started = time.perf_counter()
    r = Redactor(known=PersonalValues.of([*names, *numbers, *decisions]))
    out = r.series(pd.Series(places))
    seconds = time.perf_counter() - started
    assert out.str.startswith(NAME).all()
    assert seconds < 15, seconds


# --- properties ---------------------------------------------------------------------------

_FILLER = st.sampled_from([*"路口东南西北与交叉米约在号段前往，。；（）() -:/", "人民", "建设"])
_SAFE = st.one_of(
    st.sampled_from(UNTOUCHED),
    st.integers(0, 99999).map(str),  # short numbers: house numbers, metres, times
    st.integers(10**18, 10**22).map(str),  # longer than any shape
    st.floats(100, 120).map(lambda x: f"{x:.7f}"),  # coordinates
    st.dates().map(lambda d: d.strftime("%Y-%m-%d")),
    st.from_regex(r"[GSXYC][0-9]{3}", fullmatch=True),
    st.from_regex(r"[0-9A-HJ-NPQRTUWXY]{18}", fullmatch=True).filter(
        lambda c: re.search(r"[A-Z]", c[:17]) is not None
    ),  # credit-code-like: a letter among the first 17
)
_PERSONAL = st.one_of(
    st.sampled_from([t for t, _ in SHAPED]),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"0(10|2[0-9]|[3-9][0-9]{2})-[2-9][0-9]{6,7}", fullmatch=True),
)
_SEP = st.sampled_from(["，", "。", " ", "（", "）", "、", "在", "电"])
# a space between short numbers may make a phone (139 1234 5678): not for the safe texts
_SAFE_SEP = st.sampled_from(["，", "。", "（", "）", "、", "在", "电", "/"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_FILLER, _SAFE), max_size=12), _SAFE_SEP)
def test_no_digit_run_outside_the_shapes_changes(pieces, sep):
    text = sep.join(pieces)
    assert Redactor()(text) == text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_FILLER, _SAFE, _PERSONAL), max_size=10), _SEP)
def test_redacted_text_holds_no_shape_and_redacting_again_changes_nothing(pieces, sep):
    text = sep.join(pieces)
    r = Redactor(names=["测试甲一"])
    once = r(text)
    assert find_shapes(once) == []
    assert "测试甲一" not in once
    assert r(once) == once
    # what was kept is the text outside the replaced pieces, in order
    kept = re.split("|".join(map(re.escape, PLACEHOLDERS.values())), once)
    at = 0
    for piece in kept:
        at = text.find(piece, at)
        assert at >= 0, (piece, text)
        at += len(piece)


@settings(max_examples=100, deadline=None)
@given(_FILLER, st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), _FILLER)
def test_a_mobile_between_words_is_always_replaced(before, phone, after):
    assert Redactor()(f"{before}{phone}{after}") == f"{before}{PHONE}{after}"

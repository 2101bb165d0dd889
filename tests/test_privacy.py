"""ID-number and credit-code checks, personal-column detection, formula neutralisation."""

from __future__ import annotations

import pandas as pd
import pytest

from trafficprev.privacy import (
    check_credit_codes,
    check_id_numbers,
    id_birth_dates,
    id_sexes,
    looks_personal_header,
    looks_personal_values,
    neutralize_formula,
    neutralize_formulas,
)


def test_id_checks(make_valid_id):
    good = make_valid_id("43070219850202567")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    ids = pd.Series(
        [
            good,
            good.lower(),
            wrong,
            "",
            None,
            "4.30702198502026E+17",
            "430702850202567",
            "43070219851302567X",
            "43070219850202",
            "abc",
        ]
    )
    got = check_id_numbers(ids).tolist()
    assert got == [
        "ok",
        "ok",
        "bad_checksum",
        "missing",
        "missing",
        "excel_number",
        "old_15_digit",
        "bad_birth_date",
        "bad_format",
        "bad_format",
    ]


def test_id_stored_as_number_flag(make_valid_id):
    good = make_valid_id("43070219900101123")
    got = check_id_numbers(pd.Series([good, good]), stored_as_number=pd.Series([False, True]))
    assert got.tolist() == ["ok", "excel_number"]


def test_birth_and_sex_only_from_valid_ids(make_valid_id):
    good = make_valid_id("43070219900101123")  # 17th digit 3: odd -> 男
    ids = pd.Series([good, good[:-1] + "Z"])
    checks = check_id_numbers(ids)
    births = id_birth_dates(ids, checks)
    assert births.iloc[0] == pd.Timestamp("1990-01-01") and pd.isna(births.iloc[1])
    assert id_sexes(ids, checks).tolist()[0] == "男"


def test_credit_codes():
    # GB 32100 check character computed independently of the code under test
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    body = "91430700MA4L2X3Y4"
    check = alphabet[
        (31 - sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True)) % 31) % 31
    ]
    got = check_credit_codes(pd.Series([body + check, body + "I", "", "123"])).tolist()
    assert got == ["ok", "bad", "missing", "bad"]


@pytest.mark.parametrize("header", ["家庭住址", "车牌号", "联系人电话", "诊断结果", "Home Address"])
def test_personal_headers(header):
    assert looks_personal_header(header)


def test_personal_values(make_valid_id):
    assert looks_personal_values(pd.Series(["", "备注：" + make_valid_id("43070219900101123")]))
    assert looks_personal_values(pd.Series(["电话13912345678"]))
    assert looks_personal_values(pd.Series(["湘J·A1234"]))
    assert not looks_personal_values(pd.Series(["人民路与建设路交叉口", "2024-03-05"]))


@pytest.mark.parametrize(
    "value",
    ["座机（0736）7654321", "联系电话：7654321", "手机139-0736-1234", "+86 139 0736 1234"],
)
def test_personal_values_use_the_one_set_of_shapes(value):
    """Intake's check of unknown columns sees what the redactor and the scanner see."""
    assert looks_personal_values(pd.Series(["", value]))


@pytest.mark.parametrize(
    "value", ["111.13907361234", "111.07361234567", "marker_c13907361234a", "ID:x13907361234"]
)
def test_personal_values_ignore_digits_inside_other_numbers(value):
    """Digits inside coordinates and hex ids are not personal (the old patterns took them for
    phones, and moved such a column to the protected table)."""
    assert not looks_personal_values(pd.Series([value]))


def test_formula_neutralisation():
    for bad in ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1"]:
        assert neutralize_formula(bad) == "'" + bad
    assert neutralize_formula(-3) == -3
    frame = pd.DataFrame({"a": ['=HYPERLINK("http://x")', "ok"], "n": [1, 2]})
    out = neutralize_formulas(frame)
    assert out["a"].tolist()[0].startswith("'=")
    assert frame["a"].tolist()[0].startswith("=")  # input untouched

"""``imagekit.hashers`` must hash exactly like django-imagekit 6.1.1's.

Every md5 and every byte string in this module came from django-imagekit
6.1.1 itself (pilkit 3.0, CPython 3.11). These hashes become cache file
names (see test_names_compat.py), so a site moving from ImageKit to
imagekit keeps its existing cache files only if they match exactly.
"""

import hashlib
import pickle as stdlib_pickle
from io import BytesIO

import pytest

from imagekit.hashers import CanonicalizingPickler, pickle
from imagekit.processors import ResizeToFill

PLAIN_VALUE_HASHES = [
    pytest.param("hello", "a60c5a4a61118b3aaec28fe81d4cb45a", id="'hello'"),
    pytest.param("", "425ec6680a25d6920cd4304a7ff5ebd1", id="''"),
    pytest.param("caf\u00e9", "ac8197915a798132bd01470059859b34", id="'caf\\u00e9'"),
    pytest.param(
        "\u65e5\u672c\u8a9e", "902b7450b8aa926760dcab19a0d5f1c7", id="'\\u65e5\\u672c\\u8a9e'"
    ),
    pytest.param("a\nb", "0f8f7339d47a510373606af1872f3cc5", id="'a\\nb'"),
    pytest.param("back\\slash", "3a1bf2bd091b78fd808608967396bd20", id="'back\\\\slash'"),
    pytest.param("photos/dog.jpg", "e9432b158d4cbba62abfdc910d093507", id="'photos/dog.jpg'"),
    pytest.param(42, "1a5f428b2273f7f3c50db12208b72b72", id="42"),
    pytest.param(0, "2f6b5f08c32ff7cfbfc3b5197da7326d", id="0"),
    pytest.param(-7, "9b7c8ab88b45db0cbd77083a17f01ee5", id="-7"),
    pytest.param(2**70, "0d7dbb154090976d1625280229b6d40b", id="2 ** 70"),
    pytest.param(3.14, "625288a0d7022e39a2124035ef683448", id="3.14"),
    pytest.param(1.5, "352b77d67a568130f6d511f52916c484", id="1.5"),
    pytest.param(-0.0, "ec5246f37e6211844abbd04d9ff568c8", id="-0.0"),
    pytest.param(None, "2c45f80c650c95d1b2dc2b9115fe543b", id="None"),
    pytest.param(True, "408c2c2ee2e4f5cce08cef2b52b31aca", id="True"),
    pytest.param(False, "cc20117a534cb9ec23c1cc3583e777ba", id="False"),
    pytest.param((), "600b64cd040c1246904a4575d479f983", id="()"),
    pytest.param((1,), "67c99e41dca868a8bffb850a1cebf773", id="(1,)"),
    pytest.param((1, 2, 3), "0906479b7aabb3bf7274a822bf2ade66", id="(1, 2, 3)"),
    pytest.param(("a", (1.5, None)), "dc8f8164931148b43008bc3737b63dcd", id="('a', (1.5, None))"),
    pytest.param([], "462dc403f07c0dc6900ff654020581b5", id="[]"),
    pytest.param([1, "a", None], "085e6cedff83f8de9685678c99868b79", id="[1, 'a', None]"),
    pytest.param({}, "734f4d6ea264c45fc7eabaf4d2502b7e", id="{}"),
    pytest.param(
        {"b": 1, "a": 2, "c": {"z": 1, "y": [1, 2]}},
        "2b71fd424940c1f8492050cfae6f3aaf",
        id="{'b': 1, 'a': 2, 'c': {'z': 1, 'y': [1, 2]}}",
    ),
    pytest.param(
        {"quality": 90, "optimize": True, "progressive": True},
        "bcca63f56101ad7a608912023459852d",
        id="{'quality': 90, 'optimize': True, 'progressive': True}",
    ),
    pytest.param(
        {2: "b", 1: "a", 10: "c"},
        "a9cbfbc8897f81fe917c66f6e411e218",
        id="{2: 'b', 1: 'a', 10: 'c'}",
    ),
    pytest.param(
        [{"b": 2, "a": 1}, ("x", {"d": None, "c": 1.5})],
        "689cc4beec68c86f7c05fa74bdd4e3e0",
        id="[{'b': 2, 'a': 1}, ('x', {'d': None, 'c': 1.5})]",
    ),
    pytest.param({3, 1, 2}, "f83d8fed5c3e49a952e8807335a217b4", id="{3, 1, 2}"),
    pytest.param({"b", "a", "c"}, "74dd6e4f7a38297f639e09abfed8db84", id="{'b', 'a', 'c'}"),
    pytest.param(set(), "a8827bbc9b16ede8b39586aa58a8539e", id="set()"),
    pytest.param(
        {"sizes": {300, 100, 200}},
        "6780f2d0471d228e386ceafbb9975a65",
        id="{'sizes': {300, 100, 200}}",
    ),
    pytest.param(b"bytes", "932e0546b3e6104421b1bf868c9974a9", id="b'bytes'"),
    pytest.param(b"\x00\xff", "6d70243b14f07fb1b53e51b1ea3216db", id="b'\\x00\\xff'"),
    pytest.param(
        ["photos/dog.jpg", [], None, None, True],
        "5400e76c8557feccecc3d57cac12858e",
        id="['photos/dog.jpg', [], None, None, True]",
    ),
]


@pytest.mark.parametrize("value, expected", PLAIN_VALUE_HASHES)
def test_pickle_hashes_plain_values_exactly_like_imagekit(value, expected):
    assert pickle(value) == expected


PICKLE_BYTES = [
    pytest.param({"b": 1, "a": 2}, b"(dp0\nVa\np1\nI2\nsVb\np2\nI1\ns.", id="{'b': 1, 'a': 2}"),
    pytest.param(
        {3, 1, 2}, b"c__builtin__\nset\np0\n((lp1\nI1\naI2\naI3\natp2\nRp3\n.", id="{3, 1, 2}"
    ),
    pytest.param("caf\u00e9", b"Vcaf\xe9\np0\n.", id="'caf\\u00e9'"),
    pytest.param(
        [1, 1.5, None, True, "x", (2,)],
        b"(lp0\nI1\naF1.5\naNaI01\naVx\np1\na(I2\ntp2\na.",
        id="[1, 1.5, None, True, 'x', (2,)]",
    ),
    pytest.param(b"ab", b"c_codecs\nencode\np0\n(Vab\np1\nVlatin1\np2\ntp3\nRp4\n.", id="b'ab'"),
    pytest.param(
        ResizeToFill(100, 50),
        b"ccopy_reg\n_reconstructor\np0\n(cpilkit.processors.resize\nResizeToFill\np1\nc__builtin__\nobject\np2\nNtp3\nRp4\n(dp5\nVanchor\np6\nNsVheight\np7\nI50\nsVupscale\np8\nI01\nsVwidth\np9\nI100\nsb.",
        id="ResizeToFill(100, 50)",
    ),
]


@pytest.mark.parametrize("value, expected", PICKLE_BYTES)
def test_canonicalizing_pickler_writes_imagekits_protocol_0_bytes(value, expected):
    out = BytesIO()
    CanonicalizingPickler(out, 0).dump(value)
    assert out.getvalue() == expected


def test_canonicalizing_pickler_is_the_pure_python_pickler():
    assert issubclass(CanonicalizingPickler, stdlib_pickle._Pickler)


@pytest.mark.parametrize("value", [{"quality": 60}, {"quality": 61}, ["photos/dog.jpg"], None])
def test_pickle_returns_the_md5_hexdigest_of_the_canonical_protocol_0_pickle(value):
    out = BytesIO()
    CanonicalizingPickler(out, 0).dump(value)

    assert pickle(value) == hashlib.md5(out.getvalue()).hexdigest()


def test_different_values_hash_to_different_digests():
    values = [{"quality": 60}, {"quality": 61}, ["photos/dog.jpg"], None, "", 0]

    assert len({pickle(value) for value in values}) == len(values)


def test_dict_insertion_order_does_not_change_the_hash():
    first, second = {"a": 1, "b": 2}, {"b": 2, "a": 1}
    assert list(first) != list(second)
    assert pickle(first) == pickle(second) == "dba9a6ba24882a7a6b54d402e891d536"


def test_nested_dict_order_does_not_change_the_hash():
    first = {"c": {"y": [1, 2], "z": 1}, "a": 2, "b": 1}
    second = {"b": 1, "a": 2, "c": {"z": 1, "y": [1, 2]}}
    assert pickle(first) == pickle(second) == "2b71fd424940c1f8492050cfae6f3aaf"


def test_set_iteration_order_does_not_change_the_hash():
    # 0 and 8 collide in a small set, so these two iterate in different orders.
    first, second = {0, 8}, {8, 0}
    assert list(first) != list(second)
    assert pickle(first) == pickle(second) == "cb1861d39ecac8993a78ce322adbaa56"


def test_string_sets_hash_the_same_whatever_the_hash_seed():
    assert pickle({"c", "a", "b"}) == pickle({"b", "a", "c"}) == "74dd6e4f7a38297f639e09abfed8db84"


def test_values_that_compare_equal_but_differ_in_type_hash_differently():
    assert pickle(0) != pickle(False)
    assert pickle(1) != pickle(True)
    assert pickle((1,)) != pickle([1])


def test_processor_hash_does_not_depend_on_attribute_assignment_order():
    processor = ResizeToFill(100, 50)
    reordered = ResizeToFill.__new__(ResizeToFill)
    for key in reversed(list(vars(processor))):
        setattr(reordered, key, vars(processor)[key])
    assert list(vars(reordered)) != list(vars(processor))
    assert pickle(reordered) == pickle(processor) == "e72d48c1dc936143617405d1f657594c"

"""A user's e-mail address: normal form, or a 422 naming the field (no database)."""

from __future__ import annotations

import pytest

from app.accounts.email import normalise
from app.errors import InvalidInput


def test_an_address_in_its_normal_form_and_none_for_blank() -> None:
    assert normalise(" Li.Si@JJ.Example.CN ") == "Li.Si@jj.example.cn"
    assert normalise("张三@公安.中国") == "张三@公安.中国"
    assert normalise("") is None
    assert normalise("   ") is None
    assert normalise(None) is None


@pytest.mark.parametrize(
    "bad", ["lisi", "lisi@", "@jj.example.cn", "li si@jj.example.cn", "a" * 250 + "@x.cn"]
)
def test_a_bad_address_is_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise(bad)
    assert refused.value.errors[0].field == "email"

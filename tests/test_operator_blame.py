"""A refused trade is blamed on the side its error names (zkrollup.operator.orders.blame):
account numbers are matched whole, so maker 12 is not mistaken for taker 1."""
from types import SimpleNamespace

import pytest

from zkrollup.errors import InsufficientMargin
from zkrollup.operator.orders import blame


def maker(account: int):
    return SimpleNamespace(order=SimpleNamespace(order=SimpleNamespace(account=account)))


@pytest.mark.parametrize("text,maker_acct,taker_acct,side", [
    ("account 12 would fail initial margin", 12, 1, "maker"),
    ("account 1 would fail initial margin", 12, 1, "taker"),
    ("account 3 would fail initial margin", 3, 31, "maker"),
    ("account 31 would fail initial margin", 3, 31, "taker"),
    ("maker order: account 1 and account 12", 12, 1, "maker"),
    ("taker order: bad", 12, 1, "taker"),
    ("account 12 trades with account 1", 12, 1, "taker"),
])
def test_the_side_named_by_the_error_is_blamed_with_whole_account_numbers(text, maker_acct, taker_acct, side):
    assert blame(InsufficientMargin(text), maker(maker_acct), taker_acct) == side

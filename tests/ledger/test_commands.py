"""Reading `/debtbot accept` strictly: every command is obeyed as written or refused with what is wrong."""

from __future__ import annotations

from datetime import date

import pytest

from bot.ledger.commands import Acceptance, CommandError, confirmation, error_reply, is_reply_to, parse_accept

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("CODE001 we ship it on Friday", Acceptance("we ship it on Friday", None, rule="CODE001")),
        ("code001 later", Acceptance("later", None, rule="CODE001")),
        ("model-artifact-committed tiny fixture", Acceptance("tiny fixture", None, rule="MODEL001")),
        (
            "DEP001 pinned next sprint until 2026-12-31",
            Acceptance("pinned next sprint", date(2026, 12, 31), rule="DEP001"),
        ),
        ("DEP001 today is fine UNTIL 2026-11-26", Acceptance("today is fine", date(2026, 11, 26), rule="DEP001")),
        (
            "C55433AF4FAD3AEC525F0925 known and tracked",
            Acceptance("known and tracked", None, fingerprint="c55433af4fad3aec525f0925"),
        ),
        ("CODE001 wait until the migration lands", Acceptance("wait until the migration lands", None, rule="CODE001")),
        ("CODE001   spaced   out  \nmore text on the next line", Acceptance("spaced out", None, rule="CODE001")),
    ],
)
def test_a_command_is_read_as_written(arguments: str, expected: Acceptance) -> None:
    assert parse_accept(arguments, today=TODAY) == expected


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("", "Say what to accept"),
        ("CODE001", "Give a reason"),
        ("CODE001 ok", "Give a reason"),
        ("CODE001 until 2026-12-31", "Give a reason"),
        ("CODE001 fine until", "`until` needs a date"),
        ("CODE001 fine until tomorrow", "`tomorrow` is not a date: write it as YYYY-MM-DD."),
        ("CODE001 fine until 2026-02-30", "`2026-02-30` is not a date"),
        ("CODE001 fine until 26-12-2026", "`26-12-2026` is not a date"),
        ("CODE001 fine until 2026-11-25", "`2026-11-25` has passed already"),
        ("NOPE042 fine", "`NOPE042` is neither a rule nor a fingerprint"),
        ("c55433af4fad3aec525f09 short fingerprint", "is neither a rule nor a fingerprint"),
        ("CODE001 " + "x" * 1001, "Keep the reason under 1000 characters."),
    ],
)
def test_a_command_that_cannot_be_obeyed_says_why(arguments: str, message: str) -> None:
    with pytest.raises(CommandError, match=r".") as refused:
        parse_accept(arguments, today=TODAY)
    assert message in str(refused.value)


def test_replies_carry_the_commands_marker_and_say_what_was_done() -> None:
    acceptance = Acceptance("tiny fixture", date(2026, 12, 31), rule="MODEL001")

    body = confirmation("maya", 77, acceptance, items=3, rerun="a" * 40)

    assert body.startswith("@maya accepted rule `MODEL001` until 2026-12-31: tiny fixture")
    assert "3 open items of the ledger are now accepted." in body
    assert f"Reviewing commit {'a' * 12} again." in body
    assert is_reply_to(body, 77)
    assert not is_reply_to(body, 7)
    assert is_reply_to(error_reply("maya", 7, "no."), 7)

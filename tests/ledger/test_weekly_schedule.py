"""When a weekly report is due: the configured day and hour in the configured timezone, the week after the week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.ledger.history import IsoWeek
from bot.ledger.weekly import due_at, latest_due, may_be_due, weeks_due, zone
from checks.config import WeeklySummary as Schedule

DEFAULT = Schedule()
W45 = IsoWeek(2026, 45)  # 2 to 8 November 2026
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_the_default_is_monday_nine_utc_for_the_week_before() -> None:
    assert due_at(W45, DEFAULT, UTC) == at("2026-11-09T09:00:00+00:00")
    assert latest_due(at("2026-11-09T08:59:59+00:00"), DEFAULT, UTC) == W45 - 1
    assert latest_due(at("2026-11-09T09:00:00+00:00"), DEFAULT, UTC) == W45
    assert latest_due(at("2026-11-15T23:59:00+00:00"), DEFAULT, UTC) == W45


def test_a_custom_weekday_and_hour_in_a_timezone() -> None:
    friday_five = Schedule(weekday="fri", hour=17, timezone="America/New_York")
    tz = zone(friday_five.timezone)
    # Friday 13 November 17:00 in New York (EST, UTC-5) is 22:00 UTC.
    assert due_at(W45, friday_five, tz) == at("2026-11-13T22:00:00+00:00")
    assert latest_due(at("2026-11-13T21:59:00+00:00"), friday_five, tz) == W45 - 1
    assert latest_due(at("2026-11-13T22:00:00+00:00"), friday_five, tz) == W45


def test_a_timezone_ahead_of_utc_reports_its_own_week() -> None:
    sydney = Schedule(timezone="Australia/Sydney")
    tz = zone(sydney.timezone)
    # Monday 09:00 in Sydney (AEDT, UTC+11) is still Sunday in UTC: the report of Sydney's last week is due.
    sunday_utc = at("2026-11-08T22:00:00+00:00")
    assert latest_due(sunday_utc, sydney, tz) == W45
    assert latest_due(sunday_utc, DEFAULT, UTC) == W45 - 1


def test_daylight_saving_moves_the_moment_not_the_hour() -> None:
    berlin = Schedule(timezone="Europe/Berlin")
    tz = ZoneInfo("Europe/Berlin")
    before = due_at(IsoWeek(2026, 12), berlin, tz)  # Monday 23 March: CET
    after = due_at(IsoWeek(2026, 13), berlin, tz)  # Monday 30 March: CEST since the 29th
    assert (before.astimezone(UTC).hour, after.astimezone(UTC).hour) == (8, 7)


def test_weeks_due_follow_the_last_report_and_catch_up_four_at_most() -> None:
    now = at("2026-11-09T10:00:00+00:00")
    assert weeks_due(now, DEFAULT, UTC, last_reported=W45 - 1, known_since=LONG_AGO) == [W45]
    assert weeks_due(now, DEFAULT, UTC, last_reported=W45, known_since=LONG_AGO) == []
    assert weeks_due(now, DEFAULT, UTC, last_reported=W45 - 3, known_since=LONG_AGO) == [W45 - 2, W45 - 1, W45]
    assert weeks_due(now, DEFAULT, UTC, last_reported=W45 - 20, known_since=LONG_AGO) == [
        W45 - 3,
        W45 - 2,
        W45 - 1,
        W45,
    ]


def test_a_repository_s_first_report_is_of_its_first_full_week() -> None:
    now = at("2026-11-09T10:00:00+00:00")
    assert weeks_due(now, DEFAULT, UTC, last_reported=None, known_since=LONG_AGO) == [W45]
    assert weeks_due(now, DEFAULT, UTC, last_reported=None, known_since=W45.start) == [W45]
    wednesday = W45.start + timedelta(days=2)
    assert weeks_due(now, DEFAULT, UTC, last_reported=None, known_since=wednesday) == []
    assert weeks_due(now + timedelta(weeks=1), DEFAULT, UTC, last_reported=None, known_since=wednesday) == [W45 + 1]


@pytest.mark.parametrize("zone_name", ["Pacific/Kiritimati", "UTC", "Pacific/Pago_Pago", "Asia/Kolkata"])
def test_the_config_free_check_never_skips_a_due_report(zone_name: str) -> None:
    """`may_be_due` (no config read) is True whenever some schedule has a report due."""
    tz = ZoneInfo(zone_name)
    start = at("2026-11-06T00:00:00+00:00")
    for hours in range(0, 24 * 10, 1):
        now = start + timedelta(hours=hours)
        for schedule in (Schedule(timezone=zone_name), Schedule(weekday="sun", hour=23, timezone=zone_name)):
            for last in (None, W45 - 1, W45, W45 + 1):
                for since in (LONG_AGO, W45.start - timedelta(hours=20), now - timedelta(minutes=1)):
                    if weeks_due(now, schedule, tz, last_reported=last, known_since=since):
                        assert may_be_due(now, last_reported=last, known_since=since), (now, schedule, last, since)


def test_the_config_free_check_skips_what_is_done_and_what_is_new() -> None:
    monday = at("2026-11-09T10:00:00+00:00")
    tuesday = monday + timedelta(days=1)
    assert may_be_due(tuesday, last_reported=None, known_since=LONG_AGO)
    assert not may_be_due(tuesday, last_reported=W45, known_since=LONG_AGO)
    # A repository debtbot met minutes ago has no full week yet.
    assert not may_be_due(tuesday, last_reported=None, known_since=tuesday - timedelta(minutes=5))


def test_an_unknown_timezone_falls_back_to_utc() -> None:
    assert zone("Mars/Olympus_Mons") is UTC
    assert zone("../../etc/passwd") is UTC
    assert zone("Asia/Tokyo") == ZoneInfo("Asia/Tokyo")

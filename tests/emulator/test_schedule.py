"""NCRONTAB and TimeSpan schedules read as the Functions host reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emulator.triggers.schedule import CronSchedule, IntervalSchedule, ScheduleError, parse_schedule

START = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)  # a Thursday


def occurrences(text: str, count: int = 3, *, settings: dict[str, str] | None = None) -> list[str]:
    schedule = parse_schedule(text, function="tick", settings=settings or {})
    moments, moment = [], START
    for _ in range(count):
        moment = schedule.next_after(moment)
        moments.append(moment.isoformat())
    return moments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0 */5 * * * *", ["2026-01-01T00:05:00+00:00", "2026-01-01T00:10:00+00:00", "2026-01-01T00:15:00+00:00"]),
        ("*/10 * * * * *", ["2026-01-01T00:00:10+00:00", "2026-01-01T00:00:20+00:00", "2026-01-01T00:00:30+00:00"]),
        ("5/20 * * * * *", ["2026-01-01T00:00:05+00:00", "2026-01-01T00:00:25+00:00", "2026-01-01T00:00:45+00:00"]),
        ("0 30 9 * * 1-5", ["2026-01-01T09:30:00+00:00", "2026-01-02T09:30:00+00:00", "2026-01-05T09:30:00+00:00"]),
        ("0 0 9,17 * * *", ["2026-01-01T09:00:00+00:00", "2026-01-01T17:00:00+00:00", "2026-01-02T09:00:00+00:00"]),
        ("0 0 0 1 JAN,jul *", ["2026-07-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00", "2027-07-01T00:00:00+00:00"]),
        ("0 0 12 * * MON", ["2026-01-05T12:00:00+00:00", "2026-01-12T12:00:00+00:00", "2026-01-19T12:00:00+00:00"]),
        ("0 0 12 * * Monday", ["2026-01-05T12:00:00+00:00", "2026-01-12T12:00:00+00:00", "2026-01-19T12:00:00+00:00"]),
    ],
)
def test_six_field_schedules_have_seconds_first(text: str, expected: list[str]) -> None:
    assert occurrences(text) == expected


def test_day_and_day_of_week_must_both_match_as_in_ncrontab() -> None:
    # Friday the 13th: classic cron would fire on every 13th and every Friday.
    assert occurrences("0 0 9 13 * FRI") == [
        "2026-02-13T09:00:00+00:00",
        "2026-03-13T09:00:00+00:00",
        "2026-11-13T09:00:00+00:00",
    ]


def test_timespan_schedule_is_a_fixed_interval() -> None:
    assert parse_schedule("00:05:00", settings={}) == IntervalSchedule(timedelta(minutes=5))
    assert parse_schedule("1.02:00:00", settings={}) == IntervalSchedule(timedelta(days=1, hours=2))
    assert occurrences("00:00:30", 2) == ["2026-01-01T00:00:30+00:00", "2026-01-01T00:01:00+00:00"]


def test_five_field_cron_is_refused_with_the_six_field_suggestion() -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("*/5 * * * *", function="cleanup", settings={})
    text = str(caught.value)
    assert "'cleanup'" in text and "'*/5 * * * *'" in text
    assert "NCRONTAB has six fields, seconds first: {second} {minute} {hour} {day} {month} {day-of-week}" in text
    assert "did you mean '0 */5 * * * *'?" in text


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("0 0 9 * * 7", "7 is outside the day-of-week field's range 0-6"),
        ("0 60 * * * *", "60 is outside the minute field's range 0-59"),
        ("0 0 9 * * FUN", "'FUN' in the day-of-week field is not a number 0-6 or a name such as MON"),
        ("*/0 * * * * *", "step '0' in the second field must be a positive number"),
        ("0 0 9 ? * *", "'?' in the day field is not a number 1-31"),
        ("24:00:00", "TimeSpan schedule '24:00:00' is out of range"),
        ("00:00:00", "TimeSpan schedule '00:00:00' is zero"),
    ],
)
def test_invalid_schedule_names_function_schedule_and_problem(text: str, complaint: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text, function="tick", settings={})
    assert "function 'tick'" in str(caught.value)
    assert complaint in str(caught.value)


def test_schedule_is_read_in_website_time_zone() -> None:
    schedule = parse_schedule("0 0 9 * * *", settings={"WEBSITE_TIME_ZONE": "Europe/Amsterdam"})
    assert isinstance(schedule, CronSchedule)
    assert schedule.next_after(START).astimezone(UTC).isoformat() == "2026-01-01T08:00:00+00:00"


def test_windows_time_zone_names_are_refused_with_a_hint() -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("0 0 9 * * *", function="tick", settings={"WEBSITE_TIME_ZONE": "W. Europe Standard Time"})
    assert "'W. Europe Standard Time'" in str(caught.value)
    assert "IANA name" in str(caught.value) and "Windows names" in str(caught.value)


def test_app_setting_schedule_is_resolved_from_settings() -> None:
    assert occurrences("%CLEANUP_SCHEDULE%", 1, settings={"CLEANUP_SCHEDULE": "0 0 * * * *"}) == [
        "2026-01-01T01:00:00+00:00"
    ]


def test_missing_app_setting_is_named() -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("%CLEANUP_SCHEDULE%", function="cleanup", settings={})
    assert "app setting 'CLEANUP_SCHEDULE', which is not set" in str(caught.value)
    assert "local.settings.json" in str(caught.value)

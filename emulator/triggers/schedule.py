"""Timer schedules as the Functions host reads them: NCRONTAB (six fields, seconds first) or a TimeSpan interval.

NCRONTAB is ``{second} {minute} {hour} {day} {month} {day-of-week}``. croniter evaluates it, but croniter is more
lenient than NCrontab, so each field is checked here first against NCrontab's own grammar: ``*``, values, ranges,
lists and steps; month and day names matched as NCrontab matches them (any prefix of the English name, any case);
day of week 0-6 (7 is rejected, as on Azure). A day of month and a day of week in one schedule must BOTH match
(NCrontab's rule; classic cron's "either" would fire on days Azure never fires). A schedule that works here works
on Azure, and one that fails there fails here, with a message that says what the six fields are.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from framework.errors import ConfigurationError

SIX_FIELDS = "{second} {minute} {hour} {day} {month} {day-of-week}"
_FIELDS = ("second", "minute", "hour", "day", "month", "day-of-week")
_RANGES = {
    "second": (0, 59),
    "minute": (0, 59),
    "hour": (0, 23),
    "day": (1, 31),
    "month": (1, 12),
    "day-of-week": (0, 6),
}
_NAMES = {
    "month": ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december"),
    "day-of-week": ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"),
}  # fmt: skip
_TIMESPAN = re.compile(r"^(?:(?P<days>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{1,2}):(?P<s>\d{1,2})$")
_SETTING = re.compile(r"^%(?P<name>[^%]+)%$")


class ScheduleError(ConfigurationError):
    """A timer function's schedule cannot be read."""


@dataclass(frozen=True)
class CronSchedule:
    """An NCRONTAB schedule in a time zone."""

    #: The six-field expression, names replaced by numbers (what croniter evaluates).
    expression: str
    #: The zone the fields are read in (UTC unless ``WEBSITE_TIME_ZONE`` says otherwise).
    zone: tzinfo

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (an aware datetime), in the schedule's zone."""
        start = moment.astimezone(self.zone)
        return croniter(self.expression, start, second_at_beginning=True, day_or=False).get_next(datetime)


@dataclass(frozen=True)
class IntervalSchedule:
    """A TimeSpan schedule: a fixed interval from the previous occurrence (or from now)."""

    #: The time between two occurrences.
    interval: timedelta

    def next_after(self, moment: datetime) -> datetime:
        """``moment`` plus the interval."""
        return moment + self.interval


Schedule = CronSchedule | IntervalSchedule


def parse_schedule(text: str, *, function: str = "?", settings: Mapping[str, str] | None = None) -> Schedule:
    """Read a timer trigger's schedule: ``%AppSetting%`` indirection, then TimeSpan or NCRONTAB.

    ``settings`` are the app settings (default: the environment, where the host puts them); they also give
    ``WEBSITE_TIME_ZONE``. Raises :class:`ScheduleError` naming the function and the schedule.
    """
    settings = os.environ if settings is None else settings
    resolved = resolve_setting(text, settings=settings, function=function).strip()
    span = _TIMESPAN.match(resolved)
    if span:
        return _interval(span, function, text)
    return CronSchedule(_normalise_cron(resolved, function, text), schedule_zone(settings, function=function))


def resolve_setting(text: str, *, settings: Mapping[str, str], function: str = "?") -> str:
    """Replace a whole-value ``%NAME%`` with the app setting NAME, as the host does for binding expressions."""
    match = _SETTING.match(text.strip())
    if not match:
        return text
    name = match["name"]
    if name not in settings:
        raise ScheduleError(
            f"function {function!r}: schedule {text!r} refers to app setting {name!r}, which is not set",
            hint=f'add {name!r} to Values in local.settings.json (e.g. "{name}": "0 */5 * * * *")',
        )
    return settings[name]


def schedule_zone(settings: Mapping[str, str], *, function: str = "?") -> tzinfo:
    """The zone schedules are read in: ``WEBSITE_TIME_ZONE`` (an IANA name) or UTC."""
    name = settings.get("WEBSITE_TIME_ZONE", "").strip()
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError(
            f"function {function!r}: WEBSITE_TIME_ZONE={name!r} is not a time zone the emulator knows",
            hint="use an IANA name such as 'Europe/Amsterdam' (Linux plans on Azure use these too); Windows "
            "names like 'W. Europe Standard Time' are not supported by the emulator",
        ) from error


def _interval(span: re.Match[str], function: str, text: str) -> IntervalSchedule:
    hours, minutes, seconds = int(span["h"]), int(span["m"]), int(span["s"])
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ScheduleError(
            f"function {function!r}: TimeSpan schedule {text!r} is out of range",
            hint="write hh:mm:ss (hours 0-23) or d.hh:mm:ss, e.g. '00:05:00' or '1.00:00:00'",
        )
    interval = timedelta(days=int(span["days"] or 0), hours=hours, minutes=minutes, seconds=seconds)
    if not interval:
        raise ScheduleError(
            f"function {function!r}: TimeSpan schedule {text!r} is zero", hint="use a positive interval"
        )
    return IntervalSchedule(interval)


def _normalise_cron(expression: str, function: str, text: str) -> str:
    fields = expression.split()
    if len(fields) != 6:
        raise ScheduleError(
            f"function {function!r}: schedule {text!r} has {len(fields)} field(s); "
            f"NCRONTAB has six fields, seconds first: {SIX_FIELDS}",
            hint=_field_count_hint(fields),
        )
    try:
        return " ".join(_normalise_field(kind, field) for kind, field in zip(_FIELDS, fields, strict=True))
    except ValueError as error:
        raise ScheduleError(
            f"function {function!r}: schedule {text!r} is not valid NCRONTAB: {error}",
            hint=f"the six fields are {SIX_FIELDS}, e.g. '0 */5 * * * *' (every five minutes)",
        ) from None


def _field_count_hint(fields: list[str]) -> str:
    if len(fields) == 5:
        return f"did you mean '0 {' '.join(fields)}'?"
    return "e.g. '0 */5 * * * *' runs every five minutes, '0 0 9 * * MON-FRI' at 09:00 on weekdays"


def _normalise_field(kind: str, field: str) -> str:
    """Check one field against NCrontab's grammar; return it with names replaced by numbers."""
    return ",".join(_normalise_item(kind, item) for item in field.split(","))


def _normalise_item(kind: str, item: str) -> str:
    body, _, step = item.partition("/")
    if step and (not step.isdigit() or int(step) == 0):
        raise ValueError(f"step {step!r} in the {kind} field must be a positive number")
    if body == "*":
        return item
    low, dash, high = body.partition("-")
    values = [_value(kind, low)] + ([_value(kind, high)] if dash else [])
    text = "-".join(str(v) for v in values)
    if step and not dash:
        text = f"{text}-{_RANGES[kind][1]}"  # NCrontab reads 'a/n' as 'a-max/n'
    return f"{text}/{step}" if step else text


def _value(kind: str, token: str) -> int:
    low, high = _RANGES[kind]
    if token.isdigit():
        value = int(token)
        if not low <= value <= high:
            raise ValueError(f"{value} is outside the {kind} field's range {low}-{high}")
        return value
    names = _NAMES.get(kind, ())
    for index, name in enumerate(names):
        if token and name.startswith(token.lower()):
            return index + low
    allowed = f"a number {low}-{high}" + (" or a name such as " + names[1][:3].upper() if names else "")
    raise ValueError(f"{token!r} in the {kind} field is not {allowed}")

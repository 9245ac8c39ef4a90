//! Swedish local time for receipts, without a time-zone database: Sweden
//! keeps CET (UTC+1) and, from the last Sunday of March to the last Sunday of
//! October (01:00 UTC both), CEST (UTC+2).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let mut d = NaiveDate::from_ymd_opt(year, month + 1, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or_default();
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt().unwrap_or(d);
    }
    d
}

pub fn offset_hours(t: DateTime<Utc>) -> i64 {
    let y = t.year();
    let start = Utc.from_utc_datetime(&last_sunday(y, 3).and_hms_opt(1, 0, 0).unwrap_or_default());
    let end = Utc.from_utc_datetime(&last_sunday(y, 10).and_hms_opt(1, 0, 0).unwrap_or_default());
    if t >= start && t < end { 2 } else { 1 }
}

/// A moment as the store keeps it: RFC 3339 UTC with milliseconds, which
/// sorts as text (so `at > $1` compares moments).
pub fn stored(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The calendar day in Sweden at `t`.
pub fn swedish_day(t: DateTime<Utc>) -> NaiveDate {
    (t + Duration::hours(offset_hours(t))).date_naive()
}

/// The months in Swedish, lower case.
pub const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// "27 november 2026 kl. 16.43" from an RFC 3339 timestamp.
pub fn swedish(rfc3339: &str) -> String {
    let Ok(t) = DateTime::parse_from_rfc3339(rfc3339) else {
        return rfc3339.to_string();
    };
    let t = t.with_timezone(&Utc);
    let local = t.naive_utc() + Duration::hours(offset_hours(t));
    format!(
        "{} {} {} kl. {}",
        local.day(),
        MONTHS[local.month0() as usize],
        local.year(),
        local.format("%H.%M")
    )
}

/// Swedish local time that a spreadsheet sorts: "2026-11-30 21:12".
pub fn local_sortable(rfc3339: &str) -> String {
    let Ok(t) = DateTime::parse_from_rfc3339(rfc3339) else {
        return rfc3339.to_string();
    };
    let t = t.with_timezone(&Utc);
    (t.naive_utc() + Duration::hours(offset_hours(t)))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A calendar date (`2026-12-15`) in Swedish: "15 december 2026".
pub fn swedish_date(date: &str) -> String {
    match chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(d) => format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year()),
        Err(_) => date.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summer_and_winter_time() {
        assert_eq!(
            swedish("2026-11-27T15:43:05.000Z"),
            "27 november 2026 kl. 16.43"
        );
        assert_eq!(swedish("2026-07-01T10:00:00Z"), "1 juli 2026 kl. 12.00");
        // 2026's switch to summer time is on 29 March at 01:00 UTC.
        assert_eq!(swedish("2026-03-29T00:59:00Z"), "29 mars 2026 kl. 01.59");
        assert_eq!(swedish("2026-03-29T01:00:00Z"), "29 mars 2026 kl. 03.00");
    }
}

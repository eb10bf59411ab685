//! Time as a parameter: engines get a `Clock`, tests a fixed one.
use time::OffsetDateTime;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// A clock that always answers the same instant (tests).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// Unix milliseconds, the storage representation of instants.
pub fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Inverse of [`to_millis`]; out-of-range values clamp to the Unix epoch.
pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn millis_round_trip() {
        let t = time::macros::datetime!(2026-11-22 10:00:00.123 UTC);
        assert_eq!(from_millis(to_millis(t)), t);
        assert_eq!(from_millis(i64::MAX), OffsetDateTime::UNIX_EPOCH);
    }
}

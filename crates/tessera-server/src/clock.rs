//! The one place that reads the wall clock.
use tessera_model::Clock;
use time::OffsetDateTime;

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the server's single wall-clock source
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

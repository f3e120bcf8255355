//! Faults injected on request through `/_sim/faults`, each used up as it fires.

use serde::{Deserialize, Serialize};

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// REST calls under `/v2` and the OAuth token endpoint.
    Api,
    /// Recording downloads (`/rec/...` and the CDN).
    Download,
    /// Every request but the simulator's own `/_sim` control API.
    #[default]
    Any,
}

/// One fault, as posted to `/_sim/faults`. `times: null` means every time until cleared.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer the next requests with this HTTP status (5xx, or any other).
    Status {
        status: u16,
        times: Option<u32>,
        #[serde(default)]
        scope: Scope,
    },
    /// Answer 429 with Zoom's message and `Retry-After`.
    RateLimited {
        times: Option<u32>,
        #[serde(default = "one")]
        retry_after_seconds: u64,
        #[serde(default)]
        scope: Scope,
    },
    /// Abort the connection after `bytes` bytes of the next download body longer than that.
    ResetAfterBytes { bytes: u64, times: Option<u32> },
    /// Answer downloads with Zoom's HTML failure page and HTTP 200, whatever the token.
    HtmlPage { times: Option<u32> },
    /// End the next download body longer than `bytes` cleanly after `bytes` bytes, although
    /// `Content-Length` promised more.
    Truncate { bytes: u64, times: Option<u32> },
    /// Serve a download whose `Content-Length` and body are `delta` bytes off the file's size.
    WrongLength { delta: i64, times: Option<u32> },
    /// Send download bodies at this many bytes per second.
    Throttle {
        bytes_per_second: u64,
        times: Option<u32>,
    },
    /// Add an entry to the next recording listings that is no meeting instance one can
    /// identify (a numeric uuid, an `id` that is not a number), as a broken Zoom answer would.
    MalformedListing { times: Option<u32> },
    /// Answer REST calls whose path (after `/v2`) starts with `path_prefix` as Zoom answers a
    /// token without a scope the call needs: HTTP 400, code 4711, naming `scope`.
    MissingScope {
        path_prefix: String,
        scope: String,
        times: Option<u32>,
    },
}

fn one() -> u64 {
    1
}

impl Fault {
    /// The uses left (`None`: every time until cleared).
    pub fn times(&self) -> Option<u32> {
        *self.clone().times_mut()
    }

    fn times_mut(&mut self) -> &mut Option<u32> {
        match self {
            Self::Status { times, .. }
            | Self::RateLimited { times, .. }
            | Self::ResetAfterBytes { times, .. }
            | Self::HtmlPage { times }
            | Self::Truncate { times, .. }
            | Self::WrongLength { times, .. }
            | Self::Throttle { times, .. }
            | Self::MalformedListing { times }
            | Self::MissingScope { times, .. } => times,
        }
    }
}

/// The active faults, in the order they were added.
#[derive(Debug, Default)]
pub struct Faults {
    active: Vec<Fault>,
}

impl Faults {
    pub fn add(&mut self, fault: Fault) {
        self.active.push(fault);
    }

    pub fn clear(&mut self) {
        self.active.clear();
    }

    pub fn list(&self) -> Vec<Fault> {
        self.active.clone()
    }

    /// Takes one use of the first fault `matches` accepts, removing it when used up.
    pub fn take(&mut self, matches: impl Fn(&Fault) -> bool) -> Option<Fault> {
        let index = self.active.iter().position(matches)?;
        let fired = self.active[index].clone();
        let times = self.active[index].times_mut();
        match times {
            Some(left) if *left <= 1 => {
                self.active.remove(index);
            }
            Some(left) => *left -= 1,
            None => {}
        }
        Some(fired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_are_used_up_and_open_ended_ones_stay() {
        let mut faults = Faults::default();
        faults.add(Fault::Status {
            status: 503,
            times: Some(2),
            scope: Scope::Api,
        });
        faults.add(Fault::Throttle {
            bytes_per_second: 10,
            times: None,
        });
        let is_status = |f: &Fault| matches!(f, Fault::Status { .. });
        assert!(faults.take(is_status).is_some());
        assert!(faults.take(is_status).is_some());
        assert!(faults.take(is_status).is_none());
        for _ in 0..5 {
            assert!(
                faults
                    .take(|f| matches!(f, Fault::Throttle { .. }))
                    .is_some()
            );
        }
    }
}

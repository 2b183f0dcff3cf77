//! A case's request log, and the observation derived from it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::outcome::{Observed, UrlObserved};

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The whole answer was handed over.
    Answered(u16),
    /// The client went away before the answer was complete (a timeout on its side).
    Abandoned,
    /// The connection was reset on purpose.
    Reset,
    /// Still in flight when the case ended.
    Unfinished,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// `http://127.0.0.1:PORT/path`, as the submission asked for it (without the query).
    pub url: String,
    /// Since the web started.
    pub arrived: Duration,
    pub finished: Duration,
    pub outcome: Outcome,
}

/// Derives the observation from a case's records.
pub fn observe(records: &[Record]) -> Observed {
    // Sweep arrivals and finishes in time order; a finish at the same instant as an arrival
    // comes first, so back-to-back requests do not count as overlapping.
    let mut events: Vec<(Duration, i32)> = records
        .iter()
        .flat_map(|r| [(r.arrived, 1), (r.finished, -1)])
        .collect();
    events.sort();
    let (mut in_flight, mut peak) = (0i32, 0i32);
    for (_, change) in events {
        in_flight += change;
        peak = peak.max(in_flight);
    }
    let mut urls: BTreeMap<String, UrlObserved> = BTreeMap::new();
    let mut by_url: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for record in records {
        by_url.entry(&record.url).or_default().push(record);
    }
    let mut arrivals: Vec<Duration> = records.iter().map(|r| r.arrived).collect();
    arrivals.sort();
    for (url, mut attempts) in by_url {
        attempts.sort_by_key(|r| r.arrived);
        let started_during = arrivals_within(&arrivals, &attempts);
        let retry_wait = attempts
            .windows(2)
            .map(|pair| pair[1].arrived.saturating_sub(pair[0].finished))
            .max()
            .unwrap_or_default();
        urls.insert(
            url.to_owned(),
            UrlObserved {
                attempts: attempts.len(),
                started_during,
                retry_wait_ms: retry_wait.as_millis() as u64,
            },
        );
    }
    let first = records.iter().map(|r| r.arrived).min().unwrap_or_default();
    let last = records.iter().map(|r| r.finished).max().unwrap_or_default();
    Observed {
        requests: records.len(),
        peak_in_flight: peak.max(0) as usize,
        span_ms: last.saturating_sub(first).as_millis() as u64,
        urls,
    }
}

/// How many `arrivals` (sorted) fall strictly inside the span of any of `attempts` (sorted by
/// arrival). Spans that overlap are merged (the union of two open spans that overlap is one
/// open span); spans that only touch stay apart, so an arrival at the instant one attempt
/// ended and the next began is inside neither. O(n log n), whatever a flood of requests.
fn arrivals_within(arrivals: &[Duration], attempts: &[&Record]) -> usize {
    let mut merged: Vec<(Duration, Duration)> = Vec::new();
    for attempt in attempts {
        match merged.last_mut() {
            Some(last) if attempt.arrived < last.1 => last.1 = last.1.max(attempt.finished),
            _ => merged.push((attempt.arrived, attempt.finished)),
        }
    }
    merged
        .iter()
        .map(|&(from, to)| {
            let low = arrivals.partition_point(|a| *a <= from);
            let high = arrivals.partition_point(|a| *a < to);
            high.saturating_sub(low)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::sites::Observable;
    use serde_json::Value;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn record(url: &str, arrived: u64, finished: u64) -> Record {
        Record {
            url: url.into(),
            arrived: ms(arrived),
            finished: ms(finished),
            outcome: Outcome::Answered(200),
        }
    }

    #[test]
    fn observations_come_from_the_records() {
        // Five slots: five requests at once, then the sixth when the first finishes, and a
        // retry of it 300 ms after its first attempt.
        let records: Vec<Record> = (0..5)
            .map(|i| record(&format!("/p{i}"), 0, 100 + i))
            .chain([record("/p5", 100, 200), record("/p5", 500, 550)])
            .collect();
        let observed = observe(&records);
        assert_eq!(observed.peak_in_flight, 5);
        assert_eq!(observed.requests, 7);
        assert_eq!(observed.urls["/p5"].attempts, 2);
        assert_eq!(observed.urls["/p5"].retry_wait_ms, 300);
        // /p5's first attempt arrived while /p1../p4 were still in flight.
        assert_eq!(observed.urls["/p4"].started_during, 1);
        assert_eq!(observed.urls["/p0"].started_during, 0);
        assert_eq!(observed.span_ms, 550);
        // One after another, back to back: never two in flight.
        let serial = observe(&[record("/a", 0, 100), record("/b", 100, 200)]);
        assert_eq!(serial.peak_in_flight, 1);
        assert_eq!(serial.value(&Observable::Overlapped), Value::Bool(false));
        assert_eq!(observe(&[]).peak_in_flight, 0);
    }

    #[test]
    fn started_during_counts_as_a_direct_count_would() {
        // Pseudo-random requests on three URLs, overlapping, touching and nested; the
        // O(n log n) count must equal counting every pair.
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let records: Vec<Record> = (0..300)
            .map(|_| {
                let arrived = next(1000);
                record(&format!("/u{}", next(3)), arrived, arrived + next(60))
            })
            .collect();
        let observed = observe(&records);
        for (url, seen) in &observed.urls {
            let direct = records
                .iter()
                .filter(|other| {
                    records.iter().any(|r| {
                        &r.url == url && other.arrived > r.arrived && other.arrived < r.finished
                    })
                })
                .count();
            assert_eq!(seen.started_during, direct, "{url}");
        }
    }
}

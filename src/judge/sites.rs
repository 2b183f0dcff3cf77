//! Where a fixture-site observation becomes a verdict: every check of a case the observation
//! does not meet, worded by what the websites saw.

use serde_json::Value;

use crate::compare::Mismatch;
use crate::compare::matching::{describe, matches};
use crate::outcome::Observed;
use crate::task::sites::{Observable, SiteCheck};

/// Every check of a case the observation does not meet, worded by what was observed.
pub fn check(checks: &[SiteCheck], observed: &Observed) -> Vec<Mismatch> {
    checks
        .iter()
        .filter_map(|check| {
            let actual = observed.value(&check.observable);
            if matches(&check.expected, &actual) {
                return None;
            }
            let expected = describe(&check.expected);
            let message = match &check.observable {
                Observable::PeakInFlight => {
                    format!("peak in flight was {actual}; expected {expected}")
                }
                Observable::Overlapped if actual == Value::Bool(false) => {
                    "no two requests were ever in flight at once (one after another); expected them to overlap".to_owned()
                }
                Observable::Overlapped => {
                    "requests overlapped; expected one at a time".to_owned()
                }
                Observable::Requests => format!("{actual} requests in all; expected {expected}"),
                Observable::SpanMs => format!(
                    "{actual} ms from the first request to the last answer; expected {expected}"
                ),
                Observable::Attempts(url) => {
                    format!("{url} was requested {}; expected {expected}", times(&actual))
                }
                Observable::StartedDuring(url) => format!(
                    "{actual} requests started while {url} was in flight; expected {expected}"
                ),
                Observable::RetryWaitMs(url) => format!(
                    "{url} waited {actual} ms between attempts; expected {expected}"
                ),
            };
            Some(Mismatch {
                path: check.observable.path(),
                message,
            })
        })
        .collect()
}

fn times(count: &Value) -> String {
    match count.as_u64() {
        Some(0) => "never".into(),
        Some(1) => "once".into(),
        Some(n) => format!("{n} times"),
        None => count.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Pattern;
    use crate::outcome::UrlObserved;

    #[test]
    fn failed_checks_say_what_was_observed() {
        // One URL requested three times, one after another.
        let observed = Observed {
            requests: 3,
            peak_in_flight: 1,
            span_ms: 300,
            urls: [(
                "http://127.0.0.1:8001/a".to_owned(),
                UrlObserved {
                    attempts: 3,
                    started_during: 0,
                    retry_wait_ms: 0,
                },
            )]
            .into(),
        };
        let site_check = |observable, expected: Value| SiteCheck {
            observable,
            expected: Pattern::parse(&expected).unwrap(),
        };
        let mismatches = super::check(
            &[
                site_check(Observable::PeakInFlight, serde_json::json!(1)),
                site_check(
                    Observable::Attempts("http://127.0.0.1:8001/a".into()),
                    serde_json::json!(1),
                ),
                site_check(Observable::Overlapped, serde_json::json!(true)),
            ],
            &observed,
        );
        let texts: Vec<String> = mismatches.iter().map(|m| m.to_string()).collect();
        assert_eq!(
            texts,
            [
                "sites.attempts[\"http://127.0.0.1:8001/a\"]: http://127.0.0.1:8001/a was requested 3 times; expected 1",
                "sites.overlapped: no two requests were ever in flight at once (one after another); expected them to overlap",
            ]
        );
    }
}

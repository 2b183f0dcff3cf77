//! The async-scraper task end to end, under strict isolation, against the websites the judge
//! serves itself: every accepted solution (aiohttp with a semaphore, httpx with a worker
//! queue, raw asyncio streams; BeautifulSoup and html.parser) passes every case, and every
//! rejected one fails exactly the cases its solutions.toml names, with a
//! message that names the mistake from the websites' side.

use livejudge::error::exit::FAILED;

use crate::support::*;

const TASK: &str = "async-scraper";

#[test]
fn accepted_solutions_with_three_clients_and_two_parsers_pass_every_case() {
    assert_ships_frameworks(TASK, &["aiohttp", "httpx", "raw_streams"]);
    let sources: Vec<String> = solutions(TASK, "accepted")
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(sources.iter().any(|s| s.contains("BeautifulSoup(")));
    assert!(sources.iter().any(|s| s.contains("HTMLParser")));
    // Once each here: benches/flakiness.py grades every solution 20 times, two at once.
    assert_accepted_pass(TASK, 1);
}

#[test]
fn rejected_solutions_fail_exactly_the_cases_that_catch_their_mistake() {
    assert!(expectations(TASK).exact, "async-scraper's sets are exact");
    assert_rejected_fail(TASK, 10);
}

#[test]
fn a_sequential_scraper_is_told_what_the_websites_saw() {
    let file = repo().join("tasks/async-scraper/solutions/rejected/sequential_await.py");
    let run = Grade::task(TASK)
        .submission(relative(&file))
        .expect_exit(FAILED)
        .run();
    let out = &run.stdout;
    for line in [
        "sites.peak_in_flight: peak in flight was 1; expected 5",
        "rule: with more URLs than concurrency, exactly concurrency requests are in flight at the peak, never more",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
}

//! Fixture websites a task declares, and what a case expects the judge to observe of them.
//!
//! `sites = "sites.toml"` in task.toml names a file in `fixtures/<task>/sites/`; the bodies its
//! routes serve are files in the same folder. Inside the box, each site is
//! `http://127.0.0.1:PORT`; a case's `sites` table asserts on the requests the sites saw
//! during that case (docs/task-format.md, "Fixture websites").

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::diagnostic::{Locator, SpecError, SpecErrors, located};
use crate::compare::{JsonPath, Pattern, Segment};
use crate::util::units;

/// The folder under the task's fixtures that holds the sites file and its bodies.
pub const SITES_DIR: &str = "sites";
/// A body file larger than this is a mistake, not a web page.
const MAX_BODY: u64 = 4 << 20;
const MAX_SLOW_PARTS: u32 = 1000;
/// Longer than any sane case: a delay this long is a typo.
const MAX_DELAY: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, PartialEq)]
pub struct SiteSpec {
    pub name: String,
    /// The loopback port inside the box.
    pub port: u16,
    pub routes: Vec<Route>,
}

impl SiteSpec {
    pub fn origin(&self) -> String {
        origin(self.port)
    }
}

/// `http://127.0.0.1:PORT`: how the submission reaches a site from inside the box.
pub fn origin(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub path: String,
    /// Waited before answering (each request on its own: slow requests are served at once).
    pub delay: Duration,
    /// The first `n` attempts in a case get `status` (with an empty body) instead.
    pub fail_first: Option<(u32, u16)>,
    pub behaviour: Behaviour,
}

/// What a route does with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        /// The body in `parts` pieces, `every` apart (headers go at once).
        slow: Option<(u32, Duration)>,
    },
    /// A redirect to `location` (absolute, or a path on the same site).
    Redirect { status: u16, location: String },
    /// Never answers; the request ends when the client gives up.
    Hang,
    /// Closes the connection without an answer: the client sees a reset.
    Reset,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSites {
    #[serde(default)]
    sites: Vec<RawSite>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    name: String,
    port: u16,
    #[serde(default)]
    routes: Vec<RawRoute>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    path: Option<String>,
    paths: Option<Vec<String>>,
    status: Option<u16>,
    file: Option<String>,
    text: Option<String>,
    content_type: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "units::duration")]
    delay: Option<Duration>,
    fail_first: Option<RawFailFirst>,
    redirect: Option<RawRedirect>,
    #[serde(default)]
    hang: bool,
    #[serde(default)]
    reset: bool,
    slow_body: Option<RawSlowBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFailFirst {
    times: u32,
    status: u16,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedirect {
    to: String,
    status: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlowBody {
    parts: u32,
    #[serde(deserialize_with = "units::duration")]
    every: Option<Duration>,
}

fn key(k: &str) -> Segment {
    Segment::Key(k.to_owned())
}

/// Reads and checks the sites file; every problem is reported at once, with its line.
pub fn load(file: &Path) -> Result<Vec<SiteSpec>, SpecErrors> {
    let source = std::fs::read_to_string(file).map_err(|e| {
        SpecErrors::from(
            SpecError::new(file, format!("cannot read the sites file: {e}"))
                .with_help("create it, or fix `sites` in task.toml"),
        )
    })?;
    let raw: RawSites = super::parse_toml(file, &source)?;
    let base = file.parent().unwrap_or(Path::new("."));
    let mut checker = Checker {
        file,
        base,
        locator: Locator::new(&source),
        errors: Vec::new(),
    };
    let sites = checker.sites(raw);
    if checker.errors.is_empty() {
        Ok(sites)
    } else {
        Err(SpecErrors(checker.errors))
    }
}

struct Checker<'a> {
    file: &'a Path,
    base: &'a Path,
    locator: Locator<'a>,
    errors: Vec<SpecError>,
}

impl Checker<'_> {
    fn report(&mut self, path: &[Segment], message: impl Into<String>, help: impl Into<String>) {
        let error = located(self.file, &self.locator, path, message, help);
        self.errors.push(error);
    }

    fn sites(&mut self, raw: RawSites) -> Vec<SiteSpec> {
        if raw.sites.is_empty() {
            self.report(
                &[],
                "the sites file declares no site",
                "add a [[sites]] table with a name, a port and [[sites.routes]]",
            );
        }
        let mut ports = HashSet::new();
        let mut names = HashSet::new();
        let mut sites = Vec::new();
        for (i, site) in raw.sites.into_iter().enumerate() {
            let at = |f: &str| vec![key("sites"), Segment::Index(i), key(f)];
            if site.name.trim().is_empty() || !names.insert(site.name.clone()) {
                self.report(
                    &at("name"),
                    format!("site name \"{}\" is empty or used twice", site.name),
                    "give every site its own name",
                );
            }
            if site.port < 1024 || !ports.insert(site.port) {
                self.report(
                    &at("port"),
                    format!("port {} is below 1024 or used by another site", site.port),
                    "give every site its own port from 1024 to 65535",
                );
            }
            if site.routes.is_empty() {
                self.report(
                    &at("name"),
                    format!("site \"{}\" has no routes", site.name),
                    "add [[sites.routes]] tables",
                );
            }
            let mut paths = HashSet::new();
            let mut routes = Vec::new();
            for (j, route) in site.routes.iter().enumerate() {
                let place = vec![
                    key("sites"),
                    Segment::Index(i),
                    key("routes"),
                    Segment::Index(j),
                ];
                for route in self.route(&place, route) {
                    if !paths.insert(route.path.clone()) {
                        let mut path = place.clone();
                        path.push(key("path"));
                        self.report(
                            &path,
                            format!("route {} is declared twice on this site", route.path),
                            "give every route its own path",
                        );
                    }
                    routes.push(route);
                }
            }
            sites.push(SiteSpec {
                name: site.name,
                port: site.port,
                routes,
            });
        }
        sites
    }

    /// One declared route, which may stand for several paths (`paths = [...]`).
    fn route(&mut self, place: &[Segment], raw: &RawRoute) -> Vec<Route> {
        let at = |f: &str| {
            let mut path = place.to_vec();
            path.push(key(f));
            path
        };
        let paths: Vec<String> = match (&raw.path, &raw.paths) {
            (Some(path), None) => vec![path.clone()],
            (None, Some(paths)) if !paths.is_empty() => paths.clone(),
            _ => {
                self.report(
                    place,
                    "a route needs exactly one of path or paths",
                    "add path = \"/page\", or paths = [\"/a\", \"/b\"] for identical routes",
                );
                return Vec::new();
            }
        };
        for path in &paths {
            if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
                self.report(
                    &at(if raw.path.is_some() { "path" } else { "paths" }),
                    format!("\"{path}\" is not a URL path"),
                    "start it with / and leave out query strings and fragments",
                );
            }
        }
        let shapes = [
            raw.redirect.is_some(),
            raw.hang,
            raw.reset,
            raw.file.is_some() || raw.text.is_some(),
        ];
        if shapes.iter().filter(|&&s| s).count() > 1 || (raw.file.is_some() && raw.text.is_some()) {
            self.report(
                place,
                "a route serves one thing: a body (file or text), a redirect, hang or reset",
                "split it into several routes",
            );
            return Vec::new();
        }
        let status = raw.status.unwrap_or(200);
        if !(100..=599).contains(&status) {
            self.report(
                &at("status"),
                format!("status {status} is not an HTTP status"),
                "use 100 to 599",
            );
        }
        let delay = raw.delay.unwrap_or_default();
        if delay > MAX_DELAY {
            self.report(
                &at("delay"),
                "the delay is longer than 10 minutes",
                "use a shorter delay",
            );
        }
        let fail_first = raw.fail_first.as_ref().map(|f| (f.times, f.status));
        if let Some((times, status)) = fail_first
            && (times == 0 || !(400..=599).contains(&status))
        {
            self.report(
                &at("fail_first"),
                "fail_first needs times of at least 1 and an error status (400 to 599)",
                "e.g. fail_first = { times = 1, status = 503 }",
            );
        }
        let mut headers = Vec::new();
        for (name, value) in &raw.headers {
            if hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err()
                || hyper::header::HeaderValue::from_str(value).is_err()
            {
                self.report(
                    &at("headers"),
                    format!("\"{name}: {value}\" is not a valid header"),
                    "use a token for the name and visible ASCII for the value",
                );
            }
            headers.push((name.clone(), value.clone()));
        }
        let behaviour = if let Some(redirect) = &raw.redirect {
            let status = redirect.status.unwrap_or(302);
            if ![301, 302, 303, 307, 308].contains(&status) {
                self.report(
                    &at("redirect"),
                    format!("{status} is not a redirect status"),
                    "use 301, 302, 303, 307 or 308",
                );
            }
            if hyper::header::HeaderValue::from_str(&redirect.to).is_err() || redirect.to.is_empty()
            {
                self.report(
                    &at("redirect"),
                    "the redirect target is not a valid Location",
                    "use an absolute URL or a /path",
                );
            }
            Behaviour::Redirect {
                status,
                location: redirect.to.clone(),
            }
        } else if raw.hang {
            Behaviour::Hang
        } else if raw.reset {
            Behaviour::Reset
        } else {
            let body = match (&raw.file, &raw.text) {
                (Some(file), _) => self.body_file(&at("file"), file),
                (None, Some(text)) => text.clone().into_bytes(),
                (None, None) => Vec::new(),
            };
            if raw.file.is_some() || raw.text.is_some() {
                let content_type = raw
                    .content_type
                    .clone()
                    .unwrap_or_else(|| "text/html; charset=utf-8".to_owned());
                if hyper::header::HeaderValue::from_str(&content_type).is_err() {
                    self.report(
                        &at("content_type"),
                        "not a valid Content-Type value",
                        "e.g. \"text/html; charset=iso-8859-1\"",
                    );
                }
                if !headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                {
                    headers.push(("Content-Type".to_owned(), content_type));
                }
            }
            let slow = raw
                .slow_body
                .as_ref()
                .map(|s| (s.parts, s.every.unwrap_or_default()));
            if let Some((parts, every)) = slow
                && (parts == 0 || parts > MAX_SLOW_PARTS || every > MAX_DELAY)
            {
                self.report(
                    &at("slow_body"),
                    "slow_body needs 1 to 1000 parts and a pause under 10 minutes",
                    "e.g. slow_body = { parts = 10, every = \"300ms\" }",
                );
            }
            Behaviour::Answer {
                status,
                headers,
                body,
                slow,
            }
        };
        if (raw.content_type.is_some() || raw.slow_body.is_some())
            && !matches!(behaviour, Behaviour::Answer { .. })
        {
            self.report(
                place,
                "content_type and slow_body belong to routes that serve a body",
                "remove them, or serve a file or text",
            );
        }
        paths
            .into_iter()
            .map(|path| Route {
                path,
                delay,
                fail_first,
                behaviour: behaviour.clone(),
            })
            .collect()
    }

    fn body_file(&mut self, at: &[Segment], relative: &str) -> Vec<u8> {
        if !super::validate::is_contained(relative) {
            self.report(
                at,
                format!("\"{relative}\" must be a relative path inside the sites folder"),
                format!("put the file under {}", self.base.display()),
            );
            return Vec::new();
        }
        let path: PathBuf = self.base.join(relative);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.len() > MAX_BODY => {
                self.report(
                    at,
                    format!("{} is larger than 4 MiB", path.display()),
                    "serve a smaller page",
                );
                Vec::new()
            }
            _ => std::fs::read(&path).unwrap_or_else(|e| {
                self.report(
                    at,
                    format!("cannot read {}: {e}", path.display()),
                    format!(
                        "create it (bodies live in {}) or fix the name",
                        self.base.display()
                    ),
                );
                Vec::new()
            }),
        }
    }
}

/// What a case may assert of the requests the sites saw while it ran.
#[derive(Debug, Clone, PartialEq)]
pub enum Observable {
    /// The most requests in flight at once, on all sites together.
    PeakInFlight,
    /// Whether two requests were ever in flight at once.
    Overlapped,
    /// Requests in all.
    Requests,
    /// Milliseconds from the first arrival to the last finish.
    SpanMs,
    /// Requests for one URL.
    Attempts(String),
    /// Requests that arrived while a request for this URL was in flight.
    StartedDuring(String),
    /// The longest wait between one attempt at this URL finishing and the next arriving.
    RetryWaitMs(String),
}

impl Observable {
    /// Where the observation sits, as mismatches name it.
    /// Where a mismatch of this observable is reported: `sites.peak_in_flight`,
    /// `sites.attempts["http://127.0.0.1:8001/a"]`.
    pub fn path(&self) -> JsonPath {
        let (name, url) = match self {
            Observable::PeakInFlight => ("peak_in_flight", None),
            Observable::Overlapped => ("overlapped", None),
            Observable::Requests => ("requests", None),
            Observable::SpanMs => ("span_ms", None),
            Observable::Attempts(url) => ("attempts", Some(url)),
            Observable::StartedDuring(url) => ("started_during", Some(url)),
            Observable::RetryWaitMs(url) => ("retry_wait_ms", Some(url)),
        };
        let mut path = JsonPath::sites().child_key(name);
        if let Some(url) = url {
            path.push(Segment::Key(url.clone()));
        }
        path
    }
}

#[derive(Debug, Clone)]
pub struct SiteCheck {
    pub observable: Observable,
    pub expected: Pattern,
}

const SCALAR_OBSERVABLES: [&str; 4] = ["peak_in_flight", "overlapped", "requests", "span_ms"];
const URL_OBSERVABLES: [&str; 3] = ["attempts", "started_during", "retry_wait_ms"];

/// A case's `sites` table as checks; `Err((field path inside the table, message, help))`.
pub fn checks(
    table: &Value,
    sites: &[SiteSpec],
) -> Result<Vec<SiteCheck>, (Vec<Segment>, String, String)> {
    let Some(map) = table.as_object() else {
        return Err((
            Vec::new(),
            "sites must be a table of observations".into(),
            "e.g. sites = { peak_in_flight = 5 }".into(),
        ));
    };
    let pattern = |value: &Value, at: Vec<Segment>| {
        Pattern::parse(value).map_err(|e| {
            let mut path = at;
            path.extend(e.path.segments().iter().cloned());
            (
                path,
                e.message,
                e.help
                    .unwrap_or_else(|| "`livejudge help task-format` lists the matchers".into()),
            )
        })
    };
    let mut checks = Vec::new();
    for (name, value) in map {
        let at = vec![key(name)];
        if SCALAR_OBSERVABLES.contains(&name.as_str()) {
            let observable = match name.as_str() {
                "peak_in_flight" => Observable::PeakInFlight,
                "overlapped" => Observable::Overlapped,
                "requests" => Observable::Requests,
                _ => Observable::SpanMs,
            };
            checks.push(SiteCheck {
                observable,
                expected: pattern(value, at)?,
            });
        } else if URL_OBSERVABLES.contains(&name.as_str()) {
            let Some(per_url) = value.as_object() else {
                return Err((
                    at,
                    format!("{name} must be a table of URL = expected value"),
                    format!("e.g. {name} = {{ \"http://127.0.0.1:8001/page\" = 1 }}"),
                ));
            };
            for (url, value) in per_url {
                let mut url_at = at.clone();
                url_at.push(key(url));
                if !names_a_site(url, sites) {
                    return Err((
                        url_at,
                        format!("\"{url}\" is not a URL of a declared site"),
                        format!(
                            "use http://127.0.0.1:PORT/path with a site's port ({})",
                            sites
                                .iter()
                                .map(|s| s.port.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                let observable = match name.as_str() {
                    "attempts" => Observable::Attempts(url.clone()),
                    "started_during" => Observable::StartedDuring(url.clone()),
                    _ => Observable::RetryWaitMs(url.clone()),
                };
                checks.push(SiteCheck {
                    observable,
                    expected: pattern(value, url_at)?,
                });
            }
        } else {
            return Err((
                at,
                format!("unknown site observation \"{name}\""),
                format!(
                    "use one of: {}, {}",
                    SCALAR_OBSERVABLES.join(", "),
                    URL_OBSERVABLES.join(", ")
                ),
            ));
        }
    }
    // The whole picture (how many at once) before the per-URL details.
    checks.sort_by_key(|check| match check.observable {
        Observable::PeakInFlight => 0,
        Observable::Overlapped => 1,
        Observable::Requests => 2,
        Observable::SpanMs => 3,
        Observable::Attempts(_) => 4,
        Observable::StartedDuring(_) => 5,
        Observable::RetryWaitMs(_) => 6,
    });
    Ok(checks)
}

fn names_a_site(url: &str, sites: &[SiteSpec]) -> bool {
    sites.iter().any(|site| {
        url.strip_prefix(&site.origin())
            .is_some_and(|path| path.starts_with('/'))
    })
}

/// Where the declared sites file is for a task's fixtures folder and `sites` value.
pub fn file_for(fixtures_dir: &Path, relative: &str) -> PathBuf {
    fixtures_dir.join(SITES_DIR).join(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Vec<SiteSpec>, SpecErrors> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("page.html"), "<title>Hi</title>").unwrap();
        let file = dir.path().join("sites.toml");
        std::fs::write(&file, text).unwrap();
        load(&file)
    }

    #[test]
    fn routes_are_read_with_their_behaviour() {
        let sites = load_text(
            r#"
[[sites]]
name = "shop"
port = 8001

[[sites.routes]]
paths = ["/a", "/b"]
file = "page.html"
content_type = "text/html; charset=ISO-8859-1"
delay = "300ms"
fail_first = { times = 2, status = 503 }

[[sites.routes]]
path = "/old"
redirect = { to = "/a", status = 301 }

[[sites.routes]]
path = "/drip"
text = "<title>slow</title>"
slow_body = { parts = 4, every = "250ms" }
"#,
        )
        .unwrap();
        let routes = &sites[0].routes;
        assert_eq!(routes.len(), 4);
        assert_eq!(routes[1].path, "/b");
        assert_eq!(routes[1].delay, Duration::from_millis(300));
        assert_eq!(routes[1].fail_first, Some((2, 503)));
        let Behaviour::Answer { headers, body, .. } = &routes[0].behaviour else {
            panic!("{:?}", routes[0].behaviour)
        };
        assert_eq!(body, b"<title>Hi</title>");
        assert_eq!(
            headers,
            &[(
                "Content-Type".to_owned(),
                "text/html; charset=ISO-8859-1".to_owned()
            )]
        );
        assert_eq!(
            routes[2].behaviour,
            Behaviour::Redirect {
                status: 301,
                location: "/a".into()
            }
        );
        assert!(matches!(
            routes[3].behaviour,
            Behaviour::Answer { slow: Some((4, d)), .. } if d == Duration::from_millis(250)
        ));
    }

    #[test]
    fn mistakes_name_their_line_and_field() {
        let errors = load_text(
            r#"[[sites]]
name = "shop"
port = 8001

[[sites.routes]]
path = "/a"
file = "missing.html"

[[sites.routes]]
path = "/b"
hang = true
reset = true
"#,
        )
        .unwrap_err()
        .0;
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].field.as_deref(), Some("sites[0].routes[0].file"));
        assert_eq!(errors[0].location.map(|l| l.0), Some(7));
        assert!(errors[0].message.contains("missing.html"));
        assert!(
            errors[1].message.contains("serves one thing"),
            "{}",
            errors[1]
        );
        let unknown = load_text("[[sites]]\nname = \"a\"\nport = 8001\nroutes = [{ path = \"/\", hang = true, colour = 1 }]\n")
            .unwrap_err()
            .0;
        assert!(
            unknown[0].message.contains("unknown field `colour`"),
            "{unknown:?}"
        );
        assert_eq!(unknown[0].location.map(|l| l.0), Some(4));
    }

    #[test]
    fn case_checks_name_declared_urls() {
        let sites = vec![SiteSpec {
            name: "shop".into(),
            port: 8001,
            routes: Vec::new(),
        }];
        let table = serde_json::json!({
            "peak_in_flight": 5,
            "attempts": {"http://127.0.0.1:8001/flaky": {"$range": [3, 6]}},
        });
        let checks = checks(&table, &sites).unwrap();
        assert_eq!(checks.len(), 2);
        assert_eq!(checks[0].observable, Observable::PeakInFlight);
        assert_eq!(
            checks[1].observable,
            Observable::Attempts("http://127.0.0.1:8001/flaky".into())
        );
        let wrong_port = serde_json::json!({"attempts": {"http://127.0.0.1:9/x": 1}});
        let (path, message, _) = super::checks(&wrong_port, &sites).unwrap_err();
        assert_eq!(
            super::super::diagnostic::field_name(&path),
            "attempts.\"http://127.0.0.1:9/x\""
        );
        assert!(message.contains("not a URL of a declared site"));
        let (_, message, help) =
            super::checks(&serde_json::json!({"peak": 1}), &sites).unwrap_err();
        assert!(message.contains("unknown site observation \"peak\""));
        assert!(help.contains("peak_in_flight"));
    }
}

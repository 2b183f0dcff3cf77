//! task.toml's raw form checked and turned into a [`Task`]: every mistake found at once, each
//! with its file, line and field.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::diagnostic::{Locator, SpecError, SpecErrors};
use super::raw::{RawCase, RawTask};
use super::*;
use crate::compare::{Pattern, Segment};
use crate::util::units;

pub(super) struct Validator<'a> {
    dir: &'a Path,
    file: &'a Path,
    locator: Locator<'a>,
    errors: Vec<SpecError>,
}

fn key(k: &str) -> Segment {
    Segment::Key(k.to_owned())
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 64
        && matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

/// `a/b/../c` as `a/c`, without touching the file system (for paths shown to people).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A relative path that stays inside its base folder.
pub(super) fn is_contained(relative: &str) -> bool {
    let path = Path::new(relative);
    !relative.is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

impl<'a> Validator<'a> {
    pub(super) fn new(dir: &'a Path, file: &'a Path, source: &'a str) -> Validator<'a> {
        Validator {
            dir,
            file,
            locator: Locator::new(source),
            errors: Vec::new(),
        }
    }

    fn report(&mut self, path: &[Segment], message: impl Into<String>, help: impl Into<String>) {
        let error = diagnostic::located(self.file, &self.locator, path, message, help);
        self.errors.push(error);
    }

    pub(super) fn validate(mut self, raw: RawTask) -> Result<Task, SpecErrors> {
        let folder_id = self
            .dir
            .canonicalize()
            .unwrap_or_else(|_| self.dir.to_owned())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id = match &raw.id {
            Some(id) if *id != folder_id => {
                self.report(
                    &[key("id")],
                    format!("id \"{id}\" does not match the task folder \"{folder_id}\""),
                    format!("rename the folder or set id = \"{folder_id}\""),
                );
                id.clone()
            }
            Some(id) => id.clone(),
            None => folder_id,
        };
        if !is_valid_id(&id) {
            self.report(
                &[key("id")],
                format!("invalid task id \"{id}\""),
                "use lowercase letters, digits, '-', '_' or '.', starting with a letter or digit",
            );
        }
        if raw.title.trim().is_empty() || raw.title.contains('\n') {
            self.report(
                &[key("title")],
                "the title must be one non-empty line",
                "write a one-line title, e.g. title = \"Caching decorator\"",
            );
        }
        let kind = match raw.kind.as_str() {
            "python" => Kind::Python,
            "tcp" => Kind::Tcp,
            "http" => Kind::Http,
            other => {
                self.report(
                    &[key("kind")],
                    format!("unknown kind \"{other}\""),
                    "use kind = \"python\" (the harness imports and calls the submission), \"http\" or \"tcp\" (the submission is a server the judge talks to)",
                );
                Kind::Python
            }
        };

        let statement_file = self
            .dir
            .join(raw.statement.as_deref().unwrap_or("README.md"));
        if !statement_file.is_file() {
            let path: &[Segment] = if raw.statement.is_some() {
                &[key("statement")]
            } else {
                &[]
            };
            self.report(
                path,
                format!("the statement {} does not exist", statement_file.display()),
                "write the candidate-facing statement in README.md next to task.toml, or set statement = \"FILE\"",
            );
        }

        let fixtures_dir = lexically_normal(&match &raw.fixtures {
            Some(relative) => self.dir.join(relative),
            None => self.dir.join("..").join("..").join("fixtures").join(&id),
        });

        let entry = raw
            .submission
            .entry
            .clone()
            .unwrap_or_else(|| "solution.py".to_owned());
        let module_ok = entry.strip_suffix(".py").is_some_and(is_identifier);
        if !module_ok {
            self.report(
                &[key("submission"), key("entry")],
                format!("entry \"{entry}\" is not an importable Python file name"),
                "use a plain file name such as \"solution.py\"",
            );
        }
        for (i, name) in raw.submission.names.iter().enumerate() {
            if !is_identifier(name) {
                self.report(
                    &[key("submission"), key("names"), Segment::Index(i)],
                    format!("\"{name}\" is not a Python identifier"),
                    "list the names the submission must define, e.g. names = [\"cache\"]",
                );
            }
        }

        for (i, requirement) in raw.python.requirements.iter().enumerate() {
            let trimmed = requirement.trim();
            if trimmed.is_empty() || trimmed.starts_with('-') || trimmed.contains(['\n', '\r']) {
                self.report(
                    &[key("python"), key("requirements"), Segment::Index(i)],
                    format!("\"{requirement}\" is not a requirement"),
                    "write PyPI requirement strings such as \"flask==3.0.3\"; pip options are not allowed",
                );
            }
        }
        let min_version = raw.python.min_version.as_ref().and_then(|v| {
            let parsed = v
                .split_once('.')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
            if parsed.is_none() {
                self.report(
                    &[key("python"), key("min_version")],
                    format!("invalid Python version \"{v}\""),
                    "write MAJOR.MINOR, e.g. min_version = \"3.10\"",
                );
            }
            parsed
        });

        let harness_file = match &raw.harness {
            Some(_) if kind.is_server() => {
                self.report(
                    &[key("harness")],
                    format!(
                        "a{} {} task has no harness: the judge itself talks to the server",
                        if kind == Kind::Http { "n" } else { "" },
                        kind.name()
                    ),
                    "remove [harness]; write each case's steps instead",
                );
                PathBuf::new()
            }
            None if kind.is_server() => PathBuf::new(),
            Some(h) if !is_contained(&h.file) => {
                self.report(
                    &[key("harness"), key("file")],
                    format!(
                        "harness file \"{}\" must be a path inside the task folder",
                        h.file
                    ),
                    "write a relative path such as \"harness.py\"",
                );
                PathBuf::new()
            }
            Some(h) => {
                let path = self.dir.join(&h.file);
                if !path.is_file() {
                    self.report(
                        &[key("harness"), key("file")],
                        format!("harness file {} does not exist", path.display()),
                        "create it or fix the path (relative to the task folder)",
                    );
                }
                path
            }
            None => {
                self.report(
                    &[],
                    "a python task needs a harness",
                    "add [harness] with file = \"harness.py\"",
                );
                PathBuf::new()
            }
        };

        let server = self.server(kind, raw.server.as_ref(), &entry);
        let limits = self.limits(&raw.limits);
        let groups = self.groups(&raw);
        let sites = match &raw.sites {
            Some(_) if kind != Kind::Python => {
                self.report(
                    &[key("sites")],
                    "fixture websites are served to python tasks",
                    "remove sites, or use kind = \"python\" with a harness that calls the submission",
                );
                Vec::new()
            }
            Some(relative) if !is_contained(relative) => {
                self.report(
                    &[key("sites")],
                    format!(
                        "\"{relative}\" must be a relative path inside the fixtures' sites folder"
                    ),
                    format!(
                        "put it under {}",
                        fixtures_dir.join(sites::SITES_DIR).display()
                    ),
                );
                Vec::new()
            }
            Some(relative) => match sites::load(&sites::file_for(&fixtures_dir, relative)) {
                Ok(sites) => sites,
                Err(errors) => {
                    self.errors.extend(errors.0);
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let cases = self.cases(kind, &raw.cases, &limits, &groups, &fixtures_dir, &sites);

        if self.errors.is_empty() {
            Ok(Task {
                id,
                title: raw.title.trim().to_owned(),
                kind,
                dir: self.dir.to_owned(),
                spec_file: self.file.to_owned(),
                statement_file,
                fixtures_dir,
                entry,
                required_names: raw.submission.names,
                python: PythonSpec {
                    requirements: raw
                        .python
                        .requirements
                        .iter()
                        .map(|r| r.trim().to_owned())
                        .collect(),
                    min_version,
                },
                harness_file,
                server,
                sites,
                limits,
                groups,
                cases,
            })
        } else {
            Err(SpecErrors(self.errors))
        }
    }

    fn server(
        &mut self,
        kind: Kind,
        raw: Option<&raw::RawServer>,
        entry: &str,
    ) -> Option<ServerSpec> {
        if kind == Kind::Python {
            if raw.is_some() {
                self.report(
                    &[key("server")],
                    "a python task has no server",
                    "remove [server], or use kind = \"http\" or \"tcp\"",
                );
            }
            return None;
        }
        let default = raw::RawServer::default();
        let raw = raw.unwrap_or(&default);
        let command = raw
            .command
            .clone()
            .unwrap_or_else(|| vec!["python".to_owned(), entry.to_owned()]);
        if command.is_empty() || command[0].trim().is_empty() {
            self.report(
                &[key("server"), key("command")],
                "the server command is empty",
                "write command = [\"python\", \"solution.py\"] (the default)",
            );
        }
        let port = raw.port.unwrap_or(8000);
        if port < 1024 {
            self.report(
                &[key("server"), key("port")],
                format!("port {port} is privileged"),
                "use a port from 1024 up (the default is 8000; it is inside the box)",
            );
        }
        let start_timeout = raw.start_timeout.unwrap_or(Duration::from_secs(10));
        let stop_grace = raw.stop_grace.unwrap_or(Duration::from_secs(2));
        for (name, value) in [("start_timeout", start_timeout), ("stop_grace", stop_grace)] {
            if value < Duration::from_millis(10) || value > Duration::from_secs(600) {
                self.report(
                    &[key("server"), key(name)],
                    format!("{name} = {} is out of range", units::format_duration(value)),
                    "use a value between 10ms and 10min",
                );
            }
        }
        let ready_path = match (&raw.ready_path, kind) {
            (Some(path), Kind::Http)
                if path.starts_with('/') && path.parse::<hyper::Uri>().is_ok() =>
            {
                Some(path.clone())
            }
            (Some(_), Kind::Http) => {
                self.report(
                    &[key("server"), key("ready_path")],
                    "ready_path must be a path that starts with /",
                    "write ready_path = \"/health\"",
                );
                None
            }
            (Some(_), _) => {
                self.report(
                    &[key("server"), key("ready_path")],
                    "ready_path is for http tasks",
                    "a tcp server is ready when it accepts a connection; remove ready_path",
                );
                None
            }
            (None, Kind::Http) => Some("/".to_owned()),
            (None, _) => None,
        };
        Some(ServerSpec {
            command,
            port,
            start_timeout,
            stop_grace,
            fresh_per_case: raw.fresh_per_case,
            ready_path,
            data_dir: raw.data_dir,
        })
    }

    fn limits(&mut self, raw: &raw::RawLimits) -> Limits {
        let d = Limits::default();
        let limits = Limits {
            case_wall_time: raw.case_wall_time.unwrap_or(d.case_wall_time),
            run_wall_time: raw.run_wall_time.unwrap_or(d.run_wall_time),
            cpu_time: raw.cpu_time.unwrap_or(d.cpu_time),
            memory: raw.memory.unwrap_or(d.memory),
            output: raw.output.unwrap_or(d.output),
            processes: raw.processes.unwrap_or(d.processes),
            disk: raw.disk.unwrap_or(d.disk),
        };
        let ms = Duration::from_millis;
        let s = Duration::from_secs;
        let durations = [
            ("case_wall_time", limits.case_wall_time, ms(10), s(600)),
            ("run_wall_time", limits.run_wall_time, ms(100), s(7200)),
            ("cpu_time", limits.cpu_time, ms(100), s(7200)),
        ];
        for (name, value, low, high) in durations {
            if value < low || value > high {
                self.report(
                    &[key("limits"), key(name)],
                    format!("{name} = {} is out of range", units::format_duration(value)),
                    format!(
                        "use a value between {} and {}",
                        units::format_duration(low),
                        units::format_duration(high)
                    ),
                );
            }
        }
        let sizes = [
            ("memory", limits.memory, 32 << 20, 64 << 30),
            ("output", limits.output, 1 << 10, 1 << 30),
            ("disk", limits.disk, 1 << 20, 16 << 30),
        ];
        for (name, value, low, high) in sizes {
            if value < low || value > high {
                self.report(
                    &[key("limits"), key(name)],
                    format!("{name} = {} is out of range", units::format_size(value)),
                    format!(
                        "use a value between {} and {}",
                        units::format_size(low),
                        units::format_size(high)
                    ),
                );
            }
        }
        if !(8..=4096).contains(&limits.processes) {
            self.report(
                &[key("limits"), key("processes")],
                format!("processes = {} is out of range", limits.processes),
                "use a number between 8 and 4096 (threads count too)",
            );
        }
        if limits.case_wall_time > limits.run_wall_time {
            self.report(
                &[key("limits"), key("case_wall_time")],
                format!(
                    "case_wall_time ({}) is longer than run_wall_time ({})",
                    units::format_duration(limits.case_wall_time),
                    units::format_duration(limits.run_wall_time)
                ),
                "a run holds every case: make run_wall_time at least case_wall_time",
            );
        }
        limits
    }

    fn groups(&mut self, raw: &RawTask) -> Vec<String> {
        match &raw.groups {
            Some(groups) => {
                for (i, group) in groups.iter().enumerate() {
                    if groups[..i].contains(group) {
                        self.report(
                            &[key("groups"), Segment::Index(i)],
                            format!("group \"{group}\" is listed twice"),
                            "list each group once",
                        );
                    }
                }
                groups.clone()
            }
            None => {
                let mut groups: Vec<String> = Vec::new();
                for case in &raw.cases {
                    let group = case.group.clone().unwrap_or_else(|| "basic".to_owned());
                    if !groups.contains(&group) {
                        groups.push(group);
                    }
                }
                groups
            }
        }
    }

    fn cases(
        &mut self,
        kind: Kind,
        raw: &[RawCase],
        limits: &Limits,
        groups: &[String],
        fixtures_dir: &Path,
        sites: &[sites::SiteSpec],
    ) -> Vec<Case> {
        if raw.is_empty() {
            self.report(
                &[],
                "the task has no cases",
                "add at least one [[cases]] table",
            );
        }
        let mut first_seen: HashMap<&str, usize> = HashMap::new();
        let mut cases = Vec::new();
        for (i, case) in raw.iter().enumerate() {
            let at = |field: &str| vec![key("cases"), Segment::Index(i), key(field)];
            if !is_valid_id(&case.id) {
                self.report(
                    &at("id"),
                    format!("invalid case id \"{}\"", case.id),
                    "use lowercase letters, digits, '-', '_' or '.', starting with a letter or digit",
                );
            }
            if let Some(first) = first_seen.insert(&case.id, i) {
                let first_line = self
                    .locator
                    .span(&[key("cases"), Segment::Index(first), key("id")])
                    .map(|s| self.locator.source()[..s.start].matches('\n').count() + 1);
                self.report(
                    &at("id"),
                    format!(
                        "duplicate case id \"{}\" (also used by cases[{first}]{})",
                        case.id,
                        first_line
                            .map(|l| format!(" at line {l}"))
                            .unwrap_or_default()
                    ),
                    "give every case a unique id",
                );
            }
            if case.title.trim().is_empty() || case.title.contains('\n') {
                self.report(
                    &at("title"),
                    "a case title must be one non-empty line",
                    "describe what the case checks in a few words",
                );
            }
            let group = case.group.clone().unwrap_or_else(|| "basic".to_owned());
            if !groups.contains(&group) {
                self.report(
                    &at("group"),
                    format!("group \"{group}\" is not in the task's groups list"),
                    format!("use one of: {}, or add it to groups", groups.join(", ")),
                );
            }
            let points = case.points.unwrap_or(1);
            if points > 1000 {
                self.report(
                    &at("points"),
                    format!("{points} points is out of range"),
                    "use 0 to 1000 points",
                );
            }
            let wall_time = case.wall_time.unwrap_or(limits.case_wall_time);
            if wall_time < Duration::from_millis(10) || wall_time > limits.run_wall_time {
                self.report(
                    &at("wall_time"),
                    format!(
                        "wall_time = {} is out of range",
                        units::format_duration(wall_time)
                    ),
                    format!(
                        "use a value between 10ms and the task's run_wall_time ({})",
                        units::format_duration(limits.run_wall_time)
                    ),
                );
            }
            if kind.is_server() {
                if let Some(case) = self.server_case(i, kind, case, group, points, wall_time) {
                    cases.push(case);
                }
                continue;
            }
            if case.steps.is_some() {
                self.report(
                    &at("steps"),
                    "steps belong to server kinds",
                    "a python case has input and expect; use kind = \"http\" or \"tcp\" for steps",
                );
            }
            if case.server.is_some() {
                self.report(
                    &at("server"),
                    "server belongs to server kinds",
                    "remove it: a python case runs in the harness",
                );
            }
            let site_checks = match &case.sites {
                None => Vec::new(),
                Some(_) if sites.is_empty() => {
                    self.report(
                        &at("sites"),
                        "the case asserts on fixture websites, but the task serves none",
                        "declare them with sites = \"sites.toml\" in task.toml",
                    );
                    Vec::new()
                }
                Some(table) => match toml_to_json(table)
                    .map_err(|(path, message)| (path, message, String::new()))
                    .and_then(|json| sites::checks(&json, sites))
                {
                    Ok(checks) => checks,
                    Err((inner, message, help)) => {
                        let mut path = at("sites");
                        path.extend(inner);
                        self.report(&path, message, help);
                        Vec::new()
                    }
                },
            };
            let input = self.case_value(
                i,
                "input",
                case.input.as_ref(),
                case.input_file.as_deref(),
                fixtures_dir,
                false,
            );
            let expect_value = self.case_value(
                i,
                "expect",
                case.expect.as_ref(),
                case.expect_file.as_deref(),
                fixtures_dir,
                true,
            );
            let expect = expect_value.and_then(|(value, origin)| match Pattern::parse(&value) {
                Ok(pattern) => Some(pattern),
                Err(e) => {
                    let help = e.help.clone().unwrap_or_else(|| {
                        "`livejudge help task-format` lists the matchers".to_owned()
                    });
                    match origin {
                        Origin::Inline => {
                            let mut path = at("expect");
                            path.extend(e.path.segments().iter().cloned());
                            self.report(&path, e.message, help);
                        }
                        Origin::File(file) => self.errors.push(
                            SpecError::new(&file, format!("at {}: {}", e.path, e.message))
                                .with_help(help),
                        ),
                    }
                    None
                }
            });
            if let (Some((input, _)), Some(expect)) = (input, expect) {
                cases.push(Case {
                    id: case.id.clone(),
                    title: case.title.trim().to_owned(),
                    group,
                    points,
                    hidden: case.hidden,
                    rule: case.rule.as_ref().map(|r| r.trim().to_owned()),
                    wall_time,
                    input,
                    expect,
                    steps: Vec::new(),
                    server_start: ServerStart::Shared,
                    site_checks,
                });
            }
        }
        cases
    }

    /// A case of a server kind: its steps, and the expectation they imply.
    fn server_case(
        &mut self,
        i: usize,
        kind: Kind,
        case: &RawCase,
        group: String,
        points: u32,
        wall_time: Duration,
    ) -> Option<Case> {
        let at = |field: &str| vec![key("cases"), Segment::Index(i), key(field)];
        for (field, present) in [
            ("input", case.input.is_some()),
            ("input_file", case.input_file.is_some()),
            ("expect", case.expect.is_some()),
            ("expect_file", case.expect_file.is_some()),
            ("sites", case.sites.is_some()),
        ] {
            if present {
                self.report(
                    &at(field),
                    format!(
                        "a {} case has no {field}: its steps say what to send and expect",
                        kind.name()
                    ),
                    "write steps = [{ send = \"PING\\n\" }, { expect = \"PONG\" }]",
                );
            }
        }
        let Some(raw_steps) = &case.steps else {
            self.report(
                &[key("cases"), Segment::Index(i)],
                "the case has no steps",
                "write steps = [{ send = \"PING\\n\" }, { expect = \"PONG\" }]",
            );
            return None;
        };
        let server_start = match case.server.as_deref() {
            None | Some("shared") => ServerStart::Shared,
            Some("fresh") => ServerStart::Fresh,
            Some("restart") => ServerStart::Restart,
            Some(other) => {
                self.report(
                    &at("server"),
                    format!("unknown server start \"{other}\""),
                    "write server = \"fresh\" (a new server, empty DATA_DIR) or \"restart\" (stop and start again, same DATA_DIR); the default is the running one",
                );
                ServerStart::Shared
            }
        };
        match steps::parse(raw_steps, kind == Kind::Http) {
            Ok((steps, expected)) => match Pattern::parse(&expected) {
                Ok(expect) => Some(Case {
                    id: case.id.clone(),
                    title: case.title.trim().to_owned(),
                    group,
                    points,
                    hidden: case.hidden,
                    rule: case.rule.as_ref().map(|r| r.trim().to_owned()),
                    wall_time,
                    input: Value::Null,
                    expect,
                    steps,
                    server_start,
                    site_checks: Vec::new(),
                }),
                Err(e) => {
                    // Paths inside the expectation: $.steps[N].lines[M] -> steps[N].expect[M].
                    let mut path = at("steps");
                    let segments = e.path.segments();
                    if let (Some(Segment::Index(step)), rest) =
                        (segments.get(1), segments.get(3..).unwrap_or_default())
                    {
                        path.push(Segment::Index(*step));
                        path.push(key("expect"));
                        path.extend(rest.iter().cloned());
                    }
                    self.report(
                        &path,
                        e.message,
                        e.help.unwrap_or_else(|| {
                            "`livejudge help task-format` lists the matchers".to_owned()
                        }),
                    );
                    None
                }
            },
            Err(errors) => {
                for error in errors {
                    let mut path = at("steps");
                    path.extend(error.path);
                    self.report(&path, error.message, error.help);
                }
                None
            }
        }
    }

    /// The case's `input`/`expect` value, written inline or in a fixture file (JSON).
    fn case_value(
        &mut self,
        index: usize,
        field: &str,
        inline: Option<&toml::Value>,
        file: Option<&str>,
        fixtures_dir: &Path,
        required: bool,
    ) -> Option<(Value, Origin)> {
        let at = |f: &str| vec![key("cases"), Segment::Index(index), key(f)];
        let file_field = format!("{field}_file");
        match (inline, file) {
            (Some(_), Some(_)) => {
                self.report(
                    &at(&file_field),
                    format!("both {field} and {file_field} are set"),
                    format!("keep one: {field} inline, or {file_field} in the fixtures folder"),
                );
                None
            }
            (Some(value), None) => match toml_to_json(value) {
                Ok(json) => Some((json, Origin::Inline)),
                Err((inner, message)) => {
                    let mut path = at(field);
                    path.extend(inner);
                    self.report(
                        &path,
                        message,
                        "use strings, numbers, booleans, arrays and tables",
                    );
                    None
                }
            },
            (None, Some(relative)) => {
                if !is_contained(relative) {
                    self.report(
                        &at(&file_field),
                        format!(
                            "\"{relative}\" must be a relative path inside the fixtures folder"
                        ),
                        format!("put the file under {}", fixtures_dir.display()),
                    );
                    return None;
                }
                let path = fixtures_dir.join(relative);
                match fs::read_to_string(&path) {
                    Ok(text) => match serde_json::from_str::<Value>(&text) {
                        Ok(json) => Some((json, Origin::File(path))),
                        Err(e) => {
                            let mut error = SpecError::new(&path, format!("invalid JSON: {e}"))
                                .with_help("fixture files hold one JSON value");
                            if e.line() > 0 {
                                error.location = Some((e.line(), e.column()));
                            }
                            self.errors.push(error);
                            None
                        }
                    },
                    Err(e) => {
                        self.report(
                            &at(&file_field),
                            format!("cannot read fixture {}: {e}", path.display()),
                            format!(
                                "create it (fixtures live in {}) or fix the name",
                                fixtures_dir.display()
                            ),
                        );
                        None
                    }
                }
            }
            (None, None) if required => {
                self.report(
                    &[key("cases"), Segment::Index(index)],
                    format!("case has no {field}"),
                    format!("add {field} = ... (inline) or {file_field} = \"NAME.json\""),
                );
                None
            }
            (None, None) => Some((Value::Object(Default::default()), Origin::Inline)),
        }
    }
}

enum Origin {
    Inline,
    File(PathBuf),
}

/// TOML to JSON, rejecting what JSON cannot carry (dates, NaN, infinities).
fn toml_to_json(value: &toml::Value) -> Result<Value, (Vec<Segment>, String)> {
    Ok(match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => Value::Number(n),
            None => return Err((vec![], format!("{f} cannot be represented in JSON"))),
        },
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => {
            return Err((
                vec![],
                format!("dates are not supported here ({d}); write the date as a string"),
            ));
        }
        toml::Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    toml_to_json(item).map_err(|(mut p, m)| {
                        p.insert(0, Segment::Index(i));
                        (p, m)
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(table) => Value::Object(
            table
                .iter()
                .map(|(k, item)| {
                    toml_to_json(item)
                        .map(|v| (k.clone(), v))
                        .map_err(|(mut p, m)| {
                            p.insert(0, Segment::Key(k.clone()));
                            (p, m)
                        })
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_paths_for_display() {
        assert_eq!(
            lexically_normal(Path::new("tasks/a/../../fixtures/a")),
            PathBuf::from("fixtures/a")
        );
        assert_eq!(
            lexically_normal(Path::new("../x/./y")),
            PathBuf::from("../x/y")
        );
    }

    #[test]
    fn toml_values_become_json_and_dates_are_refused() {
        let v: toml::Value = toml::from_str("a = [1, 2.5, \"x\", {b = true}]").unwrap();
        assert_eq!(
            toml_to_json(&v).unwrap(),
            serde_json::json!({"a": [1, 2.5, "x", {"b": true}]})
        );
        let v: toml::Value = toml::from_str("a = [1, 1979-05-27]").unwrap();
        let (path, message) = toml_to_json(&v).unwrap_err();
        assert_eq!(path, vec![Segment::Key("a".into()), Segment::Index(1)]);
        assert!(message.contains("dates are not supported"));
    }
}

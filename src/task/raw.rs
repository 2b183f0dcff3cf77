//! The task file exactly as written. Every table rejects unknown keys, so a typo is an error
//! rather than a silently ignored setting. Validation turns this into a [`super::Task`].

use std::time::Duration;

use serde::Deserialize;

use crate::util::units;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTask {
    pub id: Option<String>,
    pub title: String,
    pub kind: String,
    pub statement: Option<String>,
    pub fixtures: Option<String>,
    #[serde(default)]
    pub submission: RawSubmission,
    #[serde(default)]
    pub python: RawPython,
    pub harness: Option<RawHarness>,
    pub server: Option<RawServer>,
    /// The fixture websites file, in `fixtures/<task>/sites/`.
    pub sites: Option<String>,
    #[serde(default)]
    pub limits: RawLimits,
    pub groups: Option<Vec<String>>,
    #[serde(default)]
    pub cases: Vec<RawCase>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubmission {
    pub entry: Option<String>,
    #[serde(default)]
    pub names: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPython {
    #[serde(default)]
    pub requirements: Vec<String>,
    pub min_version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHarness {
    pub file: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub command: Option<Vec<String>>,
    pub port: Option<u16>,
    #[serde(default, deserialize_with = "units::duration")]
    pub start_timeout: Option<Duration>,
    #[serde(default, deserialize_with = "units::duration")]
    pub stop_grace: Option<Duration>,
    #[serde(default)]
    pub fresh_per_case: bool,
    pub ready_path: Option<String>,
    #[serde(default)]
    pub data_dir: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    #[serde(default, deserialize_with = "units::duration")]
    pub case_wall_time: Option<Duration>,
    #[serde(default, deserialize_with = "units::duration")]
    pub run_wall_time: Option<Duration>,
    #[serde(default, deserialize_with = "units::duration")]
    pub cpu_time: Option<Duration>,
    #[serde(default, deserialize_with = "units::size")]
    pub memory: Option<u64>,
    #[serde(default, deserialize_with = "units::size")]
    pub output: Option<u64>,
    pub processes: Option<u32>,
    #[serde(default, deserialize_with = "units::size")]
    pub disk: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCase {
    pub id: String,
    pub title: String,
    pub group: Option<String>,
    pub points: Option<u32>,
    #[serde(default)]
    pub hidden: bool,
    pub rule: Option<String>,
    #[serde(default, deserialize_with = "units::duration")]
    pub wall_time: Option<Duration>,
    pub input: Option<toml::Value>,
    pub input_file: Option<String>,
    pub expect: Option<toml::Value>,
    pub expect_file: Option<String>,
    pub steps: Option<Vec<toml::Value>>,
    pub server: Option<String>,
    pub sites: Option<toml::Value>,
}

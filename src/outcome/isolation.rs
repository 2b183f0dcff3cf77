//! The isolation a run had, as reports name it.

/// The isolation a run had, weakest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    /// Every property of README's "Isolation" section: namespaces, an unprivileged uid,
    /// cgroup limits and a seccomp filter.
    Strict,
    /// Namespaces and an unprivileged uid, but some of the rest is missing (see `missing`).
    Partial,
    /// Resource limits and a private process group only.
    None,
}

impl Isolation {
    pub fn name(self) -> &'static str {
        match self {
            Isolation::Strict => "strict",
            Isolation::Partial => "partial",
            Isolation::None => "none",
        }
    }
}

/// A description of the isolation in force, for reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IsolationReport {
    pub level: Isolation,
    /// What is in force: "bubblewrap 0.8.0", "uid 65534", "cgroup v1 (memory, pids)", ...
    pub mechanisms: Vec<String>,
    /// What full isolation needs and this machine lacks, each with its fix.
    pub missing: Vec<String>,
}

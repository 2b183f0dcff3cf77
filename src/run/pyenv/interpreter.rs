//! Resolving `python3` (or `--python`, or `$LIVEJUDGE_PYTHON`) to the real interpreter binary.
//!
//! A pyenv shim costs ~100 ms per start, so livejudge asks the interpreter for its
//! `sys.executable` once and remembers the answer in the cache, keyed by what decides which
//! interpreter the name means: the file found on PATH and, for pyenv shims, the selected
//! version (`PYENV_VERSION`, the nearest `.python-version`, pyenv's global version file).

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use wait_timeout::ChildExt;

use super::{Cache, EnvError};

const PROBE: &str = "import sys, json; print(json.dumps({'executable': sys.executable, \
'version': list(sys.version_info[:3]), 'prefix': sys.base_prefix, \
'implementation': sys.implementation.name}))";
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);
const CACHE_FILE: &str = "interpreters.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interpreter {
    pub executable: PathBuf,
    pub version: (u32, u32, u32),
    /// `sys.base_prefix`: the installation the interpreter belongs to.
    pub prefix: PathBuf,
    pub implementation: String,
}

impl Interpreter {
    pub fn version_string(&self) -> String {
        let (a, b, c) = self.version;
        format!("{a}.{b}.{c}")
    }
}

#[derive(Serialize, Deserialize)]
struct CachedInterpreter {
    interpreter: Interpreter,
    executable_mtime: u128,
}

/// Resolves the interpreter: `explicit` (from `--python`), else `$LIVEJUDGE_PYTHON`, else
/// `python3` on PATH.
pub fn resolve_interpreter(
    explicit: Option<&OsStr>,
    cache: &Cache,
) -> Result<Interpreter, EnvError> {
    let env_choice = std::env::var_os("LIVEJUDGE_PYTHON").filter(|v| !v.is_empty());
    let (program, source) = match (explicit, env_choice.as_deref()) {
        (Some(p), _) => (p.to_owned(), "--python"),
        (None, Some(p)) => (p.to_owned(), "LIVEJUDGE_PYTHON"),
        (None, None) => ("python3".into(), "PATH"),
    };
    let found = find_program(&program).ok_or_else(|| EnvError::NoPython {
        detail: format!(
            "`{}` (from {source}) was not found",
            program.to_string_lossy()
        ),
        help: "install Python 3, or pass --python /path/to/python3 (or set LIVEJUDGE_PYTHON)"
            .to_owned(),
    })?;

    let key = cache_key(&found);
    let cache_path = cache.dir.join(CACHE_FILE);
    let mut known: BTreeMap<String, CachedInterpreter> = std::fs::read(&cache_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    if let Some(entry) = known.get(&key)
        && mtime(&entry.interpreter.executable) == Some(entry.executable_mtime)
    {
        return Ok(entry.interpreter.clone());
    }

    let interpreter = probe(&found)?;
    if let Some(executable_mtime) = mtime(&interpreter.executable) {
        known.insert(
            key,
            CachedInterpreter {
                interpreter: interpreter.clone(),
                executable_mtime,
            },
        );
        // A lost write only costs a probe next time; never fail the run over it.
        let _ = write_atomically(
            &cache_path,
            &serde_json::to_vec_pretty(&known).unwrap_or_default(),
        );
    }
    Ok(interpreter)
}

fn probe(program: &Path) -> Result<Interpreter, EnvError> {
    let failed = |detail: String| EnvError::NoPython {
        detail,
        help: "pass --python /path/to/python3 (or set LIVEJUDGE_PYTHON) to a working Python 3"
            .to_owned(),
    };
    let mut child = Command::new(program)
        .args(["-I", "-c", PROBE])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot start {}: {e}", program.display())))?;
    let status = match child.wait_timeout(PROBE_TIMEOUT) {
        Ok(Some(status)) => status,
        Ok(None) | Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(failed(format!(
                "{} did not answer within {}s",
                program.display(),
                PROBE_TIMEOUT.as_secs()
            )));
        }
    };
    let output = child
        .wait_with_output()
        .map_err(|e| failed(e.to_string()))?;
    if !status.success() {
        return Err(failed(format!(
            "{} failed ({status}): {}",
            program.display(),
            crate::util::text::neutralize_bytes(&output.stderr).trim()
        )));
    }
    let interpreter: Interpreter = serde_json::from_slice::<ProbeAnswer>(&output.stdout)
        .map_err(|e| {
            failed(format!(
                "{} gave an unexpected answer: {e}",
                program.display()
            ))
        })?
        .into();
    if interpreter.executable.as_os_str().is_empty() {
        return Err(failed(format!(
            "{} does not know its own executable",
            program.display()
        )));
    }
    if interpreter.version.0 < 3 {
        return Err(failed(format!(
            "{} is Python {}; livejudge needs Python 3",
            program.display(),
            interpreter.version_string()
        )));
    }
    Ok(interpreter)
}

#[derive(Deserialize)]
struct ProbeAnswer {
    executable: PathBuf,
    version: Vec<u32>,
    prefix: PathBuf,
    implementation: String,
}

impl From<ProbeAnswer> for Interpreter {
    fn from(a: ProbeAnswer) -> Interpreter {
        let part = |i: usize| a.version.get(i).copied().unwrap_or(0);
        Interpreter {
            executable: a.executable,
            version: (part(0), part(1), part(2)),
            prefix: a.prefix,
            implementation: a.implementation,
        }
    }
}

/// `program` itself when it names a path, else its first executable match on PATH.
fn find_program(program: &OsStr) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let is_executable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let as_path = Path::new(program);
    if as_path.components().count() > 1 {
        return is_executable(as_path).then(|| as_path.to_owned());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn mtime(path: &Path) -> Option<u128> {
    let modified = path.metadata().ok()?.modified().ok()?;
    Some(modified.duration_since(UNIX_EPOCH).ok()?.as_nanos())
}

fn cache_key(found: &Path) -> String {
    let mut key = format!("{}|{}", found.display(), mtime(found).unwrap_or(0));
    let is_shim = found
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|n| n == "shims");
    if is_shim {
        let pyenv_root = std::env::var_os("PYENV_ROOT")
            .map(PathBuf::from)
            .or_else(|| found.parent()?.parent().map(Path::to_owned))
            .unwrap_or_default();
        let version_env = std::env::var("PYENV_VERSION").unwrap_or_default();
        let local = std::env::current_dir()
            .ok()
            .and_then(|cwd| {
                cwd.ancestors()
                    .map(|d| d.join(".python-version"))
                    .find(|f| f.is_file())
            })
            .and_then(|f| std::fs::read_to_string(f).ok())
            .unwrap_or_default();
        let global = std::fs::read_to_string(pyenv_root.join("version")).unwrap_or_default();
        key.push_str(&format!(
            "|pyenv:{version_env}|{}|{}",
            local.trim(),
            global.trim()
        ));
    }
    key
}

pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

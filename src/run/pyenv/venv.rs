//! One virtual environment per (interpreter, requirement set), created on first use under the
//! cache directory and reused afterwards. A file lock makes concurrent livejudge processes
//! wait for one another instead of building the same environment twice; a marker written last
//! tells a finished environment from one left half-built by a crash.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};
use sha2::{Digest, Sha256};

use super::interpreter::write_atomically;
use super::{Cache, EnvError, Interpreter};

const MARKER: &str = "livejudge-venv.json";
/// Bumped when the layout of environments changes, so old ones are not reused.
const LAYOUT_VERSION: &str = "1";

#[derive(Debug, Clone)]
pub struct Venv {
    pub dir: PathBuf,
    pub python: PathBuf,
}

pub enum VenvProgress<'a> {
    Creating {
        dir: &'a Path,
        requirements: &'a [String],
        tool: &'static str,
    },
    Finished {
        elapsed: Duration,
    },
}

fn venv_name(interpreter: &Interpreter, requirements: &[String]) -> String {
    let mut sorted: Vec<&String> = requirements.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "livejudge-venv {LAYOUT_VERSION}\n{}\n{}\n",
        interpreter.executable.display(),
        interpreter.version_string()
    ));
    for requirement in sorted {
        hasher.update(requirement.as_bytes());
        hasher.update(b"\n");
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let (major, minor, _) = interpreter.version;
    format!("py{major}{minor}-{hex}")
}

/// The environment for `requirements`, created if missing or broken.
pub fn ensure_venv(
    interpreter: &Interpreter,
    requirements: &[String],
    cache: &Cache,
    on_progress: &mut dyn FnMut(VenvProgress<'_>),
) -> Result<Venv, EnvError> {
    let root = cache.dir.join("venvs");
    let cache_error = |path: &Path, source: std::io::Error| EnvError::Cache {
        path: path.to_owned(),
        source,
    };
    fs::create_dir_all(&root).map_err(|e| cache_error(&root, e))?;
    let name = venv_name(interpreter, requirements);
    let dir = root.join(&name);
    let venv = Venv {
        python: dir.join("bin").join("python"),
        dir: dir.clone(),
    };
    if is_complete(&venv) {
        return Ok(venv);
    }

    let lock_path = root.join(format!("{name}.lock"));
    let lock_file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| cache_error(&lock_path, e))?;
    let _lock = Flock::lock(lock_file, FlockArg::LockExclusive)
        .map_err(|(_, errno)| cache_error(&lock_path, errno.into()))?;
    // Another livejudge may have finished it while we waited for the lock.
    if is_complete(&venv) {
        return Ok(venv);
    }
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(|e| cache_error(&dir, e))?;
    }

    let started = Instant::now();
    let uv = (!requirements.is_empty())
        .then(|| find_on_path("uv"))
        .flatten();
    on_progress(VenvProgress::Creating {
        dir: &dir,
        requirements,
        tool: match (&uv, requirements.is_empty()) {
            (_, true) => "venv",
            (Some(_), false) => "uv",
            (None, false) => "venv + pip",
        },
    });
    let python = interpreter.executable.as_os_str();
    let dir_os = dir.as_os_str();
    let steps: Vec<Command> = match (&uv, requirements.is_empty()) {
        (_, true) => vec![command(
            python,
            &[
                "-m".as_ref(),
                "venv".as_ref(),
                "--without-pip".as_ref(),
                dir_os,
            ],
        )],
        (Some(uv), false) => vec![
            command(
                uv.as_os_str(),
                &[
                    "venv".as_ref(),
                    "--quiet".as_ref(),
                    "--python".as_ref(),
                    python,
                    dir_os,
                ],
            ),
            {
                let mut c = command(
                    uv.as_os_str(),
                    &[
                        "pip".as_ref(),
                        "install".as_ref(),
                        "--python".as_ref(),
                        venv.python.as_os_str(),
                    ],
                );
                c.args(requirements);
                c
            },
        ],
        (None, false) => vec![
            command(python, &["-m".as_ref(), "venv".as_ref(), dir_os]),
            {
                let mut c = command(
                    venv.python.as_os_str(),
                    &[
                        "-m".as_ref(),
                        "pip".as_ref(),
                        "install".as_ref(),
                        "--disable-pip-version-check".as_ref(),
                        "--no-input".as_ref(),
                    ],
                );
                c.args(requirements);
                c
            },
        ],
    };
    for mut step in steps {
        let shown = format!("{step:?}").replace('"', "");
        let output = step
            .stdin(Stdio::null())
            .output()
            .map_err(|e| EnvError::Venv {
                dir: dir.clone(),
                command: shown.clone(),
                output: e.to_string(),
                help: "check that the interpreter has the venv module (Debian: apt-get install python3-venv)".to_owned(),
            })?;
        if !output.status.success() {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            let _ = fs::remove_dir_all(&dir);
            return Err(EnvError::Venv {
                dir: dir.clone(),
                command: shown,
                output: crate::util::text::indent(
                    &crate::util::text::neutralize(text.trim_end()),
                    "    ",
                ),
                help: if requirements.is_empty() {
                    "check that the interpreter has the venv module (Debian: apt-get install python3-venv)".to_owned()
                } else {
                    "check the task's [python] requirements and that the package index is reachable"
                        .to_owned()
                },
            });
        }
    }
    let marker = serde_json::json!({
        "python": interpreter.executable,
        "version": interpreter.version_string(),
        "requirements": requirements,
    });
    write_atomically(&dir.join(MARKER), marker.to_string().as_bytes())
        .map_err(|e| cache_error(&dir, e))?;
    on_progress(VenvProgress::Finished {
        elapsed: started.elapsed(),
    });
    Ok(venv)
}

fn command(program: &std::ffi::OsStr, args: &[&std::ffi::OsStr]) -> Command {
    let mut c = Command::new(program);
    c.args(args);
    c
}

fn is_complete(venv: &Venv) -> bool {
    // `metadata` follows the interpreter symlink, so a venv whose base Python vanished is
    // treated as broken and rebuilt.
    venv.dir.join(MARKER).is_file() && venv.python.metadata().is_ok()
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

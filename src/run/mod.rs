//! What starts processes: the Python harness, servers and their scenarios, the judge's
//! fixture websites, the supervisor, task environments and workspaces.
pub mod pyenv;
pub mod python;
pub mod server;
pub mod sites;
pub mod supervise;
pub mod workspace;

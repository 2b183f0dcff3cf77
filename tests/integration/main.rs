//! The integration tests: one test binary, one module per area. Each module runs the built
//! `livejudge` (or, for the sandbox and server groundwork, the library) against the tasks under
//! tasks/ and the test data beside this folder (tests/tasks, tests/submissions,
//! tests/fixtures, tests/hostile, tests/bad-specs).

mod support;

mod async_scraper;
mod batch;
mod builtin_tasks;
mod caching_decorator;
mod check;
mod crud_app;
mod docs;
mod environment;
mod hostile;
mod hostile_corpus;
mod http_kind;
mod install;
mod json_api;
mod levels;
mod relay;
mod reports;
mod sandbox;
mod server;
mod server_kind;
mod sites;
mod specs;
mod submissions;
mod threaded_server;
mod watch;

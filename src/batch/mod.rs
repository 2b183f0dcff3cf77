//! Batch grading bookkeeping: the results file that makes a batch resumable, which of its
//! rows a new run may reuse, shards across machines, and merging shards back into one.

mod results;
mod resume;
mod shard;

pub use results::{
    RESULTS_SCHEMA, ResultRow, ResultsFile, ResultsWriter, latest_per_submission, read_results,
};
pub use resume::{ResumeKey, reusable};
pub use shard::in_shard;
#[cfg(test)]
mod resume_tests;

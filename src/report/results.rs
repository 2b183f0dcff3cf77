//! The results file reporter: each finished submission becomes one JSON line, written and
//! flushed to disk at once, so a batch can be resumed after a Ctrl-C or a crash.

use crate::batch::{RESULTS_SCHEMA, ResultRow, ResultsWriter};
use crate::outcome::{Event, Reporter};

pub struct ResultsReporter {
    writer: ResultsWriter,
    task: String,
    task_version: String,
    show_hidden: bool,
    isolation: String,
    shown_path: String,
    failed: bool,
}

impl ResultsReporter {
    pub fn new(
        writer: ResultsWriter,
        task: String,
        task_version: String,
        (show_hidden, isolation): (bool, String),
        shown_path: String,
    ) -> ResultsReporter {
        ResultsReporter {
            writer,
            task,
            task_version,
            show_hidden,
            isolation,
            shown_path,
            failed: false,
        }
    }
}

impl Reporter for ResultsReporter {
    fn event(&mut self, event: &Event<'_>) {
        let Event::SubmissionFinished {
            submission, result, ..
        } = event
        else {
            return;
        };
        let row = ResultRow {
            schema: RESULTS_SCHEMA,
            task: self.task.clone(),
            task_version: self.task_version.clone(),
            submission_digest: submission.digest.clone(),
            show_hidden: self.show_hidden,
            isolation: self.isolation.clone(),
            result: (*result).clone(),
        };
        if let Err(e) = self.writer.append(&row)
            && !std::mem::replace(&mut self.failed, true)
        {
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!(
                    "livejudge: cannot write to the results file {}: {e}\n",
                    self.shown_path
                )
                .as_bytes(),
            );
        }
    }
}

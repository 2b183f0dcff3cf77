//! The report for machines: one JSON document (docs/report.schema.json) written at the end.

use std::io::Write;

use crate::outcome::{Event, Reporter};

pub struct JsonReporter {
    out: Box<dyn Write>,
}

impl JsonReporter {
    pub fn new(out: Box<dyn Write>) -> JsonReporter {
        JsonReporter { out }
    }
}

impl Reporter for JsonReporter {
    fn event(&mut self, event: &Event<'_>) {
        if let Event::Finished { report } = event {
            let _ = serde_json::to_writer_pretty(&mut self.out, report);
            let _ = writeln!(self.out);
            let _ = self.out.flush();
        }
    }
}

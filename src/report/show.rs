//! `livejudge show`: a task's statement and its public cases, with what each expects. Hidden
//! cases are counted, never shown.

use std::io::Write;

use crate::compare::{matching, pretty};
use crate::task::Task;
use crate::util::text::indent;

pub fn write(out: &mut dyn Write, task: &Task, statement: &str) -> std::io::Result<()> {
    writeln!(out, "{}\n", statement.trim_end())?;
    let public: Vec<_> = task.cases.iter().filter(|c| !c.hidden).collect();
    writeln!(
        out,
        "## Public cases ({} of {})\n",
        public.len(),
        task.cases.len()
    )?;
    for case in public {
        let points = if case.points == 1 { "point" } else { "points" };
        writeln!(
            out,
            "### {} — {} [{}, {} {points}]",
            case.id, case.title, case.group, case.points
        )?;
        if let Some(rule) = &case.rule {
            writeln!(out, "rule: {rule}")?;
        }
        if case.steps.is_empty() {
            writeln!(out, "input:\n{}", indent(&pretty(&case.input), "    "))?;
        } else {
            writeln!(out, "steps:")?;
            for (i, step) in case.steps.iter().enumerate() {
                writeln!(out, "    {i}. {step}")?;
            }
        }
        let expected = matching::project(&case.expect, None);
        writeln!(out, "expected:\n{}", indent(&pretty(&expected), "    "))?;
        if !case.site_checks.is_empty() {
            writeln!(out, "the websites must see:")?;
            for check in &case.site_checks {
                writeln!(
                    out,
                    "    {}: {}",
                    check.observable.path(),
                    matching::describe(&check.expected)
                )?;
            }
        }
        writeln!(out)?;
    }
    let hidden = task.cases.iter().filter(|c| c.hidden).count();
    if hidden > 0 {
        writeln!(
            out,
            "{hidden} hidden case(s) are graded too; their data is not shown."
        )?;
    }
    Ok(())
}

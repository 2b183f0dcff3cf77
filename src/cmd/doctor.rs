//! `livejudge doctor`: what this machine offers for isolation, and the fixes.

use crate::error::{Error, exit};
use crate::sandbox;

pub(super) fn doctor() -> Result<u8, Error> {
    let capabilities = sandbox::Capabilities::detect();
    {
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), "{}", capabilities.render());
    }
    Ok(if capabilities.missing().is_empty() {
        exit::PASSED
    } else {
        exit::ENVIRONMENT
    })
}

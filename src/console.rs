//! What goes to the terminal outside the reporters: lines on stdout and stderr that a closed
//! or broken stream (a hung-up terminal, `| head`) does not turn into a panic, and whether
//! stdout takes colour.

/// `println!`, but a stream nobody reads any more is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!`, but a stream nobody reads any more is not an error.
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub(crate) use say;
pub(crate) use say_err;

/// Whether stdout takes colour (a terminal, and neither NO_COLOR nor CLICOLOR=0).
pub fn stdout_color() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

fn main() -> std::process::ExitCode {
    livejudge::app::main()
}

fn main() -> std::process::ExitCode {
    livejudge::cmd::main()
}

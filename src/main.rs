fn main() -> std::process::ExitCode {
    provrum::cli::main()
}

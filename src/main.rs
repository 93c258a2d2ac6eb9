fn main() {
    std::process::exit(wsconform_cli::cli::main());
}

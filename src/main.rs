fn main() {
    std::process::exit(wsconform::cli::main());
}

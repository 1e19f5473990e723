fn main() {
    std::process::exit(golivec::cli::main());
}

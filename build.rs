//! Links the `golivec` binary as a position-dependent executable on Linux: a PIE of this size
//! carries about 19,000 relocations that the loader applies at every start, touching some 200
//! pages before `main` (a fifth of a millisecond-scale `golivec check`, which an editor runs on
//! every save). The code stays position-independent; only the final link differs. See
//! `bench/README.md`, "The editor path at the floor".
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

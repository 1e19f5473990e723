// glibc's malloc spends a growing share of a large check in its free lists (a fifth of the
// time at 4 MB of source, a quarter at 18 MB), so time grew faster than the plan; mimalloc keeps
// that share flat. Without transparent huge pages (`no_thp`): they save page faults but round
// the resident set up to 2 MB pages, and whether the kernel grants them depends on the machine.
// The library leaves the choice of allocator to its users (the `mimalloc` feature is the
// binary's).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (libmimalloc-sys names only some options).
#[cfg(feature = "mimalloc")]
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Return freed pages to the system at once, not after a second: sema frees the tree while it
    // builds the model, and pages mimalloc keeps for the tree's sizes would count in the peak
    // (a fifth more at 4 MB of source). Not in the language server, which checks the plan again
    // at each keystroke and would fault the same pages back in each time.
    // SAFETY: sets a plain integer option, which mimalloc reads afresh on each use.
    #[cfg(feature = "mimalloc")]
    #[allow(unsafe_code)]
    if std::env::args_os().nth(1).is_none_or(|command| command != "lsp") {
        unsafe {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        }
    }
    let code = golivec::cli::main();
    // At exit mimalloc collects its heap; with the delay above at 0 it would hand each emptied
    // page back to the system one `madvise` at a time, which the exit does for all at once.
    // SAFETY: as above; a negative delay means never.
    #[cfg(feature = "mimalloc")]
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
    std::process::exit(code);
}

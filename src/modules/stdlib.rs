//! The standard library: `.golive` modules embedded in the compiler, so `use std.NAME` works
//! from any directory and offline. Each module's sources live in `stdlib/NAME.golive`; the
//! comment lines at the top of the file are its documentation.

/// One module of the standard library.
#[derive(Debug)]
pub struct StdModule {
    pub name: &'static str,
    pub source: &'static str,
}

impl StdModule {
    /// The module's documentation: the `#` lines at the top of its file, without the `#`.
    pub fn doc(&self) -> String {
        let lines: Vec<&str> = self
            .source
            .lines()
            .take_while(|line| line.starts_with('#'))
            .map(|line| line.strip_prefix("# ").unwrap_or(line.trim_start_matches('#')))
            .collect();
        lines.join("\n")
    }

    /// The first line of the documentation.
    pub fn summary(&self) -> String {
        self.doc().lines().next().unwrap_or_default().to_string()
    }
}

macro_rules! modules {
    ($($name:literal),* $(,)?) => {
        /// Every module, in alphabetical order.
        pub const MODULES: &[StdModule] = &[
            $(StdModule { name: $name, source: include_str!(concat!("../../stdlib/", $name, ".golive")) },)*
        ];
    };
}

modules!["blue_green", "canary", "database", "dns", "http", "kubernetes", "monitoring", "notify", "prometheus"];

/// The module `std.NAME`.
pub fn find(name: &str) -> Option<&'static StdModule> {
    MODULES.iter().find(|module| module.name == name)
}

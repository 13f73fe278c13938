//! Report formats: one writer per format behind one trait.
//!
//! Reports go to a `Write` (stdout or a file) and carry only findings; the
//! diagnostics and the one-line summary belong to stderr and are written by
//! the binary.

use std::io::{self, Write};

use crate::scan::ScanResult;

mod json;
mod text;

pub use json::Json;
pub use text::Text;

/// Writes a whole scan result in one format.
pub trait Report {
    fn write(&self, result: &ScanResult, out: &mut dyn Write) -> io::Result<()>;
}

/// Human-readable size: `17.4 KiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The one-line summary for stderr.
pub fn summary_line(result: &ScanResult) -> String {
    let s = &result.summary;
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    // Exact and near always; the rarer kinds when there are any.
    let mut kinds = vec![format!("{} exact", s.exact_findings), format!("{} near", s.near_findings)];
    for (n, name) in [(s.containment_findings, "containment"), (s.passage_findings, "passage")] {
        if n > 0 {
            kinds.push(format!("{n} {name}"));
        }
    }
    let breaks = if s.breaks > 0 { format!(", {}", plural(s.breaks, "break", "breaks")) } else { String::new() };
    // What a baseline or exclusion globs left out, when they did.
    let mut left_out = Vec::new();
    if s.accepted > 0 {
        left_out.push(format!("{} accepted by the baseline", plural(s.accepted, "finding", "findings")));
    }
    if s.excluded > 0 {
        left_out.push(format!("{} excluded", plural(s.excluded, "path", "paths")));
    }
    let left_out = if left_out.is_empty() { String::new() } else { format!("; {}", left_out.join(", ")) };
    format!(
        "{}, {}, {} scanned; {} ({}){breaks}, {:.1}% duplicated{left_out}; {:.2} s",
        plural(s.files, "file", "files"),
        plural(s.paragraphs, "paragraph", "paragraphs"),
        human_bytes(s.bytes),
        plural(s.findings, "finding", "findings"),
        kinds.join(", "),
        s.duplicated_percent(),
        s.elapsed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(17_795), "17.4 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }
}

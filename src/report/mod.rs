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
    format!(
        "{}, {}, {} scanned; {} ({} exact, {} near), {:.1}% duplicated; {:.2} s",
        plural(s.files, "file", "files"),
        plural(s.paragraphs, "paragraph", "paragraphs"),
        human_bytes(s.bytes),
        plural(s.findings, "finding", "findings"),
        s.exact_findings,
        s.near_findings,
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

//! Report formats: one writer per format behind one trait.
//!
//! Reports go to a `Write` (stdout or a file) and carry only findings; the
//! diagnostics and the one-line summary belong to stderr and are written by
//! the binary.

use std::io::{self, Write};

use crate::scan::{snippet, Break, Finding, Kind, Occurrence, ScanResult, Summary};

mod csv;
mod github;
mod html;
mod json;
mod line;
mod markdown;
mod sarif;
mod text;

pub use self::csv::{Csv, COLUMNS as CSV_COLUMNS};
pub use github::Github;
pub use html::Html;
pub use json::Json;
pub use line::Line;
pub use markdown::Markdown;
pub use sarif::Sarif;
pub use text::Text;

/// Writes a whole scan result in one format.
pub trait Report {
    fn write(&self, result: &ScanResult, out: &mut dyn Write) -> io::Result<()>;
}

/// The kind's name as every report spells it: `exact`, `near`,
/// `containment`, `passage`.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Exact => "exact",
        Kind::Near => "near",
        Kind::Containment => "containment",
        Kind::Passage => "passage",
    }
}

/// Every occurrence of every finding in report order, with its finding and
/// its 0-based copy number.
pub(crate) fn copies(result: &ScanResult) -> impl Iterator<Item = (&Finding, usize, &Occurrence)> {
    result.findings.iter().flat_map(|f| f.occurrences.iter().enumerate().map(move |(i, o)| (f, i, o)))
}

/// The occurrences of `finding` other than the `copy`-th (0-based).
pub(crate) fn other_copies(finding: &Finding, copy: usize) -> impl Iterator<Item = &Occurrence> {
    finding.occurrences.iter().enumerate().filter(move |&(i, _)| i != copy).map(|(_, o)| o)
}

/// What one copy of a finding says in the one-line formats: `exact finding
/// 1 (copy 1 of 2, similarity 1.000): other copies at path:83`, each path
/// passed through `path` (the escaping of the format).
pub(crate) fn copy_message(finding: &Finding, copy: usize, path: impl Fn(&str) -> String) -> String {
    let others: Vec<String> = other_copies(finding, copy)
        .map(|o| format!("{}:{}{}", path(&o.path), o.line_start, record_suffix(o, " (", ")")))
        .collect();
    format!(
        "{} finding {} (copy {} of {}, similarity {:.3}{}): other copies at {}",
        kind_name(finding.kind),
        finding.id,
        copy + 1,
        finding.occurrences.len(),
        finding.similarity,
        record_suffix(&finding.occurrences[copy], ", ", ""),
        others.join(", ")
    )
}

/// `row 3, record a1` between `before` and `after` for an occurrence in a
/// JSON Lines or Parquet record; empty for any other.
pub(crate) fn record_suffix(o: &Occurrence, before: &str, after: &str) -> String {
    match o.inside.as_ref().and_then(|i| i.label()) {
        Some(label) => format!("{before}{label}{after}"),
        None => String::new(),
    }
}

/// Control characters (a newline in a file name) as Rust escapes, so a
/// one-line format stays one line per record.
pub(crate) fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_control) {
        s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// What a layout break reports, on one line: `paragraph continues after a
/// blank line: …重点任 ⏎ 务,比如化解…`.
pub(crate) fn break_message(b: &Break) -> String {
    let one_line = |s: &str| snippet(s.as_bytes(), usize::MAX);
    format!("paragraph continues after a blank line: …{} ⏎ {}…", one_line(&b.before), one_line(&b.after))
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

/// `1 file`, `2 files`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What was scanned and found, without the time: `1 file, 59 paragraphs,
/// 17.4 KiB scanned; 1 finding (1 exact, 0 near), 5.6% duplicated`.
pub(crate) fn counts(s: &Summary) -> String {
    // Exact and near always; the rarer kinds when there are any.
    let mut kinds = vec![format!("{} exact", s.exact_findings), format!("{} near", s.near_findings)];
    for (n, name) in [(s.containment_findings, "containment"), (s.passage_findings, "passage")] {
        if n > 0 {
            kinds.push(format!("{n} {name}"));
        }
    }
    let breaks = if s.breaks > 0 { format!(", {}", plural(s.breaks, "break", "breaks")) } else { String::new() };
    let bad = if s.bad_records > 0 {
        format!(" ({} skipped)", plural(s.bad_records, "bad record", "bad records"))
    } else {
        String::new()
    };
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
        "{}, {}, {} scanned{bad}; {} ({}){breaks}, {:.1}% duplicated{left_out}",
        plural(s.files, "file", "files"),
        plural(s.paragraphs, "paragraph", "paragraphs"),
        human_bytes(s.bytes),
        plural(s.findings, "finding", "findings"),
        kinds.join(", "),
        s.duplicated_percent(),
    )
}

/// The one-line summary for stderr.
pub fn summary_line(result: &ScanResult) -> String {
    format!("{}; {:.2} s", counts(&result.summary), result.summary.elapsed)
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

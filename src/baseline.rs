//! Accepted findings: a baseline lets CI fail only on new duplicates.
//!
//! A collection that already has known repeats (a reprinted notice, a
//! standing box) cannot make every run fail. A baseline file lists the
//! findings someone accepted, by their content-based
//! [`fingerprint`](crate::scan::Finding::fingerprint): moving an accepted
//! passage keeps its fingerprint, while a new copy of it (or a copy changed
//! or in another file) has another one and so is new. Findings in the
//! baseline are left out of the report and the gates, and counted; entries
//! that no longer occur are counted too, so a stale baseline shows.
//!
//! The file is pretty-printed JSON, one entry per finding with its kind,
//! paths and a snippet beside the fingerprint, so that a reviewer can read a
//! baseline change in a diff:
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     {
//!       "fingerprint": "a6848bf53250d039",
//!       "kind": "exact",
//!       "paths": ["corpus/newspaper-page.txt"],
//!       "snippet": "考生须凭本人准考证、有效身份证件…"
//!     }
//!   ]
//! }
//! ```

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::scan::{Kind, ScanResult};
use crate::source::io_message;

/// The baseline format this version reads and writes.
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One accepted finding. Only `fingerprint` is matched; the rest is for
/// people reading the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub snippet: String,
}

/// What applying a baseline did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings left out because the baseline accepts them.
    pub accepted: usize,
    /// Baseline entries that match no finding of this scan.
    pub gone: usize,
}

impl Baseline {
    /// Every finding of `result`, accepted.
    pub fn of(result: &ScanResult) -> Self {
        let findings = result
            .findings
            .iter()
            .map(|f| {
                let mut paths: Vec<String> = Vec::new();
                for o in &f.occurrences {
                    if !paths.contains(&o.path) {
                        paths.push(o.path.clone());
                    }
                }
                let snippet = f.occurrences.first().map(|o| o.snippet.clone()).unwrap_or_default();
                Entry { fingerprint: f.fingerprint.clone(), kind: Some(f.kind), paths, snippet }
            })
            .collect();
        Self { version: VERSION, findings }
    }

    /// Reads a baseline file; the error names the file (and the line and
    /// column of bad JSON).
    pub fn read(path: &Path) -> Result<Self, String> {
        let name = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: baseline: {}", io_message(&e)))?;
        Self::parse(&text).map_err(|e| format!("{name}:{e}"))
    }

    /// Parses a baseline; the error starts with `LINE:COLUMN: ` for bad JSON
    /// and with a space otherwise, to follow the file name.
    pub fn parse(text: &str) -> Result<Self, String> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(i) => &message[..i],
                None => &message,
            };
            format!("{}:{}: not a doublet baseline: {message}", e.line(), e.column())
        })?;
        if b.version != VERSION {
            return Err(format!(
                " baseline version {} is not supported (this doublet reads version {VERSION})",
                b.version
            ));
        }
        if let Some((i, e)) = b.findings.iter().enumerate().find(|(_, e)| !is_fingerprint(&e.fingerprint)) {
            return Err(format!(" baseline finding {}: fingerprint {:?} is not 16 hex digits", i + 1, e.fingerprint));
        }
        Ok(b)
    }

    /// The file's text: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Leaves the accepted findings out of `result` (which counts them in
    /// its summary) and says how many entries no longer occur.
    pub fn apply(&self, result: &mut ScanResult) -> Applied {
        let accepted: HashSet<&str> = self.findings.iter().map(|e| e.fingerprint.as_str()).collect();
        let present: HashSet<&str> = result.findings.iter().map(|f| f.fingerprint.as_str()).collect();
        let gone = accepted.iter().filter(|fp| !present.contains(*fp)).count();
        let left_out = result.retain_findings(|f| !accepted.contains(f.fingerprint.as_str()));
        result.summary.accepted += left_out;
        Applied { accepted: left_out, gone }
    }
}

fn is_fingerprint(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{scan_texts, Params};

    const NOTICE: &str = "Candidates must bring their admission ticket and identity card to every exam.";
    const RULES: &str = "Candidates must sit the exam honestly and follow every rule of the exam hall.";
    const OTHER: &str = "An unrelated story about the harbour, long enough to be matched on its own.";

    fn scan(text: &str) -> ScanResult {
        scan_texts(&[("page.txt", text)], &Params::default())
    }

    #[test]
    fn round_trip_through_the_file_text() {
        let r = scan(&format!("{NOTICE}\n\n{OTHER}\n\n{NOTICE}"));
        let b = Baseline::of(&r);
        assert_eq!(b.findings.len(), 1);
        assert_eq!(b.findings[0].paths, vec!["page.txt"]);
        assert_eq!(b.findings[0].kind, Some(Kind::Exact));
        assert!(b.findings[0].snippet.starts_with("Candidates must"), "{:?}", b.findings[0]);
        assert_eq!(Baseline::parse(&b.to_json()).unwrap(), b);
    }

    #[test]
    fn accepted_findings_are_left_out_and_new_ones_stay() {
        let before = scan(&format!("{NOTICE}\n\n{OTHER}\n\n{NOTICE}"));
        let baseline = Baseline::of(&before);
        // The accepted pair moved down, and a new pair appeared above it.
        let mut after = scan(&format!("{RULES}\n\n{NOTICE}\n\n{RULES}\n\n{OTHER}\n\n{NOTICE}"));
        assert_eq!(after.findings.len(), 2, "{:?}", after.findings);
        let applied = baseline.apply(&mut after);
        assert_eq!(applied, Applied { accepted: 1, gone: 0 });
        assert_eq!(after.findings.len(), 1);
        assert!(after.findings[0].occurrences[0].snippet.starts_with("Candidates must sit"));
        assert_eq!(after.findings[0].id, 1);
        assert_eq!((after.summary.findings, after.summary.accepted), (1, 1));
    }

    #[test]
    fn a_third_copy_is_new() {
        let baseline = Baseline::of(&scan(&format!("{NOTICE}\n\n{OTHER}\n\n{NOTICE}")));
        let mut after = scan(&format!("{NOTICE}\n\n{OTHER}\n\n{NOTICE}\n\n{NOTICE}"));
        assert_eq!(baseline.apply(&mut after), Applied { accepted: 0, gone: 1 });
        assert_eq!(after.findings.len(), 1);
    }

    #[test]
    fn bad_files_say_where() {
        let cases = [
            ("{\n  \"version\": 1,\n  \"findings\": [\n    {\"fingerprint\": 5}\n  ]\n}", "4:"),
            ("{\"version\": 1, \"findings\": [}", "1:"),
            ("{\"version\": 2, \"findings\": []}", " baseline version 2 is not supported"),
            ("{\"version\": 1, \"findings\": [{\"fingerprint\": \"xyz\"}]}", " baseline finding 1: fingerprint"),
            ("", "1:0: not a doublet baseline"),
        ];
        for (text, want) in cases {
            let err = Baseline::parse(text).unwrap_err();
            assert!(err.starts_with(want), "{text:?}: {err}");
        }
    }
}

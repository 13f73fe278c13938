//! The default report: one block per finding, every occurrence as a
//! clickable `path:line:col-line:col` with a snippet.
//!
//! ```text
//! [1] exact, 2 paragraphs, 2 copies, similarity 1.000
//!   corpus/newspaper-page.txt:79:1-81:142  考生须凭本人准考证、有效身份证件…
//!   corpus/newspaper-page.txt:83:1-85:142  考生须凭本人准考证、有效身份证件…
//! ```

use std::io::{self, Write};

use super::{kind_name, Report};
use crate::scan::ScanResult;

/// Text report; `color` adds ANSI colours (the caller decides when).
pub struct Text {
    pub color: bool,
}

const BOLD: &str = "\x1b[1m";
const MAGENTA: &str = "\x1b[35m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

impl Report for Text {
    fn write(&self, result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
        let paint = |code: &'static str| if self.color { code } else { "" };
        for (i, f) in result.findings.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            let kind = kind_name(f.kind);
            writeln!(
                out,
                "{}[{}] {}{kind}{}{}, {} {}, {} copies, similarity {:.3}{}",
                paint(BOLD),
                f.id,
                paint(YELLOW),
                paint(RESET),
                paint(BOLD),
                f.paragraphs,
                if f.paragraphs == 1 { "paragraph" } else { "paragraphs" },
                f.occurrences.len(),
                f.similarity,
                paint(RESET),
            )?;
            for o in &f.occurrences {
                let page = match (o.page, o.bbox) {
                    (Some(p), Some([x, y, w, h])) => format!(" (page {p}, box {x},{y} {w}×{h})"),
                    _ => String::new(),
                } + &super::record_suffix(o, " (", ")");
                writeln!(
                    out,
                    "  {}{}{}:{}{}:{}-{}:{}{}{page}  {}",
                    paint(MAGENTA),
                    o.path,
                    paint(RESET),
                    paint(GREEN),
                    o.line_start,
                    o.col_start,
                    o.line_end,
                    o.col_end,
                    paint(RESET),
                    o.snippet
                )?;
            }
        }
        if !result.findings.is_empty() && !result.breaks.is_empty() {
            writeln!(out)?;
        }
        for b in &result.breaks {
            writeln!(
                out,
                "{}{}{}:{}{}{}: paragraph continues after a blank line: …{} ⏎ {}…",
                paint(MAGENTA),
                b.path,
                paint(RESET),
                paint(GREEN),
                b.line,
                paint(RESET),
                b.before,
                b.after
            )?;
        }
        Ok(())
    }
}

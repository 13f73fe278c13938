//! Compiler-style lines, one per occurrence, for editors that jump to
//! `path:line:col:` (Vim's quickfix list, Emacs compilation-mode, VS Code
//! problem matchers) and for `grep`.
//!
//! ```text
//! corpus/newspaper-page.txt:79:1: exact finding 1 (copy 1 of 2, similarity 1.000): other copies at corpus/newspaper-page.txt:83
//! ```
//!
//! Paths are written as given; a control character in one (a newline in a
//! file name) is written as its Rust escape (`\n`), so every record stays on
//! its line.

use std::io::{self, Write};

use super::{break_message, copies, copy_message, escape_controls, Report};
use crate::scan::ScanResult;

pub struct Line;

impl Report for Line {
    fn write(&self, result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
        for (f, i, o) in copies(result) {
            let message = copy_message(f, i, |p| escape_controls(p).into_owned());
            writeln!(out, "{}:{}:{}: {message}", escape_controls(&o.path), o.line_start, o.col_start)?;
        }
        for b in &result.breaks {
            writeln!(out, "{}:{}:1: break: {}", escape_controls(&b.path), b.line, break_message(b))?;
        }
        Ok(())
    }
}

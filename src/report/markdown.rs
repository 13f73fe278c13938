//! Markdown for pull-request and issue comments: a heading with the
//! summary, a table of the findings, then every finding's copies as
//! `path:line` items with their snippets.
//!
//! Paths and snippets are code spans, so nothing in them is read as
//! Markdown (emphasis, links, HTML, math) or as a mention or issue
//! reference; a backtick in them gets a longer fence, a `|` in a table cell
//! is escaped as GitHub Flavored Markdown requires, and a control character
//! (a newline in a file name) is written as its Rust escape.

use std::io::{self, Write};

use super::{break_message, counts, escape_controls, kind_name, plural, Report};
use crate::scan::ScanResult;
use crate::source::Severity;

pub struct Markdown;

impl Report for Markdown {
    fn write(&self, result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
        let s = &result.summary;
        let mut found = Vec::new();
        if s.findings > 0 {
            found.push(plural(s.findings, "finding", "findings"));
        }
        if s.breaks > 0 {
            found.push(plural(s.breaks, "layout break", "layout breaks"));
        }
        let found = if found.is_empty() { "no duplicates".to_string() } else { found.join(", ") };
        writeln!(out, "## doublet: {found}\n\n{}.", counts(s))?;
        let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        if !errors.is_empty() {
            writeln!(out, "\n{} not scanned:\n", plural(errors.len(), "path was", "paths were"))?;
            for d in errors {
                writeln!(out, "- {}: {}", code(&d.path), code(&d.message))?;
            }
        }
        if !result.findings.is_empty() {
            writeln!(out, "\n| # | kind | copies | similarity | first location |\n|---:|---|---:|---:|---|")?;
            for f in &result.findings {
                let first = &f.occurrences[0];
                writeln!(
                    out,
                    "| {} | {} | {} | {:.3} | {} |",
                    f.id,
                    kind_name(f.kind),
                    f.occurrences.len(),
                    f.similarity,
                    code(&format!("{}:{}", first.path, first.line_start)).replace('|', "\\|")
                )?;
            }
        }
        for f in &result.findings {
            writeln!(
                out,
                "\n### {}. {}, {}, {} copies\n",
                f.id,
                kind_name(f.kind),
                plural(f.paragraphs, "paragraph", "paragraphs"),
                f.occurrences.len()
            )?;
            for o in &f.occurrences {
                let part = if o.partial { ", part of a paragraph" } else { "" };
                let lines = if o.line_start == o.line_end {
                    format!("line {}", o.line_start)
                } else {
                    format!("lines {}–{}", o.line_start, o.line_end)
                };
                let record = super::record_suffix(o, ", ", "");
                writeln!(out, "- {} ({lines}{part}{record})", code(&format!("{}:{}", o.path, o.line_start)))?;
                if !o.snippet.is_empty() {
                    writeln!(out, "  > {}", code(&o.snippet))?;
                }
            }
        }
        if !result.breaks.is_empty() {
            writeln!(out, "\n### Layout breaks\n")?;
            for b in &result.breaks {
                writeln!(out, "- {}: {}", code(&format!("{}:{}", b.path, b.line)), code(&break_message(b)))?;
            }
        }
        Ok(())
    }
}

/// `s` as a code span: fenced by one backtick more than its longest run of
/// backticks, padded with a space where it begins or ends with a backtick
/// or a space (which a code span would otherwise swallow).
pub fn code(s: &str) -> String {
    let s = escape_controls(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']) { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans() {
        let cases = [
            ("a.txt", "`a.txt`"),
            ("*not* [a](link) | <b>", "`*not* [a](link) | <b>`"),
            ("one ` tick", "``one ` tick``"),
            ("`edge``", "``` `edge`` ```"),
            // CommonMark strips one space from each side.
            (" space", "`  space `"),
            ("new\nline", "`new\\nline`"),
            ("", "``"),
        ];
        for (raw, want) in cases {
            assert_eq!(code(raw), want, "{raw:?}");
        }
    }
}

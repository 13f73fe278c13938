//! CSV, one row per occurrence, for spreadsheets and data frames: every
//! field of the JSON report flattened, the finding's fields repeated on each
//! of its rows, so a sheet can be sorted and filtered without joins.
//!
//! RFC 4180: a header row, CRLF line ends, a field quoted when it holds a
//! comma, a quote, CR or LF (quotes doubled). Layout breaks (with
//! `--check breaks`) are rows of kind `break` with the blank line's offset
//! and line and the message as the snippet.

use std::io::{self, Write};

use super::{break_message, copies, kind_name, Report};
use crate::scan::ScanResult;

pub struct Csv;

/// The header row.
pub const COLUMNS: [&str; 22] = [
    "finding",
    "kind",
    "similarity",
    "paragraphs",
    "fingerprint",
    "copy",
    "path",
    "byte_start",
    "byte_end",
    "line_start",
    "col_start",
    "line_end",
    "col_end",
    "para_start",
    "para_end",
    "partial",
    "snippet",
    "compression",
    "row",
    "record",
    "field_start",
    "field_end",
];

impl Report for Csv {
    fn write(&self, result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
        let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(out);
        w.write_record(COLUMNS)?;
        for (f, i, o) in copies(result) {
            let inside = o.inside.as_deref().cloned().unwrap_or_default();
            let number = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
            w.write_record([
                f.id.to_string().as_str(),
                kind_name(f.kind),
                &f.similarity.to_string(),
                &f.paragraphs.to_string(),
                &f.fingerprint,
                &(i + 1).to_string(),
                &o.path,
                &o.byte_start.to_string(),
                &o.byte_end.to_string(),
                &o.line_start.to_string(),
                &o.col_start.to_string(),
                &o.line_end.to_string(),
                &o.col_end.to_string(),
                &o.para_start.to_string(),
                &o.para_end.to_string(),
                if o.partial { "true" } else { "false" },
                &o.snippet,
                inside.compression.unwrap_or(""),
                &inside.row.map(|n| n.to_string()).unwrap_or_default(),
                inside.record.as_deref().unwrap_or(""),
                &number(inside.field_start),
                &number(inside.field_end),
            ])?;
        }
        for b in &result.breaks {
            let (offset, line) = (b.byte_offset.to_string(), b.line.to_string());
            let message = break_message(b);
            let mut row = [""; COLUMNS.len()];
            (row[1], row[6], row[7], row[9], row[16]) = ("break", &b.path, &offset, &line, &message);
            w.write_record(row)?;
        }
        w.flush()
    }
}

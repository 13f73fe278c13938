//! Archive inputs: compressed files, JSON Lines and Parquet.
//!
//! Archives of digitized text rarely arrive as loose `.txt` files: they come
//! gzip- or zstd-compressed, as one JSON object per line (`.jsonl`), or as a
//! Parquet table with a text column. Decompressing or exporting them first
//! would lose where a copy is; this module reads them as they are and keeps,
//! for every paragraph, the way back to its place: the record it belongs to
//! (line or row, id), its byte range inside the record's decoded text, and
//! for JSON Lines the raw bytes of the file that encode it.
//!
//! A record is a document: its text is cut into paragraphs like plain text,
//! and a repeated block never runs from one record into the next (the first
//! paragraph of every record is fenced, as in [`crate::layout`]).

pub mod compressed;
pub mod jsonl;
pub mod parquet;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::boilerplate::Patterns;
use crate::layout;
use crate::segment::{Mode, Span};
use crate::source::Diagnostic;

pub use compressed::Compression;

/// The field (JSON Lines) or column (Parquet) read when none is named.
pub const DEFAULT_TEXT_FIELD: &str = "text";

/// Bad records listed per file; the rest are counted.
pub const LISTED_BAD_RECORDS: usize = 20;

/// How records are read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Options {
    /// The field or column holding the text; `None` is [`DEFAULT_TEXT_FIELD`].
    pub text_field: Option<String>,
    /// The field or column naming each record; required in every record when given.
    pub id_field: Option<String>,
    /// `.json` files named explicitly: read as JSON Lines when `text_field`
    /// is given (a `.json` file met in a walk stays plain text).
    #[serde(skip)]
    pub json_files: Vec<PathBuf>,
}

impl Options {
    /// The text field in force.
    pub fn text_field(&self) -> &str {
        self.text_field.as_deref().unwrap_or(DEFAULT_TEXT_FIELD)
    }
}

/// How a file's records are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A Parquet table.
    Parquet,
}

/// The record format of a file, from its name without the compression
/// suffix: `.jsonl` and `.ndjson` (and `.json` named explicitly with a text
/// field given) are JSON Lines, `.parquet` is Parquet; `None` otherwise.
pub fn format_of(path: &Path, options: &Options) -> Option<Format> {
    let inner = compressed::inner_path(path);
    let ext = inner.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("jsonl" | "ndjson") => Some(Format::Jsonl),
        Some("parquet") => Some(Format::Parquet),
        Some("json") if options.text_field.is_some() && options.json_files.iter().any(|p| p == path) => {
            Some(Format::Jsonl)
        }
        _ => None,
    }
}

/// One record: its text (the decoded field value) and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// 1-based line of the record in the (decompressed) file for JSON Lines,
    /// 1-based row for Parquet.
    pub row: u64,
    /// The value of the id field: a string as decoded, a number as written.
    pub id: Option<String>,
    /// The decoded value of the text field.
    pub text: String,
    /// `text` with ignore-pattern matches blanked, when there are any: what
    /// matching reads.
    pub view: Option<Vec<u8>>,
    /// JSON Lines: from decoded bytes of `text` back to raw bytes of the file.
    pub map: Option<jsonl::OffsetMap>,
}

impl Record {
    /// The text as matching reads it.
    pub fn matched(&self) -> &[u8] {
        self.view.as_deref().unwrap_or(self.text.as_bytes())
    }
}

/// The records of one file, cut into paragraphs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    /// Offsets point into the file (JSON Lines), not only into each
    /// record's text (Parquet).
    pub in_file: bool,
    pub records: Vec<Record>,
    /// Every paragraph: its record and its byte range in the record's text.
    pub paragraphs: Vec<(u32, Span)>,
    /// `fenced[i]`: paragraph `i` starts a record (after the first) or
    /// follows text left out of matching inside its record.
    pub fenced: Vec<bool>,
    /// Records skipped: invalid JSON, no text, text or id of the wrong type.
    pub bad: usize,
    /// The bad records, each named by file and line (or row), at most
    /// [`LISTED_BAD_RECORDS`], then one line counting the others; and notes
    /// about ignore markers.
    pub diagnostics: Vec<Diagnostic>,
}

impl Records {
    /// The text of paragraph `i` as matching reads it.
    pub fn paragraph(&self, i: usize) -> &[u8] {
        let (r, s) = self.paragraphs[i];
        &self.records[r as usize].matched()[s.start..s.end]
    }

    /// Adds a record: cuts its text into paragraphs (blank lines, or every
    /// line with `--lines`; ignore markers and patterns as in plain text) and
    /// fences the first one.
    pub fn push(&mut self, mut record: Record, mode: Mode, patterns: &Patterns) {
        let l = layout::lay_out_text(record.text.as_bytes(), false, mode, patterns);
        let r = self.records.len() as u32;
        for n in l.notes {
            self.diagnostics.push(Diagnostic::note(
                String::new(),
                format!("record {}, line {} of its text: {}", record.row, n.line, n.message),
            ));
        }
        let first = self.paragraphs.len();
        self.paragraphs.extend(l.spans.iter().map(|&s| (r, s)));
        self.fenced.extend(l.fenced);
        if first > 0 && first < self.paragraphs.len() {
            self.fenced[first] = true;
        }
        record.view = l.view;
        self.records.push(record);
    }

    /// Counts a bad record and lists it while fewer than
    /// [`LISTED_BAD_RECORDS`] are.
    pub fn reject(&mut self, place: String, message: String) {
        self.bad += 1;
        if self.bad <= LISTED_BAD_RECORDS {
            self.diagnostics.push(Diagnostic::error(place, message));
        }
    }

    /// Names the file in the diagnostics that need it and counts the bad
    /// records not listed.
    pub fn finish(&mut self, name: &str) {
        for d in &mut self.diagnostics {
            if d.path.is_empty() {
                d.path = name.to_string();
            }
        }
        if self.bad > LISTED_BAD_RECORDS {
            let more = self.bad - LISTED_BAD_RECORDS;
            self.diagnostics.push(Diagnostic::error(
                name,
                format!("{more} more bad {} skipped, not listed", if more == 1 { "record" } else { "records" }),
            ));
        }
    }
}

/// Reads the records of `data` in `format`; `Err` when the file as a whole
/// cannot be read (a Parquet file that is damaged or has no such column).
pub fn read(
    format: Format,
    name: &str,
    data: &[u8],
    options: &Options,
    mode: Mode,
    patterns: &Patterns,
) -> Result<Records, String> {
    let mut records = match format {
        Format::Jsonl => jsonl::records(name, data, options, mode, patterns),
        Format::Parquet => parquet::records(data, options, mode, patterns)?,
    };
    records.finish(name);
    Ok(records)
}

/// Where inside an archive input an occurrence lies, for the reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Inside {
    /// `gzip` or `zstd`: the byte range, lines and columns are those of the
    /// decompressed text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<&'static str>,
    /// 1-based line (JSON Lines) or row (Parquet) of the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The record's id (`--id-field`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Byte range `[field_start, field_end)` of the occurrence in the
    /// record's decoded text (UTF-8, escapes resolved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_end: Option<usize>,
    /// The same range in characters (Unicode scalar values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_char_start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_char_end: Option<usize>,
    /// The decoded text of the occurrence (reports that show it).
    #[serde(skip)]
    pub text: Option<String>,
}

impl Inside {
    /// `row 3, record a1` (what a human needs to find a record), or `None`
    /// outside records.
    pub fn label(&self) -> Option<String> {
        let row = self.row?;
        Some(match &self.record {
            Some(id) => format!("row {row}, record {id}"),
            None => format!("row {row}"),
        })
    }
}

//! The HTML report: one self-contained page for an editor who is not a
//! programmer, showing every copy of a duplicated passage side by side with
//! its full text and, for near copies, the characters that differ.
//!
//! The text and JSON reports say where copies are; an editor deciding which
//! copy to keep needs to read them. So the page shows each occurrence's text
//! as the file has it in its byte range, read again from the file when the
//! report is written (the bytes kept by the scan for standard input and
//! FIFOs), the recognised text for OCR files, and marks the differences of a
//! near copy character by character (Myers, from `similar`), which also
//! works for Chinese and Japanese text that has no spaces between words.
//!
//! Everything the page needs is inside it (style and script inline, system
//! fonts, no images), so it can be mailed or archived and opens without a
//! network. Every piece of text from the input is escaped. The markup is
//! also well-formed XML (void elements closed, attributes quoted, the script
//! in a CDATA section), which keeps it easy to check.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use similar::{Algorithm, DiffOp, TextDiff};

use super::{human_bytes, Report};
use crate::ocr;
use crate::scan::{FileInfo, Finding, Kind, Occurrence, ScanResult};
use crate::source::{self, Origin, Severity, Source};

const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/script.js");

/// Characters of one occurrence shown; the rest is counted in a note.
pub const MAX_CHARS: usize = 4000;

/// Copies of one finding shown with their text; further copies are listed by
/// location only.
pub const MAX_COPIES: usize = 12;

/// HTML report (`--format html`).
pub struct Html;

impl Report for Html {
    fn write(&self, result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
        let texts = occurrence_texts(result);
        let mut page = String::with_capacity(64 * 1024);
        head(&mut page, result);
        summary(&mut page, result);
        out.write_all(page.as_bytes())?;
        page.clear();
        findings_start(&mut page, result);
        out.write_all(page.as_bytes())?;
        for (i, f) in result.findings.iter().enumerate() {
            page.clear();
            finding(&mut page, result, f, i, &texts[i]);
            out.write_all(page.as_bytes())?;
        }
        page.clear();
        tail(&mut page, result);
        out.write_all(page.as_bytes())
    }
}

/// The text of one occurrence as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Shown {
    /// The text (cut at [`MAX_CHARS`]) and how many characters were cut.
    Text { text: String, more: usize },
    /// Why there is no text to show.
    Missing(String),
}

/// The shown texts of every finding's first [`MAX_COPIES`] occurrences,
/// reading each file with occurrences once.
fn occurrence_texts(result: &ScanResult) -> Vec<Vec<Shown>> {
    let mut texts: Vec<Vec<Shown>> = result
        .findings
        .iter()
        .map(|f| vec![Shown::Missing(String::new()); f.occurrences.len().min(MAX_COPIES)])
        .collect();
    let mut by_file: Vec<Vec<(usize, usize)>> = vec![Vec::new(); result.files.len()];
    for (fi, f) in result.findings.iter().enumerate() {
        for (oi, o) in f.occurrences.iter().take(MAX_COPIES).enumerate() {
            if let Some(list) = by_file.get_mut(o.file) {
                list.push((fi, oi));
            } else {
                texts[fi][oi] = Shown::Missing(format!("{}: not among the scanned files", o.path));
            }
        }
    }
    for (file, wanted) in by_file.iter().enumerate() {
        if wanted.is_empty() {
            continue;
        }
        let info = &result.files[file];
        // A record's text is kept decoded; a file is read again only for
        // the other occurrences.
        let loaded = std::cell::OnceCell::new();
        for &(fi, oi) in wanted {
            let o = &result.findings[fi].occurrences[oi];
            if let Some(text) = o.inside.as_ref().and_then(|i| i.text.as_deref()) {
                let (text, more) = cut(&readable(text), MAX_CHARS);
                texts[fi][oi] = Shown::Text { text, more };
                continue;
            }
            texts[fi][oi] = match loaded.get_or_init(|| load(info)) {
                Ok(file) => file.shown(o),
                Err(why) => Shown::Missing(why.clone()),
            };
        }
    }
    texts
}

/// A file's bytes read again, and its OCR blocks when it is an OCR file.
struct Loaded {
    data: Arc<Vec<u8>>,
    blocks: Option<Vec<ocr::Block>>,
}

/// Reads a scanned file again (or takes the bytes the scan kept) and checks
/// that it still has the length it had.
fn load(info: &FileInfo) -> Result<Loaded, String> {
    let data = match &info.data {
        Some(kept) => kept.clone(),
        None => {
            let src = Source {
                name: info.path.clone(),
                origin: Origin::File { path: PathBuf::from(&info.path), fifo: false },
            };
            Arc::new(source::read(&src).map_err(|e| format!("{}: {}", info.path, source::io_message(&e)))?)
        }
    };
    if data.len() as u64 != info.bytes {
        return Err(format!("{}: the file changed after the scan; its text is not shown", info.path));
    }
    let name = info.data.is_none().then(|| crate::input::compressed::inner_path(Path::new(&info.path)));
    let blocks = match ocr::detect(name.as_deref(), &data) {
        Some(format) => Some(ocr::parse(format, &data).map_err(|e| format!("{}: {e}", info.path))?),
        None => None,
    };
    Ok(Loaded { data, blocks })
}

impl Loaded {
    /// The text of `o`: the bytes of its range, or for an OCR file the
    /// recognised text of the blocks in its range, one paragraph each.
    fn shown(&self, o: &Occurrence) -> Shown {
        let raw: Cow<str> = match &self.blocks {
            Some(blocks) => Cow::Owned(
                blocks
                    .iter()
                    .filter(|b| b.start < o.byte_end && o.byte_start < b.end)
                    .map(|b| b.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n\n"),
            ),
            None => match self.data.get(o.byte_start..o.byte_end) {
                Some(bytes) => String::from_utf8_lossy(bytes),
                None => return Shown::Missing(format!("{}: byte range outside the file", o.path)),
            },
        };
        let (text, more) = cut(&readable(&raw), MAX_CHARS);
        Shown::Text { text, more }
    }
}

/// `text` with line ends as `\n` and other control characters (which HTML
/// does not allow) as their visible Control Pictures.
fn readable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}')),
            '\u{7f}' => out.push('\u{2421}'),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The first `max` characters of `text` and how many were left out.
fn cut(text: &str, max: usize) -> (String, usize) {
    match text.char_indices().nth(max) {
        Some((at, _)) => (text[..at].to_string(), text[at..].chars().count()),
        None => (text.to_string(), 0),
    }
}

/// `s` with the five characters that mean something in HTML escaped.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A relative URL of `path` at `line`: every byte but unreserved ones and
/// `/` percent-encoded, so no path can become a `javascript:` link or break
/// out of the attribute.
fn href(path: &str, line: usize) -> String {
    let mut url = String::with_capacity(path.len() + 8);
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            url.push(b as char);
        } else {
            let _ = write!(url, "%{b:02X}");
        }
    }
    let _ = write!(url, "#L{line}");
    url
}

/// The language of a text for its `lang` attribute, when its script tells:
/// kana is Japanese, hangul Korean, other Han ideographs Chinese.
fn language(text: &str) -> Option<&'static str> {
    let mut han = false;
    for c in text.chars().take(MAX_CHARS) {
        match c {
            '\u{3040}'..='\u{30ff}' => return Some("ja"),
            '\u{1100}'..='\u{11ff}' | '\u{ac00}'..='\u{d7af}' => return Some("ko"),
            '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' => han = true,
            _ => {}
        }
    }
    han.then_some("zh")
}

/// The characters where `old` and `new` differ, marked: `old` with what
/// `new` lacks in `<del>`, `new` with what `old` lacks in `<ins>`, both
/// escaped, and the number of differing characters on each side.
fn marked(old: &str, new: &str) -> (String, String, usize, usize) {
    let diff = TextDiff::configure().algorithm(Algorithm::Myers).diff_chars(old, new);
    let a: Vec<char> = old.chars().collect();
    let b: Vec<char> = new.chars().collect();
    let (mut left, mut right) = (String::new(), String::new());
    let (mut removed, mut added) = (0, 0);
    let mark = |out: &mut String, tag: &str, chars: &[char]| {
        let s: String = chars.iter().collect();
        let _ = write!(out, "<{tag}>{}</{tag}>", escape(&s));
    };
    for op in diff.ops() {
        let (o, n) = (&a[op.old_range()], &b[op.new_range()]);
        if let DiffOp::Equal { .. } = op {
            let s: String = o.iter().collect();
            left.push_str(&escape(&s));
            right.push_str(&escape(&s));
            continue;
        }
        if !o.is_empty() {
            mark(&mut left, "del", o);
            removed += o.len();
        }
        if !n.is_empty() {
            mark(&mut right, "ins", n);
            added += n.len();
        }
    }
    (left, right, removed, added)
}

/// A float without trailing zeros, at most four decimals.
fn number(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// `n` with thousands separated by commas.
fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// A kind's name and what it means, for readers who do not know doublet.
fn kind(k: Kind) -> (&'static str, &'static str) {
    match k {
        Kind::Exact => ("exact", "The same text in every copy, apart from spacing, case and punctuation."),
        Kind::Near => ("near", "Similar text: the highlighted characters differ from the first copy."),
        Kind::Containment => (
            "containment",
            "The first copy is found whole inside longer paragraphs; the highlighted characters differ.",
        ),
        Kind::Passage => {
            ("passage", "A passage shared by paragraphs that otherwise differ; the highlighted characters differ.")
        }
    }
}

const KINDS: [Kind; 4] = [Kind::Exact, Kind::Near, Kind::Containment, Kind::Passage];

fn head(page: &mut String, result: &ScanResult) {
    let n = result.findings.len();
    let title = match n {
        0 => "doublet: no duplicates".to_string(),
        _ => format!("doublet: {}", plural(n, "duplicated passage", "duplicated passages")),
    };
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         <meta name=\"color-scheme\" content=\"light dark\" />\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         script-src 'unsafe-inline'\" />\n\
         <meta name=\"generator\" content=\"doublet {}\" />\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n\
         <body>\n<a class=\"skip\" href=\"#findings\">Skip to the findings</a>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&title),
    );
}

/// Labels of the `begin` record's parameters, for readers.
fn parameter_label(key: &str) -> &str {
    match key {
        "method" => "method",
        "threshold" => "similarity threshold",
        "ngram" => "shingle length (characters)",
        "shingle" => "shingles",
        "min_chars" => "shortest paragraph matched (characters)",
        "num_perm" => "MinHash slots",
        "bands" => "LSH bands",
        "rows" => "LSH rows per band",
        "simhash_distance" => "SimHash distance",
        "seed" => "hash seed",
        "segment" => "units",
        "binary" => "binary files scanned",
        "ocr_floor" => "lowest similarity for OCR-like copies",
        "check_breaks" => "layout breaks checked",
        "text_field" => "text field of records (JSON Lines, Parquet)",
        "id_field" => "id field of records",
        "normalization" => "normalization",
        other => other,
    }
}

fn summary(page: &mut String, result: &ScanResult) {
    let s = &result.summary;
    let _ = write!(
        page,
        "<header class=\"top\">\n<h1>Duplicated passages</h1>\n<p class=\"sub\">Report by doublet {}: every passage \
         found more than once, with the place and the text of each copy.</p>\n</header>\n<main>\n\
         <section id=\"summary\" aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">Summary</h2>\n<dl class=\"stats\">\n",
        env!("CARGO_PKG_VERSION")
    );
    let by_kind: Vec<String> = KINDS
        .iter()
        .zip([s.exact_findings, s.near_findings, s.containment_findings, s.passage_findings])
        .filter(|&(k, n)| n > 0 || matches!(k, Kind::Exact | Kind::Near))
        .map(|(&k, n)| format!("{} {}", count(n), kind(k).0))
        .collect();
    let mut stats = vec![
        ("Files", count(s.files)),
        ("Paragraphs", count(s.paragraphs)),
        ("Bytes", format!("{} ({})", human_bytes(s.bytes), count(s.bytes as usize))),
        ("Findings", count(s.findings)),
        ("By kind", by_kind.join(", ")),
        ("Duplicated share", format!("{:.1}%", s.duplicated_percent())),
    ];
    if result.params.check_breaks {
        stats.push(("Layout breaks", count(s.breaks)));
    }
    if s.errors > 0 || s.skipped > 0 {
        stats.push(("Errors, skipped", format!("{}, {}", count(s.errors), count(s.skipped))));
    }
    if s.bad_records > 0 {
        stats.push(("Bad records skipped", count(s.bad_records)));
    }
    for (label, value) in stats {
        let _ = writeln!(page, "<div><dt>{label}</dt><dd>{}</dd></div>", escape(&value));
    }
    page.push_str("</dl>\n<ul class=\"params\" aria-label=\"Parameters\">\n<li><strong>Parameters</strong></li>\n");
    let begin = super::json::begin(result);
    if let Some(params) = begin["params"].as_object() {
        for (key, value) in params {
            let shown = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), number),
                serde_json::Value::Bool(b) => (if *b { "yes" } else { "no" }).to_string(),
                other => other.to_string(),
            };
            let _ = writeln!(
                page,
                "<li><span>{}</span> <code>{}</code></li>",
                escape(parameter_label(key)),
                escape(&shown)
            );
        }
    }
    page.push_str("</ul>\n");
    if !result.diagnostics.is_empty() {
        let _ = write!(
            page,
            "<details class=\"problems\"{}>\n<summary>{}</summary>\n<ul>\n",
            if result.has_errors() { " open=\"open\"" } else { "" },
            plural(result.diagnostics.len(), "message about the input", "messages about the input")
        );
        for d in &result.diagnostics {
            let what = if d.severity == Severity::Error { "error" } else { "note" };
            let _ = writeln!(
                page,
                "<li><strong>{what}</strong> <span class=\"loc\">{}</span>: {}</li>",
                escape(&d.path),
                escape(&d.message)
            );
        }
        page.push_str("</ul>\n</details>\n");
    }
    if !result.files.is_empty() {
        let _ = write!(
            page,
            "<details class=\"files\">\n<summary>{} scanned</summary>\n<ul>\n",
            plural(result.files.len(), "file", "files")
        );
        for f in &result.files {
            let _ = writeln!(
                page,
                "<li><span class=\"loc\">{}</span>: {}, {}</li>",
                escape(&f.path),
                plural(f.paragraphs, "paragraph", "paragraphs"),
                human_bytes(f.bytes)
            );
        }
        page.push_str("</ul>\n</details>\n");
    }
    page.push_str("</section>\n");
}

fn findings_start(page: &mut String, result: &ScanResult) {
    page.push_str("<section id=\"findings\" tabindex=\"-1\" aria-labelledby=\"findings-h\">\n<h2 id=\"findings-h\">Findings</h2>\n");
    if result.findings.is_empty() {
        page.push_str("<p class=\"empty\">No duplicated passages were found.</p>\n");
        return;
    }
    page.push_str(
        "<p class=\"keys needs-js\">Keys: <kbd>j</kbd> or <kbd>n</kbd> next finding, <kbd>k</kbd> or <kbd>p</kbd> \
         previous finding.</p>\n<div class=\"tools needs-js\" role=\"group\" aria-label=\"Show findings of a kind\">\n\
         <span>Show:</span>\n",
    );
    for k in KINDS {
        let n = result.findings.iter().filter(|f| f.kind == k).count();
        if n > 0 {
            let (name, _) = kind(k);
            let _ = writeln!(
                page,
                "<button type=\"button\" data-kind=\"{name}\" aria-pressed=\"true\">{name} ({})</button>",
                count(n)
            );
        }
    }
    page.push_str("</div>\n");
}

/// `label` for a place in `path` at `line`: a link to the file at the line
/// when it is `linkable`, plain text otherwise.
fn place(path: &str, line: usize, label: &str, linkable: bool) -> String {
    if linkable {
        format!("<a class=\"loc\" href=\"{}\">{}</a>", escape(&href(path, line)), escape(label))
    } else {
        format!("<span class=\"loc\">{}</span>", escape(label))
    }
}

/// Where an occurrence is, as `path:line:col`; a link when its file can be
/// opened (not standard input, nor bytes handed over in memory).
fn location(result: &ScanResult, o: &Occurrence) -> String {
    let linkable = result.files.get(o.file).is_some_and(|f| f.data.is_none());
    place(&o.path, o.line_start, &format!("{}:{}:{}", o.path, o.line_start, o.col_start), linkable)
}

/// The details of an occurrence below its heading.
fn whereabouts(o: &Occurrence) -> String {
    let mut parts = vec![format!("to line {}, column {}", o.line_end, o.col_end)];
    parts.push(if o.para_start == o.para_end {
        format!("paragraph {}", o.para_start + 1)
    } else {
        format!("paragraphs {}–{}", o.para_start + 1, o.para_end + 1)
    });
    parts.push(format!("bytes {}–{}", o.byte_start, o.byte_end));
    if let Some(inside) = &o.inside {
        if let Some(c) = inside.compression {
            parts.push(format!("{c}-compressed: offsets in the decompressed text"));
        }
        if let (Some(label), Some(s), Some(e)) = (inside.label(), inside.field_start, inside.field_end) {
            parts.push(format!("{label}, bytes {s}–{e} of its text"));
        }
    }
    if let Some(p) = o.page {
        parts.push(match o.bbox {
            Some([x, y, w, h]) => format!("page {p}, box {x},{y} {w}×{h}"),
            None => format!("page {p}"),
        });
    }
    if o.partial {
        parts.push("a passage inside a longer paragraph".into());
    }
    parts.join(" · ")
}

/// One copy: heading, details, badge, text and the note on cut text.
fn copy(page: &mut String, result: &ScanResult, o: &Occurrence, number: usize, badge: &str, body: &str, shown: &Shown) {
    let _ = write!(
        page,
        "<section class=\"copy\" aria-label=\"Copy {number}\">\n<h4>{}</h4>\n<p class=\"where\">Copy {number}: {}</p>\n{badge}",
        location(result, o),
        escape(&whereabouts(o)),
    );
    match shown {
        Shown::Text { text, more } => {
            let lang = language(text).map(|l| format!(" lang=\"{l}\"")).unwrap_or_default();
            let _ = writeln!(page, "<div class=\"text\"{lang}>{body}</div>");
            if *more > 0 {
                let _ = writeln!(
                    page,
                    "<p class=\"more\">… {} not shown</p>",
                    plural(*more, "more character", "more characters")
                );
            }
        }
        Shown::Missing(why) => {
            let _ = writeln!(page, "<p class=\"missing\">Text not available: {}</p>", escape(why));
        }
    }
    page.push_str("</section>\n");
}

fn finding(page: &mut String, result: &ScanResult, f: &Finding, index: usize, texts: &[Shown]) {
    let (name, meaning) = kind(f.kind);
    let id = index + 1;
    let _ = write!(
        page,
        "<article class=\"finding\" id=\"f{id}\" data-kind=\"{name}\" tabindex=\"-1\" aria-labelledby=\"f{id}-h\">\n\
         <header>\n<h3 id=\"f{id}-h\"><a class=\"id\" href=\"#f{id}\">Finding {id}</a> <span class=\"kind kind-{name}\">{name}</span></h3>\n\
         <nav class=\"step\" aria-label=\"Finding {id}\">",
    );
    if index > 0 {
        let _ = write!(page, "<a href=\"#f{}\">← previous</a>", id - 1);
    }
    if id < result.findings.len() {
        let _ = write!(page, "<a href=\"#f{}\">next →</a>", id + 1);
    }
    let _ = write!(
        page,
        "</nav>\n</header>\n<p class=\"facts\">{} · {} · similarity {:.3}</p>\n<p class=\"explain\">{meaning}</p>\n",
        plural(f.occurrences.len(), "copy", "copies"),
        plural(f.paragraphs, "paragraph", "paragraphs"),
        f.similarity,
    );
    let occ = &f.occurrences;
    let plain = |s: &Shown| match s {
        Shown::Text { text, .. } => escape(text).into_owned(),
        Shown::Missing(_) => String::new(),
    };
    if f.kind == Kind::Exact {
        // Exact copies: one row, each copy compared with the first.
        let class = if texts.len() == 2 { "copies row two" } else { "copies row" };
        let _ = writeln!(page, "<div class=\"{class}\">");
        let all_equal = texts.iter().all(|t| t == &texts[0]);
        for (i, (o, shown)) in occ.iter().zip(texts).enumerate() {
            let badge = match (shown, &texts[0]) {
                (Shown::Text { .. }, _) if i == 0 && all_equal => "<p class=\"badge same\">identical copies</p>\n",
                (Shown::Text { .. }, _) if i == 0 => "<p class=\"badge same\">the same text in every copy</p>\n",
                (Shown::Text { text: a, .. }, Shown::Text { text: b, .. }) if a == b => {
                    "<p class=\"badge same\">identical to copy 1</p>\n"
                }
                (Shown::Text { .. }, Shown::Text { .. }) => {
                    "<p class=\"badge same\">same text as copy 1 apart from spacing, case or punctuation</p>\n"
                }
                _ => "",
            };
            copy(page, result, o, i + 1, badge, &plain(shown), shown);
        }
        page.push_str("</div>\n");
    } else {
        // Near copies: the first against each other, two columns each.
        for (i, (o, shown)) in occ.iter().zip(texts).enumerate().skip(1) {
            if texts.len() > 2 {
                let _ = writeln!(page, "<h4 class=\"vs\">Copy 1 against copy {}</h4>", i + 1);
            }
            let (left, right, removed, added) = match (&texts[0], shown) {
                (Shown::Text { text: a, .. }, Shown::Text { text: b, .. }) => marked(a, b),
                _ => (plain(&texts[0]), plain(shown), 0, 0),
            };
            let badge = |n: usize, what: &str, class: &str| match n {
                0 => format!("<p class=\"badge same\">nothing {what}</p>\n"),
                n => format!("<p class=\"badge {class}\">{} {what}</p>\n", plural(n, "character", "characters")),
            };
            let _ = writeln!(page, "<div class=\"copies pair\">");
            copy(
                page,
                result,
                &occ[0],
                1,
                &badge(removed, &format!("not in copy {}", i + 1), "removed"),
                &left,
                &texts[0],
            );
            copy(page, result, o, i + 1, &badge(added, "not in copy 1", "added"), &right, shown);
            page.push_str("</div>\n");
        }
    }
    if occ.len() > texts.len() {
        let _ = write!(
            page,
            "<details class=\"others\">\n<summary>{} not shown side by side</summary>\n<ul>\n",
            plural(occ.len() - texts.len(), "more copy", "more copies")
        );
        for o in &occ[texts.len()..] {
            let _ = writeln!(
                page,
                "<li>{} <span class=\"where\">{}</span></li>",
                location(result, o),
                escape(&whereabouts(o))
            );
        }
        page.push_str("</ul>\n</details>\n");
    }
    page.push_str("</article>\n");
}

fn tail(page: &mut String, result: &ScanResult) {
    page.push_str("</section>\n");
    if !result.breaks.is_empty() {
        page.push_str(
            "<section id=\"breaks\" aria-labelledby=\"breaks-h\">\n<h2 id=\"breaks-h\">Layout breaks</h2>\n\
             <p class=\"explain\">Paragraphs that continue after a stray blank line (a page or column break).</p>\n\
             <ul class=\"breaks\">\n",
        );
        let linkable: std::collections::HashSet<&str> =
            result.files.iter().filter(|f| f.data.is_none()).map(|f| f.path.as_str()).collect();
        for b in &result.breaks {
            let loc = place(&b.path, b.line, &format!("{}:{}", b.path, b.line), linkable.contains(b.path.as_str()));
            let lang = language(&b.before).map(|l| format!(" lang=\"{l}\"")).unwrap_or_default();
            let _ = writeln!(page, "<li>{loc}: <span{lang}>…{} ⏎ {}…</span></li>", escape(&b.before), escape(&b.after));
        }
        page.push_str("</ul>\n</section>\n");
    }
    let _ = write!(
        page,
        "</main>\n<footer>\n<p>doublet {} · exit status: 0 nothing found, 1 found, 2 an error happened.</p>\n</footer>\n\
         <script>//<![CDATA[\n{SCRIPT}//]]></script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert!(matches!(escape("plain 文本"), Cow::Borrowed(_)));
    }

    #[test]
    fn links_are_percent_encoded() {
        assert_eq!(href("corpus/newspaper-page.txt", 79), "corpus/newspaper-page.txt#L79");
        assert_eq!(href("a b/c#d?.txt", 3), "a%20b/c%23d%3F.txt#L3");
        assert_eq!(href("javascript:alert(1)", 1), "javascript%3Aalert%281%29#L1");
        assert_eq!(href("报纸.txt", 2), "%E6%8A%A5%E7%BA%B8.txt#L2");
    }

    #[test]
    fn differences_are_marked_per_character() {
        let (l, r, removed, added) = marked("exam on 12 June", "exam on 14 June");
        assert_eq!(
            (l.as_str(), r.as_str(), removed, added),
            ("exam on 1<del>2</del> June", "exam on 1<ins>4</ins> June", 1, 1)
        );
        let (l, r, ..) = marked("考生须凭本人准考证", "考生须持本人准考证");
        assert_eq!((l.as_str(), r.as_str()), ("考生须<del>凭</del>本人准考证", "考生须<ins>持</ins>本人准考证"));
        let (l, r, removed, added) = marked("a<b", "a<b");
        assert_eq!((l.as_str(), r.as_str(), removed, added), ("a&lt;b", "a&lt;b", 0, 0));
    }

    #[test]
    fn long_text_is_cut_with_a_count() {
        assert_eq!(cut("abcdef", 4), ("abcd".to_string(), 2));
        assert_eq!(cut("文本文本", 3), ("文本文".to_string(), 1));
        assert_eq!(cut("abc", 3), ("abc".to_string(), 0));
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(readable("a\r\nb\rc\u{1b}d\u{0}"), "a\nb\nc\u{241b}d\u{2400}");
        assert!(matches!(readable("a\nb\tc"), Cow::Borrowed(_)));
    }

    #[test]
    fn languages_by_script() {
        assert_eq!(language("考生须凭本人准考证"), Some("zh"));
        assert_eq!(language("試験のお知らせ"), Some("ja"));
        assert_eq!(language("시험 안내"), Some("ko"));
        assert_eq!(language("An exam notice"), None);
    }

    #[test]
    fn numbers_for_readers() {
        assert_eq!(count(0), "0");
        assert_eq!(count(17_795), "17,795");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(number(0.39999999999999997), "0.4");
        assert_eq!(number(5.0), "5");
        assert_eq!(number(0.6), "0.6");
    }
}

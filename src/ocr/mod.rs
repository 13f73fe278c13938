//! OCR readers: the text blocks of ALTO, hOCR and PAGE XML files, each with
//! its text, its page, its box on the page image and its byte range in the
//! raw file.
//!
//! Scanned archives reach doublet as OCR output, not as plain text. Scanning
//! that XML as text would fingerprint tag soup; exporting it to text first
//! would lose where a copy is. These readers take the text an OCR engine
//! recognised, block by block, and keep for every block the byte range of its
//! element in the file (so a finding still points into the file the user
//! has) together with the page and the box on the scan (so it can be shown on
//! the image). A block's text joins the words of a line with one space and
//! the lines with `\n`; a hyphenated line end stays `-\n`, so normalization
//! rejoins the word as it does in plain text.
//!
//! Parsing is pure (bytes in, blocks out) and streaming: quick-xml reports the
//! byte offset of every event, and the readers keep only the block being
//! built. Input must be UTF-8 (a UTF-8 byte order mark is skipped). Bad input
//! never panics: invalid UTF-8, truncated or wrongly nested XML and garbage
//! give a [`ParseError`] naming the line, not a partial result, so a damaged
//! file is reported instead of being scanned half. ALTO and PAGE must be
//! well-formed XML (entities declared in a DTD are not expanded). hOCR is
//! often HTML rather than XML, so it is read leniently: `<meta>` without
//! `/>`, unquoted attributes, a stray `&`, HTML entities and unclosed inner
//! elements are fine, but `<html>`, `<body>` and the `ocr_*` elements must be
//! closed, since that is how a truncated file shows.

mod alto;
mod hocr;
mod page;

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::XmlVersion;

/// An OCR file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// ALTO XML (Library of Congress), versions 2 to 4, any namespace prefix.
    /// A block is a `TextBlock` (also inside `ComposedBlock`s), its words the
    /// `String@CONTENT`s; a `HYP` (or a `HypPart1` word) ends its line in
    /// `-`. Page: `Page@PHYSICAL_IMG_NR`; box: `HPOS VPOS WIDTH HEIGHT`.
    Alto,
    /// hOCR: HTML or XHTML with `ocr_*` classes, as tesseract writes it. A
    /// block is an `ocr_par` (an `ocr_carea` without any is one itself), its
    /// lines the `ocr_line`s and their kin, its words the `ocrx_word`s. Page:
    /// `ppageno` + 1 of the `ocr_page`; box: the `bbox` in `title`.
    Hocr,
    /// PAGE XML (PRImA), 2013 and 2019 schemas. A block is a `TextRegion`,
    /// its text the region's `TextEquiv/Unicode`, else its `TextLine`s' (else
    /// their `Word`s'). Page: order of `Page` elements; box: around the
    /// `Coords@points` (or legacy `Point`s).
    Page,
}

impl Format {
    /// The format's usual name, as in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Alto => "ALTO",
            Format::Hocr => "hOCR",
            Format::Page => "PAGE",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One block of text of an OCR file: an ALTO `TextBlock`, an hOCR `ocr_par`
/// (or `ocr_carea` without paragraphs), a PAGE `TextRegion`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Words of a line joined by one space, lines joined by `\n`; a hyphenated
    /// line end is kept as `-\n`. Never empty.
    pub text: String,
    /// Byte range `[start, end)` of the block's element in the raw file: from
    /// the `<` of its opening tag to after the `>` of its closing tag.
    pub start: usize,
    pub end: usize,
    /// 1-based page number: the file's own when it gives one (ALTO
    /// `PHYSICAL_IMG_NR`, hOCR `ppageno` + 1), else the page's position in
    /// the file.
    pub page: u32,
    /// `[x, y, width, height]` in the file's units (pixels of the page image,
    /// or what ALTO's `MeasurementUnit` says); zeros when the file gives none.
    pub bbox: [i64; 4],
}

/// Why an OCR file could not be read. Displayed as
/// `ALTO line 12, byte 345: unexpected end of file, <TextBlock> from line 9 is not closed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub format: Format,
    /// Byte offset in the raw file where the problem was found.
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
    /// What is wrong, without the position.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}, byte {}: {}", self.format, self.line, self.offset, self.message)
    }
}

impl std::error::Error for ParseError {}

/// How many bytes of the start of a file [`detect`] looks at.
pub const SNIFF_LEN: usize = 8192;

/// The OCR format of a file, from its name and the first [`SNIFF_LEN`] bytes,
/// or `None` for plain text.
///
/// The content decides; the name only helps where the content is silent:
///
/// | content (first non-blank byte `<`)                | result                         |
/// |---------------------------------------------------|--------------------------------|
/// | does not start with markup                        | `None`, whatever the name      |
/// | root element `alto` (any prefix)                  | ALTO                           |
/// | root element `PcGts` (any prefix)                 | PAGE                           |
/// | `ocr_page`, `ocr-system` in a tag (class, meta)   | hOCR                           |
/// | none of these, name `*.hocr`                      | hOCR                           |
/// | none of these, name `*.alto.xml` / `*.alto`       | ALTO                           |
/// | none of these, name `*.page.xml`                  | PAGE                           |
/// | none of these, other names (`.xml`, `.html`, …)   | `None`                         |
///
/// A name ending in a plain-text extension (`.txt`, `.md`, `.csv`, …) is
/// always `None`, so notes about OCR formats are not mistaken for them.
pub fn detect(path: Option<&Path>, data: &[u8]) -> Option<Format> {
    let name = path.and_then(Path::file_name).map(|n| n.to_string_lossy().to_ascii_lowercase());
    let name = name.as_deref().unwrap_or("");
    const TEXT: &[&str] = &[".txt", ".text", ".md", ".markdown", ".rst", ".csv", ".tsv", ".json", ".log"];
    if TEXT.iter().any(|ext| name.ends_with(ext)) {
        return None;
    }
    let head = &data[..data.len().min(SNIFF_LEN)];
    let head = head.strip_prefix(BOM).unwrap_or(head);
    if head.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'<') {
        return None;
    }
    match root_name(head).map(local) {
        Some(b"alto") => return Some(Format::Alto),
        Some(b"PcGts") => return Some(Format::Page),
        _ => {}
    }
    if ["ocr_page", "ocr-system", "ocr-capabilities"].iter().any(|m| in_a_tag(head, m.as_bytes())) {
        return Some(Format::Hocr);
    }
    if name.ends_with(".hocr") {
        Some(Format::Hocr)
    } else if name.ends_with(".alto.xml") || name.ends_with(".alto") {
        Some(Format::Alto)
    } else if name.ends_with(".page.xml") {
        Some(Format::Page)
    } else {
        None
    }
}

/// Whether `needle` occurs in `head` inside a tag (an attribute value, as in
/// `class='ocr_page'`), not in text that merely mentions it.
fn in_a_tag(head: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find_iter(head, needle).any(|at| {
        let before = &head[..at];
        memchr::memrchr(b'<', before).is_some_and(|lt| memchr::memrchr(b'>', before).is_none_or(|gt| gt < lt))
    })
}

/// The name of the first element in `head`, after the XML declaration,
/// comments, processing instructions and a document type declaration.
fn root_name(head: &[u8]) -> Option<&[u8]> {
    let mut rest = head;
    loop {
        rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
        let skip_to = |end: &[u8]| memchr::memmem::find(rest, end).map(|i| i + end.len());
        let next = if rest.starts_with(b"<?") {
            skip_to(b"?>")?
        } else if rest.starts_with(b"<!--") {
            skip_to(b"-->")?
        } else if rest.starts_with(b"<!") {
            // A document type declaration; an internal subset ends with `]>`.
            let gt = memchr::memchr(b'>', rest)?;
            match memchr::memchr(b'[', &rest[..gt]) {
                Some(_) => skip_to(b"]>")?,
                None => gt + 1,
            }
        } else if let Some(tag) = rest.strip_prefix(b"<") {
            let len = tag.iter().position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/')).unwrap_or(tag.len());
            return Some(&tag[..len]).filter(|n| !n.is_empty());
        } else {
            return None;
        };
        rest = &rest[next..];
    }
}

/// Reads the blocks of an OCR file, in document order; blocks without text
/// are left out.
pub fn parse(format: Format, data: &[u8]) -> Result<Vec<Block>, ParseError> {
    let mut blocks = match format {
        Format::Alto => alto::parse(data),
        Format::Hocr => hocr::parse(data),
        Format::Page => page::parse(data),
    }?;
    // Readers emit a block when it closes; nesting (PAGE regions inside
    // regions) can make that differ from the order of the opening tags.
    blocks.sort_by_key(|b| b.start);
    Ok(blocks)
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The part of a qualified name after its namespace prefix.
fn local(name: &[u8]) -> &[u8] {
    match memchr::memchr(b':', name) {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// 1-based line number of byte `offset` in `data`.
fn line_of(data: &[u8], offset: usize) -> usize {
    memchr::memchr_iter(b'\n', &data[..offset.min(data.len())]).count() + 1
}

/// Where the readers' shared machinery reports errors and reads attributes.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    format: Format,
    data: &'a [u8],
    /// Read as HTML: attribute values unquoted or missing, HTML entities.
    html: bool,
}

impl Ctx<'_> {
    fn error(&self, offset: usize, message: impl Into<String>) -> ParseError {
        let offset = offset.min(self.data.len());
        ParseError { format: self.format, offset, line: line_of(self.data, offset), message: message.into() }
    }

    /// The value of the attribute whose local name is `name` (ASCII case
    /// ignored in HTML), with references resolved. `at` is the tag's offset,
    /// for errors.
    fn attr(&self, tag: &BytesStart, name: &str, at: usize) -> Result<Option<String>, ParseError> {
        let mut attrs = if self.html { tag.html_attributes() } else { tag.attributes() };
        attrs.with_checks(!self.html);
        for attr in attrs {
            let attr = match attr {
                Ok(a) => a,
                // HTML is read leniently: a broken attribute ends the list.
                Err(_) if self.html => return Ok(None),
                Err(e) => return Err(self.error(at, format!("bad attribute: {e}"))),
            };
            let key = local(attr.key.as_ref());
            let hit = if self.html { key.eq_ignore_ascii_case(name.as_bytes()) } else { key == name.as_bytes() };
            if !hit {
                continue;
            }
            let html = self.html;
            return match attr.normalized_value_with(XmlVersion::Implicit1_0, 1, |e| entity(e, html)) {
                Ok(v) => Ok(Some(v.into_owned())),
                Err(_) if self.html => Ok(Some(String::from_utf8_lossy(&attr.value).into_owned())),
                Err(e) => Err(self.error(at, format!("bad value of attribute {name}: {e}"))),
            };
        }
        Ok(None)
    }
}

/// The replacement text of a named entity: XML's five, plus in HTML the
/// ones OCR output is likely to hold.
fn entity(name: &str, html: bool) -> Option<&'static str> {
    if let Some(s) = quick_xml::escape::resolve_xml_entity(name) {
        return Some(s);
    }
    if !html {
        return None;
    }
    Some(match name {
        "nbsp" => "\u{A0}",
        "shy" => "\u{AD}",
        "ndash" => "\u{2013}",
        "mdash" => "\u{2014}",
        "lsquo" => "\u{2018}",
        "rsquo" => "\u{2019}",
        "ldquo" => "\u{201C}",
        "rdquo" => "\u{201D}",
        "laquo" => "\u{AB}",
        "raquo" => "\u{BB}",
        "hellip" => "\u{2026}",
        "middot" => "\u{B7}",
        "copy" => "\u{A9}",
        "sect" => "\u{A7}",
        "deg" => "\u{B0}",
        "AMP" => "&",
        "LT" => "<",
        "GT" => ">",
        "QUOT" => "\"",
        _ => return None,
    })
}

/// What a reader does with the elements and text of a document.
///
/// [`walk`] guarantees that every `open` is matched by exactly one `close`,
/// innermost first, so a reader can keep its state on a stack.
trait Handler {
    /// An element starts at byte `start` (its `<`). `name` is the local name
    /// (lower-cased in HTML).
    fn open(&mut self, cx: &Ctx, name: &str, tag: &BytesStart, start: usize) -> Result<(), ParseError>;
    /// The innermost open element ends at byte `end` (after its closing tag's
    /// `>`, or where it was closed implicitly in HTML).
    fn close(&mut self, end: usize);
    /// Character data inside the innermost open element, references resolved.
    fn text(&mut self, text: &str);
    /// End of input in HTML mode, before the elements still open are closed;
    /// a reader that needs them closed returns an error here.
    fn eof(&mut self, _cx: &Ctx, _offset: usize) -> Result<(), ParseError> {
        Ok(())
    }
}

/// HTML elements that never have content or a closing tag.
const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

/// An element still open: its qualified name as written and where it starts.
struct Open {
    qname: Vec<u8>,
    start: usize,
}

/// Feeds the document in `data` to `handler`.
///
/// XML mode (`cx.html` false) insists on well-formed XML: one root element
/// named `root` (any prefix), matching closing tags, no text outside the
/// root, no unknown entities, and every element closed at the end.
///
/// HTML mode tolerates what tesseract-like HTML does: void elements without
/// `/>`, closing tags that close unclosed inner elements (or nothing, when no
/// such element is open), attributes without quotes, a bare `&`, HTML
/// entities (an unknown one stays as written), and elements left open at
/// the end (unless the handler objects). Raw-text elements (`<script>`,
/// `<style>`) holding `<` are not supported.
fn walk(cx: &Ctx, root: &str, handler: &mut impl Handler) -> Result<(), ParseError> {
    let data = cx.data;
    if data.starts_with(b"\xFF\xFE") || data.starts_with(b"\xFE\xFF") {
        return Err(cx.error(0, "UTF-16 is not supported, convert the file to UTF-8"));
    }
    let text = match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(e) => return Err(cx.error(e.valid_up_to(), "invalid UTF-8")),
    };
    let base = if text.starts_with('\u{FEFF}') { BOM.len() } else { 0 };
    let mut reader = quick_xml::Reader::from_str(&text[base..]);
    let config = reader.config_mut();
    // Nesting is checked here, with better messages and HTML's leniency.
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = cx.html;

    let mut stack: Vec<Open> = Vec::new();
    let mut seen_root = false;
    loop {
        let before = base + reader.buffer_position() as usize;
        let event =
            reader.read_event().map_err(|e| cx.error(base + reader.error_position() as usize, e.to_string()))?;
        let after = base + reader.buffer_position() as usize;
        match event {
            Event::Start(tag) | Event::Empty(tag) if !cx.html && stack.is_empty() && seen_root => {
                let name = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
                return Err(cx.error(before, format!("second root element <{name}>")));
            }
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let qname = tag.name().as_ref().to_vec();
                let name = element_name(&qname, cx.html);
                if !cx.html && stack.is_empty() {
                    if name != root {
                        return Err(cx.error(before, format!("root element is <{name}>, expected <{root}>")));
                    }
                    seen_root = true;
                }
                handler.open(cx, &name, tag, before)?;
                let empty = matches!(event, Event::Empty(_)) || (cx.html && VOID.contains(&name.as_str()));
                if empty {
                    handler.close(after);
                } else {
                    stack.push(Open { qname, start: before });
                }
            }
            Event::End(tag) => {
                let qname = tag.name();
                let found = if cx.html {
                    stack.iter().rposition(|o| o.qname.eq_ignore_ascii_case(qname.as_ref()))
                } else {
                    stack.len().checked_sub(1).filter(|&i| stack[i].qname == qname.as_ref())
                };
                let shown = String::from_utf8_lossy(qname.as_ref()).into_owned();
                match found {
                    Some(i) => {
                        // In HTML the elements above `i` were left open;
                        // they end where this closing tag begins.
                        while stack.len() > i + 1 {
                            stack.pop();
                            handler.close(before);
                        }
                        stack.pop();
                        handler.close(after);
                    }
                    None if cx.html => {}
                    None => {
                        let message = match stack.last() {
                            Some(open) => format!(
                                "closing tag </{shown}> does not match <{}> from line {}",
                                String::from_utf8_lossy(&open.qname),
                                line_of(data, open.start)
                            ),
                            None => format!("closing tag </{shown}> without an opening tag"),
                        };
                        return Err(cx.error(before, message));
                    }
                }
            }
            Event::Text(t) => {
                let s = t.xml_content(XmlVersion::Implicit1_0).map_err(|e| cx.error(before, e.to_string()))?;
                outside_text(cx, &stack, &s, before)?;
                handler.text(&s);
            }
            Event::CData(t) => {
                let s = t.xml_content(XmlVersion::Implicit1_0).map_err(|e| cx.error(before, e.to_string()))?;
                outside_text(cx, &stack, &s, before)?;
                handler.text(&s);
            }
            Event::GeneralRef(r) => {
                let resolved: Cow<str> = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string().into(),
                    Ok(None) => {
                        let name = String::from_utf8_lossy(&r);
                        match entity(&name, cx.html) {
                            Some(s) => s.into(),
                            None if cx.html => format!("&{name};").into(),
                            None => return Err(cx.error(before, format!("unknown entity &{name};"))),
                        }
                    }
                    Err(_) if cx.html => String::from_utf8_lossy(&data[before..after]).into_owned().into(),
                    Err(e) => return Err(cx.error(before, e.to_string())),
                };
                outside_text(cx, &stack, "&", before)?;
                handler.text(&resolved);
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    let end = data.len();
    if cx.html {
        handler.eof(cx, end)?;
        while stack.pop().is_some() {
            handler.close(end);
        }
        return Ok(());
    }
    if let Some(open) = stack.last() {
        let name = String::from_utf8_lossy(&open.qname);
        let message = format!("unexpected end of file, <{name}> from line {} is not closed", line_of(data, open.start));
        return Err(cx.error(end, message));
    }
    if !seen_root {
        return Err(cx.error(end, format!("no <{root}> element")));
    }
    Ok(())
}

/// The name a handler sees: the local name, lower-cased in HTML.
fn element_name(qname: &[u8], html: bool) -> String {
    let name = String::from_utf8_lossy(local(qname));
    if html {
        name.to_ascii_lowercase()
    } else {
        name.into_owned()
    }
}

/// In XML, only white space may stand outside the root element.
fn outside_text(cx: &Ctx, stack: &[Open], text: &str, at: usize) -> Result<(), ParseError> {
    if cx.html || !stack.is_empty() || text.trim().is_empty() {
        return Ok(());
    }
    Err(cx.error(at, "text outside the root element"))
}

/// An attribute parsed as a number: integer or decimal, rounded to the
/// nearest integer. `None` when absent or not a finite number in range.
fn number(s: Option<&str>) -> Option<i64> {
    let s = s?.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let f = s.parse::<f64>().ok()?;
    // `as` saturates; the range check keeps absurd values out.
    (f.is_finite() && f.abs() < 1e15).then(|| f.round() as i64)
}

/// The smallest box around a set of points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Bounds {
    min: Option<(i64, i64)>,
    max: (i64, i64),
}

impl Bounds {
    fn add(&mut self, x: i64, y: i64) {
        match &mut self.min {
            Some((mx, my)) => {
                *mx = (*mx).min(x);
                *my = (*my).min(y);
                self.max = (self.max.0.max(x), self.max.1.max(y));
            }
            None => {
                self.min = Some((x, y));
                self.max = (x, y);
            }
        }
    }

    /// `[x, y, width, height]`, zeros for no points.
    fn bbox(&self) -> [i64; 4] {
        match self.min {
            Some((x, y)) => corners(x, y, self.max.0, self.max.1),
            None => [0; 4],
        }
    }
}

/// `[x, y, width, height]` of the box with corners `(x0, y0)` and `(x1, y1)`.
fn corners(x0: i64, y0: i64, x1: i64, y1: i64) -> [i64; 4] {
    [x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0)]
}

/// Words and lines of a block as they are read, joined at the end.
#[derive(Default)]
struct Lines {
    lines: Vec<String>,
}

impl Lines {
    /// Adds a line unless it is blank.
    fn push(&mut self, line: &str) {
        let line = line.trim();
        if !line.is_empty() {
            self.lines.push(line.to_string());
        }
    }

    /// The block text, `None` when there is none.
    fn text(self) -> Option<String> {
        (!self.lines.is_empty()).then(|| self.lines.join("\n"))
    }
}

/// Text whose runs of white space (in words that OCR split oddly, or
/// line text outside word elements) become single spaces.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(super) fn fixture(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ocr").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The paragraphs of notice.txt: what every format's fixture must give.
    pub(super) fn notice_paragraphs() -> Vec<String> {
        let text = String::from_utf8(fixture("notice.txt")).unwrap();
        text.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
    }

    /// Text, page and box of a block: what the case tables compare.
    pub(super) type Summary = (String, u32, [i64; 4]);

    pub(super) fn summary(text: &str, page: u32, bbox: [i64; 4]) -> Summary {
        (text.to_string(), page, bbox)
    }

    /// The summaries of `data`'s blocks; panics on a parse error.
    pub(super) fn summaries(format: Format, data: &str) -> Vec<Summary> {
        match parse(format, data.as_bytes()) {
            Ok(blocks) => blocks.into_iter().map(|b| (b.text, b.page, b.bbox)).collect(),
            Err(e) => panic!("{data}: {e}"),
        }
    }

    /// Checks what is common to all fixtures: texts equal notice.txt, byte
    /// ranges cover exactly the block elements.
    pub(super) fn check_fixture(format: Format, name: &str, element: &str) -> Vec<Block> {
        let data = fixture(name);
        let blocks = parse(format, &data).unwrap_or_else(|e| panic!("{name}: {e}"));
        let texts: Vec<_> = blocks.iter().map(|b| b.text.clone()).collect();
        assert_eq!(texts, notice_paragraphs(), "{name}");
        for b in &blocks {
            let raw = std::str::from_utf8(&data[b.start..b.end]).unwrap();
            assert!(raw.starts_with(&format!("<{element}")), "{name}: block starts {:?}", &raw[..20.min(raw.len())]);
            assert!(raw.ends_with(&format!("</{element}>")), "{name}: block ends {raw:?}");
        }
        assert!(blocks.windows(2).all(|w| w[0].end <= w[1].start), "{name}: blocks overlap or are out of order");
        blocks
    }

    #[test]
    fn detection_table() {
        let alto = fixture("notice.alto.xml");
        let hocr = fixture("notice.hocr");
        let page = fixture("notice.page.xml");
        let prefixed =
            b"<?xml version='1.0'?>\n<!-- scan 7 -->\n<a:alto xmlns:a='http://www.loc.gov/standards/alto/ns-v3#'/>";
        let generic = b"<?xml version=\"1.0\"?>\n<catalog><book id=\"1\">ALTO and hOCR</book></catalog>";
        let html = b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>Hi</p></body></html>";
        let doctype = b"<!DOCTYPE PcGts [ <!ENTITY x 'y'> ]>\n<PcGts/>";
        let cases: &[(Option<&str>, &[u8], Option<Format>)] = &[
            (Some("notice.alto.xml"), &alto, Some(Format::Alto)),
            (Some("scan.xml"), &alto, Some(Format::Alto)),
            (None, &alto, Some(Format::Alto)),
            (Some("notice.hocr"), &hocr, Some(Format::Hocr)),
            (Some("notice.html"), &hocr, Some(Format::Hocr)),
            (None, &hocr, Some(Format::Hocr)),
            (Some("notice.page.xml"), &page, Some(Format::Page)),
            (Some("0001.xml"), &page, Some(Format::Page)),
            (None, prefixed, Some(Format::Alto)),
            (None, doctype, Some(Format::Page)),
            // The content wins over a misleading name.
            (Some("notice.page.xml"), &alto, Some(Format::Alto)),
            (Some("notice.hocr"), &page, Some(Format::Page)),
            // A silent content: the name decides.
            (Some("x.hocr"), b"<html><body><div class='page'>x</div></body></html>", Some(Format::Hocr)),
            (Some("x.alto.xml"), b"<?xml version='1.0'?><mets/>", Some(Format::Alto)),
            (Some("x.page.xml"), b"<root/>", Some(Format::Page)),
            // Neither: plain text.
            (Some("catalog.xml"), generic, None),
            (None, generic, None),
            (Some("index.html"), html, None),
            (Some("notes.txt"), &alto, None),
            (Some("notice.txt"), "考生须携带准考证。\n\nocr_page".as_bytes(), None),
            (None, b"Candidates must arrive early.\n", None),
            (Some("x.hocr"), b"plain words", None),
            (Some("notes.xml"), b"<doc>hOCR pages have class ocr_page; see ocr-system</doc>", None),
            (None, b"<html><body><div class=ocr_page>", Some(Format::Hocr)),
            (None, b"", None),
            (None, b"\xEF\xBB\xBF  \n<alto/>", Some(Format::Alto)),
            (None, b"\xff\xfe<\0a\0", None),
        ];
        for (path, data, want) in cases {
            let got = detect(path.map(Path::new), data);
            assert_eq!(got, *want, "path {path:?}, data {:?}", String::from_utf8_lossy(&data[..data.len().min(60)]));
        }
    }

    #[test]
    fn root_names() {
        let cases: &[(&[u8], Option<&[u8]>)] = &[
            (b"<a>", Some(b"a")),
            (b"  <?xml version='1.0'?><!-- c --><?pi x?><!DOCTYPE a SYSTEM 'a.dtd'><x:y z='1'>", Some(b"x:y")),
            (b"<!DOCTYPE a [<!ELEMENT a ANY>]><b/>", Some(b"b")),
            (b"<!-- unterminated", None),
            (b"text <a>", None),
            (b"<", None),
            (b"", None),
        ];
        for (head, want) in cases {
            assert_eq!(root_name(head), *want, "{:?}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn error_display_names_format_and_line() {
        let err = parse(Format::Alto, b"<alto>\n<Layout>\n<Page>").unwrap_err();
        assert_eq!((err.line, err.offset), (3, 22));
        assert_eq!(err.to_string(), "ALTO line 3, byte 22: unexpected end of file, <Page> from line 3 is not closed");
    }

    #[test]
    fn common_errors() {
        let cases: &[(Format, &[u8], &str, usize)] = &[
            (Format::Alto, b"<alto>\n\xff</alto>", "invalid UTF-8", 2),
            (Format::Page, b"\xFF\xFE<\0P\0", "UTF-16", 1),
            (Format::Alto, b"", "no <alto> element", 1),
            (Format::Page, b"garbage, not XML\n", "text outside the root element", 1),
            (Format::Alto, b"<html/>", "root element is <html>, expected <alto>", 1),
            (Format::Alto, b"<alto/>\n<alto/>", "second root element", 2),
            (Format::Page, b"<PcGts>\n<Page></PcGts>", "closing tag </PcGts> does not match <Page> from line 2", 2),
            (Format::Page, b"<PcGts></Page>", "does not match", 1),
            (Format::Alto, b"<alto>&nbsp;</alto>", "unknown entity &nbsp;", 1),
            (Format::Alto, b"<alto>&#0;</alto>", "character reference", 1),
            (Format::Alto, b"<alto>\n<Page\n", "not found before end of input", 2),
            (Format::Alto, b"<alto>\n<!-- x", "comment not closed", 2),
            (Format::Alto, b"<alto></alto>trailing", "text outside the root element", 1),
        ];
        for (format, data, want, line) in cases {
            match parse(*format, data) {
                Ok(blocks) => panic!("{:?} parsed: {blocks:?}", String::from_utf8_lossy(data)),
                Err(e) => {
                    assert!(e.message.contains(want), "{:?}: {e}", String::from_utf8_lossy(data));
                    assert_eq!(e.line, *line, "{:?}: {e}", String::from_utf8_lossy(data));
                }
            }
        }
    }

    #[test]
    fn bom_shifts_offsets() {
        let data = b"\xEF\xBB\xBF<alto><TextBlock><TextLine><String CONTENT='x'/></TextLine></TextBlock></alto>";
        let blocks = parse(Format::Alto, data).unwrap();
        assert_eq!(blocks.len(), 1);
        assert!(data[blocks[0].start..blocks[0].end].starts_with(b"<TextBlock>"));
        assert!(data[..blocks[0].end].ends_with(b"</TextBlock>"));
    }

    #[test]
    fn numbers() {
        let cases: &[(Option<&str>, Option<i64>)] = &[
            (Some("12"), Some(12)),
            (Some(" -3 "), Some(-3)),
            (Some("12.5"), Some(13)),
            (Some("1e3"), Some(1000)),
            (Some("NaN"), None),
            (Some("inf"), None),
            (Some("1e300"), None),
            (Some("twelve"), None),
            (Some(""), None),
            (None, None),
        ];
        for (s, want) in cases {
            assert_eq!(number(*s), *want, "{s:?}");
        }
    }

    #[test]
    fn bounds() {
        let mut b = Bounds::default();
        assert_eq!(b.bbox(), [0; 4]);
        b.add(10, 20);
        assert_eq!(b.bbox(), [10, 20, 0, 0]);
        b.add(5, 40);
        b.add(30, 25);
        assert_eq!(b.bbox(), [5, 20, 25, 20]);
        assert_eq!(corners(0, 0, i64::MIN, 5), [0, 0, i64::MIN, 5]);
        assert_eq!(corners(i64::MIN, 0, i64::MAX, 0)[2], i64::MAX);
    }

    const FORMATS: [(Format, &str); 3] =
        [(Format::Alto, "notice.alto.xml"), (Format::Hocr, "notice.hocr"), (Format::Page, "notice.page.xml")];

    #[test]
    fn every_truncation_of_the_fixtures_is_an_error() {
        // A file cut anywhere after its first block starts (before its
        // trailing white space) may have lost text: that must be an error,
        // never fewer blocks.
        for (format, name) in FORMATS {
            let data = fixture(name);
            let blocks = parse(format, &data).unwrap();
            let end = data.iter().rposition(|b| !b.is_ascii_whitespace()).unwrap();
            for cut in blocks[0].start..=end {
                if let Ok(b) = parse(format, &data[..cut]) {
                    panic!("{name} cut at {cut} parsed into {} blocks", b.len());
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            for (format, _) in FORMATS {
                let _ = parse(format, &data);
            }
            let _ = detect(Some(Path::new("x.xml")), &data);
            let _ = detect(None, &data);
        }

        #[test]
        fn markup_soup_never_panics(parts in proptest::collection::vec(
            prop_oneof![
                Just("<"), Just(">"), Just("</"), Just("/>"), Just("&"), Just(";"), Just("&#x"), Just("\""), Just("'"),
                Just("="), Just(" "), Just("\n"), Just("alto"), Just("TextBlock"), Just("TextLine"), Just("String"),
                Just("CONTENT"), Just("HYP"), Just("PcGts"), Just("TextRegion"), Just("Unicode"), Just("TextEquiv"),
                Just("Coords points=\"1,2 3,4\""), Just("class='ocr_par'"), Just("ocr_line"), Just("ocrx_word"),
                Just("title='bbox 1 2 3 4; ppageno 9'"), Just("<!--"), Just("-->"), Just("<![CDATA["), Just("]]>"),
                Just("<?"), Just("?>"), Just("字"), Just("\u{FEFF}"),
            ],
            0..80,
        )) {
            let data = parts.concat();
            for (format, _) in FORMATS {
                let _ = parse(format, data.as_bytes());
            }
        }

        #[test]
        fn mutated_fixtures_never_panic(
            which in 0usize..3,
            cut in any::<prop::sample::Index>(),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        ) {
            let (format, name) = FORMATS[which];
            let mut data = fixture(name);
            data.truncate(cut.index(data.len() + 1));
            for (at, byte) in edits {
                if !data.is_empty() {
                    let i = at.index(data.len());
                    data[i] = byte;
                }
            }
            if let Ok(blocks) = parse(format, &data) {
                for b in blocks {
                    prop_assert!(b.start < b.end && b.end <= data.len());
                    prop_assert!(!b.text.trim().is_empty());
                }
            }
        }
    }
}

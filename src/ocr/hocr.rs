//! hOCR: one block per `ocr_par`, read from HTML as tesseract writes it.
//!
//! hOCR marks the OCR structure with classes on ordinary HTML elements:
//! `ocr_page` → `ocr_carea` → `ocr_par` → `ocr_line` (or the line kinds
//! `ocr_header`, `ocr_caption`, `ocr_textfloat`, `ocrx_line`) → `ocrx_word`.
//! A block is an `ocr_par`; an `ocr_carea` that holds no `ocr_par` at all is a
//! block itself. A line's text is its words' texts joined by one space (a
//! word's own white space collapsed); a line without word elements uses its
//! text with white space collapsed. Lines outside any paragraph or area are
//! not read. The box is the `bbox x0 y0 x1 y1` of the element's `title`,
//! turned into `[x0, y0, x1 - x0, y1 - y0]`; the page is the enclosing
//! `ocr_page`'s `ppageno` + 1, else its position in the file.
//!
//! Many hOCR files are HTML, not XML, so the file is read leniently (see
//! [`super::walk`]): `<meta>` without `/>`, unquoted attributes, a stray `&`,
//! `&nbsp;` and unclosed `<p>`s are all fine. But `<html>`, `<body>` and the
//! `ocr_*` elements must be closed: one left open at the end of the input is
//! an error, since that is how a truncated file shows (one cut between two
//! pages has every element of the first page closed). A file with no `ocr_*`
//! element at all is an error: whatever it is, it is not hOCR.

use quick_xml::events::BytesStart;

use super::{collapse, corners, number, walk, Block, Ctx, Format, Handler, Lines, ParseError};

pub(super) fn parse(data: &[u8]) -> Result<Vec<Block>, ParseError> {
    let cx = Ctx { format: Format::Hocr, data, html: true };
    let mut reader = Hocr::default();
    walk(&cx, "html", &mut reader)?;
    if !reader.seen_ocr {
        return Err(cx.error(data.len(), "no hOCR elements (class ocr_page, ocr_par, …) found"));
    }
    Ok(reader.blocks)
}

/// What an open element is to the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Page,
    Carea,
    Par,
    Line,
    Word,
    Other,
}

impl Role {
    fn class(self) -> &'static str {
        match self {
            Role::Page => "ocr_page",
            Role::Carea => "ocr_carea",
            Role::Par => "ocr_par",
            Role::Line => "ocr_line",
            Role::Word => "ocrx_word",
            Role::Other => "",
        }
    }
}

#[derive(Default)]
struct Hocr {
    blocks: Vec<Block>,
    /// Role, start and element name of every open element.
    open: Vec<(Role, usize, String)>,
    seen_ocr: bool,
    pages: u32,
    page: u32,
    carea: Option<Area>,
    par: Option<Area>,
    /// Words of the current line, and its text outside word elements.
    line: Option<(Vec<String>, String)>,
    word: Option<String>,
}

/// A paragraph or area being read.
struct Area {
    start: usize,
    bbox: [i64; 4],
    page: u32,
    lines: Lines,
    /// An area that holds paragraphs is not a block itself.
    has_par: bool,
}

impl Area {
    fn finish(self, end: usize) -> Option<Block> {
        let text = self.lines.text()?;
        Some(Block { text, start: self.start, end, page: self.page, bbox: self.bbox })
    }
}

/// The `bbox` (as `[x, y, w, h]`) and `ppageno` properties of a `title`.
fn properties(title: &str) -> (Option<[i64; 4]>, Option<i64>) {
    let (mut bbox, mut ppageno) = (None, None);
    for property in title.split(';') {
        let mut words = property.split_whitespace();
        match words.next() {
            Some("bbox") => {
                let n: Vec<_> = words.map(|w| number(Some(w))).collect();
                if let [Some(x0), Some(y0), Some(x1), Some(y1)] = n[..] {
                    bbox = Some(corners(x0, y0, x1, y1));
                }
            }
            Some("ppageno") => ppageno = number(words.next()),
            _ => {}
        }
    }
    (bbox, ppageno)
}

impl Handler for Hocr {
    fn open(&mut self, cx: &Ctx, name: &str, tag: &BytesStart, start: usize) -> Result<(), ParseError> {
        let class = cx.attr(tag, "class", start)?.unwrap_or_default();
        let mut role = Role::Other;
        for c in class.split_whitespace() {
            role = match c {
                "ocr_page" => Role::Page,
                "ocr_carea" => Role::Carea,
                "ocr_par" => Role::Par,
                "ocr_line" | "ocrx_line" | "ocr_header" | "ocr_caption" | "ocr_textfloat" => Role::Line,
                "ocrx_word" | "ocr_word" => Role::Word,
                _ => continue,
            };
            break;
        }
        // An element of a kind already open (a paragraph in a paragraph)
        // adds to the outer one.
        let role = match role {
            Role::Carea if self.carea.is_some() => Role::Other,
            Role::Par if self.par.is_some() => Role::Other,
            Role::Line if self.line.is_some() => Role::Other,
            Role::Word if self.word.is_some() => Role::Other,
            r => r,
        };
        if role != Role::Other {
            self.seen_ocr = true;
            let title = cx.attr(tag, "title", start)?.unwrap_or_default();
            let (bbox, ppageno) = properties(&title);
            let page = self.page.max(1);
            let area = || Area { start, bbox: bbox.unwrap_or_default(), page, lines: Lines::default(), has_par: false };
            match role {
                Role::Page => {
                    self.pages = self.pages.saturating_add(1);
                    let own = ppageno.and_then(|n| u32::try_from(n).ok()).and_then(|n| n.checked_add(1));
                    self.page = own.unwrap_or(self.pages);
                }
                Role::Carea => self.carea = Some(area()),
                Role::Par => self.par = Some(area()),
                Role::Line => self.line = Some((Vec::new(), String::new())),
                Role::Word => self.word = Some(String::new()),
                Role::Other => {}
            }
        }
        self.open.push((role, start, name.to_string()));
        Ok(())
    }

    fn close(&mut self, end: usize) {
        let Some((role, _, _)) = self.open.pop() else {
            return;
        };
        match role {
            Role::Word => {
                if let (Some(word), Some((words, _))) = (self.word.take(), &mut self.line) {
                    let word = collapse(&word);
                    if !word.is_empty() {
                        words.push(word);
                    }
                }
            }
            Role::Line => {
                if let Some((words, loose)) = self.line.take() {
                    let text = if words.is_empty() { collapse(&loose) } else { words.join(" ") };
                    if let Some(area) = self.par.as_mut().or(self.carea.as_mut()) {
                        area.lines.push(&text);
                    }
                }
            }
            Role::Par => {
                if let Some(carea) = &mut self.carea {
                    carea.has_par = true;
                }
                self.blocks.extend(self.par.take().and_then(|p| p.finish(end)));
            }
            Role::Carea => {
                if let Some(carea) = self.carea.take().filter(|c| !c.has_par) {
                    self.blocks.extend(carea.finish(end));
                }
            }
            Role::Page | Role::Other => {}
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(word) = &mut self.word {
            word.push_str(text);
        } else if let Some((_, loose)) = &mut self.line {
            loose.push_str(text);
        }
    }

    fn eof(&mut self, cx: &Ctx, offset: usize) -> Result<(), ParseError> {
        let open = self.open.iter().rfind(|(role, _, name)| *role != Role::Other || name == "html" || name == "body");
        let Some((role, start, name)) = open else {
            return Ok(());
        };
        let class = match role {
            Role::Other => String::new(),
            r => format!(" class=\"{}\"", r.class()),
        };
        let line = super::line_of(cx.data, *start);
        Err(cx.error(offset, format!("unexpected end of file, <{name}{class}> from line {line} is not closed")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check_fixture, fixture, summaries, summary, Summary};
    use super::super::{parse, Format};
    use super::properties;

    #[test]
    fn fixture_blocks() {
        let blocks = check_fixture(Format::Hocr, "notice.hocr", "p");
        let pages: Vec<u32> = blocks.iter().map(|b| b.page).collect();
        assert_eq!(pages, [1, 1, 1, 1, 1, 2, 2]);
        assert_eq!(blocks[0].bbox, [854, 280, 772, 148]);
        assert_eq!(blocks[4].bbox, [300, 2980, 1716, 232]);
        assert_eq!(blocks[5].bbox, [300, 300, 1792, 148]);
        let data = fixture("notice.hocr");
        assert!(data[blocks[1].start..].starts_with(b"<p class='ocr_par' id='par_1_2'"));
        assert!(blocks[6].text.starts_with("第一考场"), "&#19968; decoded");
    }

    #[test]
    fn case_table() {
        let s = summary;
        let cases: &[(&str, Vec<Summary>)] = &[
            // HTML, not XML: no declaration, unclosed <meta> and <p>, unquoted
            // attributes, a bare &, &nbsp;, an unknown entity, upper-case tags.
            (
                "<!DOCTYPE html><HTML><head><meta charset=utf-8><meta name=ocr-system content=tesseract></head>\
                 <body><div class=ocr_page title='bbox 0 0 100 100; ppageno 4'>\
                 <div class=ocr_carea><P class=ocr_par title='bbox 10 20 60 40'>\
                 <span class=ocr_line><span class=ocrx_word>A&nbsp;&amp;</span> <span class=ocrx_word>B & C &zz;</span>\
                 </span></div><br></div></body></HTML>",
                // &nbsp; is white space, so it separates like a space.
                vec![s("A & B & C &zz;", 5, [10, 20, 50, 20])],
            ),
            // Carea without paragraphs is the block; lines without words use their text.
            (
                "<html><body><div class='ocr_page' title='image \"a;b.png\"; bbox 0 0 9 9'>\
                 <div class='ocr_carea' title='bbox 1 2 3 4'><span class='ocr_line'> x <em>y</em>\n z </span>\
                 <span class='ocr_header'><span class='ocrx_word'>  w  </span></span></div>\
                 </div><div class='ocr_page'><p class='ocr_par'><span class='ocr_line'>\
                 <span class='ocrx_word'><strong>bold</strong></span></span></p></div></body></html>",
                vec![s("x y z\nw", 1, [1, 2, 2, 2]), s("bold", 2, [0; 4])],
            ),
            // A carea with paragraphs is not a block; empty paragraphs are skipped.
            (
                "<div class='ocr_page'><div class='ocr_carea' title='bbox 0 0 5 5'>\
                 <p class='ocr_par'><span class='ocr_line'><span class='ocrx_word'> </span></span></p>\
                 <p class='ocr_par' title='bbox 1 1 2 2; x_wconf 3'><span class='ocr_line'>\
                 <span class='ocrx_word'>kept</span></span></p></div></div>",
                vec![s("kept", 1, [1, 1, 1, 1])],
            ),
            // An unclosed inner element ends where its parent's closing tag starts.
            (
                "<div class='ocr_page'><p class='ocr_par'><span class='ocr_line'><span class='ocrx_word'>a\
                 </p><p class='ocr_par'><span class='ocr_line'>b</span></p></div>",
                vec![s("a", 1, [0; 4]), s("b", 1, [0; 4])],
            ),
            // A page without its own number takes its position; garbage after </html> is ignored.
            (
                "<div class='ocr_page' title='ppageno x'></div><div class='ocr_page'><p class='ocr_par'>\
                 <span class='ocr_line'>two</span></p></div></html></body>",
                vec![s("two", 2, [0; 4])],
            ),
            // A blank page; </html> closes the <body> left open.
            ("<html><body><div class='ocr_page'></div></html>", vec![]),
        ];
        for (data, want) in cases {
            assert_eq!(&summaries(Format::Hocr, data), want, "{data}");
        }
    }

    #[test]
    fn implicit_close_range() {
        let data =
            "<div class='ocr_page'><div class='ocr_carea'><p class='ocr_par'><span class='ocr_line'>a</div></div>";
        let blocks = parse(Format::Hocr, data.as_bytes()).unwrap();
        assert_eq!(&data[blocks[0].start..blocks[0].end], "<p class='ocr_par'><span class='ocr_line'>a");
    }

    #[test]
    fn title_properties() {
        type Props = (Option<[i64; 4]>, Option<i64>);
        let cases: &[(&str, Props)] = &[
            ("bbox 10 20 110 70; ppageno 3", (Some([10, 20, 100, 50]), Some(3))),
            ("image \"x.png\"; bbox 0 0 2480 3508; ppageno 0; scan_res 300 300", (Some([0, 0, 2480, 3508]), Some(0))),
            ("bbox 1 2 3", (None, None)),
            ("bbox 1 2 3 4 5", (None, None)),
            ("bbox a b c d", (None, None)),
            ("x_wconf 93", (None, None)),
            ("", (None, None)),
        ];
        for (title, want) in cases {
            assert_eq!(properties(title), *want, "{title}");
        }
    }

    #[test]
    fn errors() {
        let full = String::from_utf8(fixture("notice.hocr")).unwrap();
        let cut = &full[..full.find("Municipal").unwrap()];
        let cases: &[(&str, &str)] = &[
            (cut, "<span class=\"ocrx_word\"> from line 16 is not closed"),
            ("<html><body><p>Just a web page.</p></body></html>", "no hOCR elements"),
            ("<html><body><div class='ocr_page'><p class='ocr_par'>a</p></div>\n</body>", "<html> from line 1 is not"),
            ("plain text, nothing else", "no hOCR elements"),
            ("", "no hOCR elements"),
            ("<div class='ocr_page'><p class='ocr_par' title='bbox 1 2", "not found before end of input"),
            ("<div class='ocr_page'>\n<p class='ocr_par'><!-- note", "comment not closed"),
            ("<div class='ocr_page'>\u{fffd}\u{0}<\u{1}", "tag not closed"),
        ];
        for (data, want) in cases {
            match parse(Format::Hocr, data.as_bytes()) {
                Ok(b) => panic!("{data:?} parsed: {b:?}"),
                Err(e) => assert!(e.message.contains(want), "{data:?}: {e}"),
            }
        }
        let e = parse(Format::Hocr, b"<div class='ocr_page'>\xC3(").unwrap_err();
        assert_eq!((e.message.as_str(), e.offset), ("invalid UTF-8", 22));
    }
}

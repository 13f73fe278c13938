//! ALTO XML: one block per `TextBlock`.
//!
//! ALTO (versions 2 to 4; elements are matched by local name, so namespace
//! prefixes do not matter) nests `Page` → `PrintSpace` (or a margin) →
//! `TextBlock`, possibly inside `ComposedBlock`s → `TextLine` → `String`,
//! `SP`, `HYP`. The words are the `CONTENT` attributes of the `String`s; `SP`
//! only says there is a space, which joining the words by one space already
//! gives. A `HYP` at a line end (or a last `String` whose `SUBS_TYPE` is
//! `HypPart1`, when the engine wrote no `HYP`) appends `-` to the line, whatever its
//! `CONTENT` (`-`, `¬`, `⸗`, a soft hyphen), so a hyphenated word reads
//! `admis-\nsion`, which normalization rejoins as it does in plain text.
//! A `TextBlock` inside another (not valid ALTO) adds its lines to the outer.
//!
//! The page number is `Page@PHYSICAL_IMG_NR` when it is a positive integer,
//! else the position of the `Page` in the file; the box is the block's
//! `HPOS`, `VPOS`, `WIDTH`, `HEIGHT` (decimals rounded, a missing or broken
//! value read as 0), in the unit of the file's `MeasurementUnit`.

use quick_xml::events::BytesStart;

use super::{number, walk, Block, Ctx, Format, Handler, Lines, ParseError};

pub(super) fn parse(data: &[u8]) -> Result<Vec<Block>, ParseError> {
    let cx = Ctx { format: Format::Alto, data, html: false };
    let mut reader = Alto::default();
    walk(&cx, "alto", &mut reader)?;
    Ok(reader.blocks)
}

/// What an open element is to the reader.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Block,
    Line,
    Other,
}

#[derive(Default)]
struct Alto {
    blocks: Vec<Block>,
    roles: Vec<Role>,
    pages: u32,
    page: u32,
    block: Option<Building>,
    /// Words of the current line, and whether it ends with a `HYP`.
    line: Option<(Vec<String>, bool)>,
}

/// The outermost `TextBlock` being read.
struct Building {
    start: usize,
    bbox: [i64; 4],
    page: u32,
    lines: Lines,
}

impl Handler for Alto {
    fn open(&mut self, cx: &Ctx, name: &str, tag: &BytesStart, start: usize) -> Result<(), ParseError> {
        let attr = |key: &str| cx.attr(tag, key, start);
        let role = match name {
            "Page" => {
                self.pages = self.pages.saturating_add(1);
                let own = number(attr("PHYSICAL_IMG_NR")?.as_deref()).and_then(|n| u32::try_from(n).ok());
                self.page = own.filter(|&n| n > 0).unwrap_or(self.pages);
                Role::Other
            }
            "TextBlock" if self.block.is_none() => {
                let mut bbox = [0; 4];
                for (slot, key) in bbox.iter_mut().zip(["HPOS", "VPOS", "WIDTH", "HEIGHT"]) {
                    *slot = number(attr(key)?.as_deref()).unwrap_or(0);
                }
                self.block = Some(Building { start, bbox, page: self.page.max(1), lines: Lines::default() });
                Role::Block
            }
            "TextLine" if self.block.is_some() && self.line.is_none() => {
                self.line = Some((Vec::new(), false));
                Role::Line
            }
            "String" => {
                if let Some((words, hyphen)) = &mut self.line {
                    let content = attr("CONTENT")?.unwrap_or_default();
                    let word = super::collapse(&content);
                    if !word.is_empty() {
                        // A hyphen followed by more words was not at the line
                        // end; the first part of a divided word is one.
                        *hyphen = attr("SUBS_TYPE")?.as_deref() == Some("HypPart1");
                        words.push(word);
                    }
                }
                Role::Other
            }
            "HYP" => {
                if let Some((_, hyphen)) = &mut self.line {
                    *hyphen = true;
                }
                Role::Other
            }
            _ => Role::Other,
        };
        self.roles.push(role);
        Ok(())
    }

    fn close(&mut self, end: usize) {
        match self.roles.pop() {
            Some(Role::Line) => {
                if let (Some((words, hyphen)), Some(block)) = (self.line.take(), &mut self.block) {
                    let mut line = words.join(" ");
                    // Some engines leave the hyphen in the word as well.
                    if hyphen && !line.is_empty() && !line.ends_with('-') {
                        line.push('-');
                    }
                    block.lines.push(&line);
                }
            }
            Some(Role::Block) => {
                if let Some(b) = self.block.take() {
                    if let Some(text) = b.lines.text() {
                        self.blocks.push(Block { text, start: b.start, end, page: b.page, bbox: b.bbox });
                    }
                }
            }
            Some(Role::Other) | None => {}
        }
    }

    fn text(&mut self, _text: &str) {}
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check_fixture, summaries, summary, Summary};
    use super::super::{parse, Format};

    #[test]
    fn fixture() {
        let blocks = check_fixture(Format::Alto, "notice.alto.xml", "TextBlock");
        let pages: Vec<u32> = blocks.iter().map(|b| b.page).collect();
        assert_eq!(pages, [1, 1, 1, 1, 1, 2, 2]);
        assert_eq!(blocks[0].bbox, [854, 280, 772, 148]);
        assert_eq!(blocks[1].bbox, [300, 560, 1498, 232]);
        assert_eq!(blocks[6].bbox, [300, 520, 1664, 148]);
        // HYP kept at the line end; &amp; and &#x4E00; decoded.
        assert!(blocks[1].text.contains("their admis-\nsion ticket"));
        assert!(blocks[3].text.starts_with("Enquiries & appeals"));
        assert!(blocks[6].text.starts_with("第一考场"));
        // ComposedBlock members are blocks of their own.
        let data = super::super::tests::fixture("notice.alto.xml");
        assert!(data[blocks[1].start..].starts_with(b"<TextBlock ID=\"TB2\""));
        assert!(data[blocks[2].start..].starts_with(b"<TextBlock ID=\"TB3\""));
    }

    #[test]
    fn case_table() {
        let s = summary;
        let cases: &[(&str, Vec<Summary>)] = &[
            // ALTO v2 with a prefix, decimals in the box, page number from the file.
            (
                "<a:alto xmlns:a='http://www.loc.gov/standards/alto/ns-v2#'><a:Layout>\
                 <a:Page PHYSICAL_IMG_NR='7'><a:PrintSpace><a:TextBlock HPOS='1.4' VPOS='2.6' WIDTH='30' HEIGHT='x'>\
                 <a:TextLine><a:String CONTENT='Q&amp;A'/><a:SP/><a:String CONTENT='&#x4E00;&#27425;'/></a:TextLine>\
                 </a:TextBlock></a:PrintSpace></a:Page></a:Layout></a:alto>",
                vec![s("Q&A 一次", 7, [1, 3, 30, 0])],
            ),
            // Pages without numbers count in order; empty blocks are skipped.
            (
                "<alto><Layout><Page><TextBlock><TextLine><String CONTENT=' '/></TextLine></TextBlock></Page>\
                 <Page PHYSICAL_IMG_NR='0'><TextBlock><TextLine><String CONTENT='b'/></TextLine></TextBlock></Page>\
                 </Layout></alto>",
                vec![s("b", 2, [0; 4])],
            ),
            // HYP with and without CONTENT, a hyphen already in the word, a HYP not at the end.
            (
                "<alto><TextBlock>\
                 <TextLine><String CONTENT='exam'/><HYP CONTENT='¬'/></TextLine>\
                 <TextLine><String CONTENT='ple'/><HYP/></TextLine>\
                 <TextLine><String CONTENT='well-'/><HYP CONTENT='-'/></TextLine>\
                 <TextLine><String CONTENT='a'/><HYP/><String CONTENT='b'/></TextLine>\
                 <TextLine><String CONTENT='divi' SUBS_TYPE='HypPart1' SUBS_CONTENT='divided'/></TextLine>\
                 <TextLine><String CONTENT='ded' SUBS_TYPE='HypPart2' SUBS_CONTENT='divided'/></TextLine>\
                 </TextBlock></alto>",
                vec![s("exam-\nple-\nwell-\na b\ndivi-\nded", 1, [0; 4])],
            ),
            // ComposedBlock inside ComposedBlock; blank lines dropped; Strings outside lines ignored.
            (
                "<alto><Page><ComposedBlock><ComposedBlock>\
                 <TextBlock><TextLine/><TextLine><String CONTENT='one'/></TextLine><String CONTENT='x'/></TextBlock>\
                 </ComposedBlock><TextBlock><TextLine><String CONTENT=' two  words '/></TextLine></TextBlock>\
                 </ComposedBlock></Page></alto>",
                vec![s("one", 1, [0; 4]), s("two words", 1, [0; 4])],
            ),
            // A TextBlock inside a TextBlock adds to the outer one.
            (
                "<alto><TextBlock><TextLine><String CONTENT='a'/></TextLine>\
                 <TextBlock><TextLine><String CONTENT='b'/></TextLine></TextBlock></TextBlock></alto>",
                vec![s("a\nb", 1, [0; 4])],
            ),
            ("<alto/>", vec![]),
        ];
        for (data, want) in cases {
            assert_eq!(&summaries(Format::Alto, data), want, "{data}");
        }
    }

    #[test]
    fn errors() {
        let cases: &[(&str, &str, usize)] = &[
            ("<alto>\n<Layout>\n<Page>\n<TextBlock>", "<TextBlock> from line 4 is not closed", 4),
            ("<alto>\n<TextBlock>\n<TextLine>\n</TextBlock>", "</TextBlock> does not match <TextLine> from line 3", 4),
            ("<alto><TextBlock HPOS='1' HPOS='2'/></alto>", "bad attribute", 1),
            ("<alto><TextBlock><TextLine><String CONTENT='&bogus;'/></TextLine></TextBlock></alto>", "bad value", 1),
            ("<alto><TextBlock><TextLine><String CONTENT='a", "not found before end of input", 1),
            ("\u{0}\u{1}garbage\u{7f}", "text outside the root element", 1),
        ];
        for (data, want, line) in cases {
            match parse(Format::Alto, data.as_bytes()) {
                Ok(b) => panic!("{data:?} parsed: {b:?}"),
                Err(e) => assert!(e.message.contains(want) && e.line == *line, "{data:?}: {e}"),
            }
        }
    }
}

//! PAGE XML: one block per `TextRegion`.
//!
//! PAGE (PRImA; 2013 and 2019 schemas, older ones where they agree) nests
//! `PcGts` → `Page` → `TextRegion` → `TextLine` → `Word` → `Glyph`, and any
//! of these may carry its text in `TextEquiv/Unicode`. A region's text is its
//! own `TextEquiv` when that is not empty; else its lines joined by `\n`,
//! where a line's text is its own `TextEquiv`, else its words' joined by one
//! space. Of several `TextEquiv`s of one element the one with the lowest
//! `index` wins (the first when none has an index). A region inside a
//! region is a block of its own, and the outer one then only reads its own
//! lines, so nested text is never reported twice.
//!
//! The box is the smallest rectangle around the region's `Coords@points`
//! (`"x,y x,y …"`) or its legacy `Point x= y=` children. The schema allows
//! one `Page` per file; several are read in order, numbered 1, 2, ….

use quick_xml::events::BytesStart;

use super::{number, walk, Block, Bounds, Ctx, Format, Handler, Lines, ParseError};

pub(super) fn parse(data: &[u8]) -> Result<Vec<Block>, ParseError> {
    let cx = Ctx { format: Format::Page, data, html: false };
    let mut reader = PageXml::default();
    walk(&cx, "PcGts", &mut reader)?;
    Ok(reader.blocks)
}

/// What an open element is to the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Region,
    Line,
    Word,
    /// A `TextEquiv` of the innermost region, line or word.
    Equiv,
    /// A `Unicode` in such a `TextEquiv`.
    Unicode,
    /// The `Coords` of a region, whose `Point`s count.
    RegionCoords,
    Other,
}

#[derive(Default)]
struct PageXml {
    blocks: Vec<Block>,
    roles: Vec<Role>,
    pages: u32,
    /// Regions being read, outermost first.
    regions: Vec<Region>,
    line: Option<Unit>,
    word: Option<Unit>,
    /// The `TextEquiv` being read: its owner, index and text so far.
    equiv: Option<(Role, i64, String)>,
}

struct Region {
    start: usize,
    page: u32,
    bounds: Bounds,
    nested: bool,
    unit: Unit,
}

/// What a region, line or word has read.
#[derive(Default)]
struct Unit {
    /// The winning `TextEquiv`: index and text.
    equiv: Option<(i64, String)>,
    /// Text of the lines (of a region) or words (of a line).
    parts: Lines,
}

impl Unit {
    fn offer(&mut self, index: i64, text: String) {
        if text.is_empty() {
            return;
        }
        if self.equiv.as_ref().is_none_or(|(best, _)| index < *best) {
            self.equiv = Some((index, text));
        }
    }

    /// Own text, else the parts joined by `sep`.
    fn text(self, sep: &str) -> Option<String> {
        match self.equiv {
            Some((_, text)) => Some(text),
            None => (!self.parts.lines.is_empty()).then(|| self.parts.lines.join(sep)),
        }
    }
}

/// Adds every point of a PAGE `points` attribute (`"x,y x,y …"`) to `bounds`;
/// malformed pairs are skipped.
fn add_points(bounds: &mut Bounds, points: &str) {
    for pair in points.split_whitespace() {
        if let Some((x, y)) = pair.split_once(',') {
            if let (Some(x), Some(y)) = (number(Some(x)), number(Some(y))) {
                bounds.add(x, y);
            }
        }
    }
}

impl Handler for PageXml {
    fn open(&mut self, cx: &Ctx, name: &str, tag: &BytesStart, start: usize) -> Result<(), ParseError> {
        let parent = self.roles.last().copied();
        let role = match name {
            "Page" => {
                self.pages = self.pages.saturating_add(1);
                Role::Other
            }
            "TextRegion" => {
                if let Some(outer) = self.regions.last_mut() {
                    outer.nested = true;
                }
                let page = self.pages.max(1);
                self.regions.push(Region {
                    start,
                    page,
                    bounds: Bounds::default(),
                    nested: false,
                    unit: Unit::default(),
                });
                Role::Region
            }
            "TextLine" if parent == Some(Role::Region) => {
                self.line = Some(Unit::default());
                Role::Line
            }
            "Word" if parent == Some(Role::Line) => {
                self.word = Some(Unit::default());
                Role::Word
            }
            "TextEquiv" if matches!(parent, Some(Role::Region | Role::Line | Role::Word)) => {
                let index = number(cx.attr(tag, "index", start)?.as_deref()).unwrap_or(i64::MAX);
                self.equiv = parent.map(|owner| (owner, index, String::new()));
                Role::Equiv
            }
            "Unicode" if parent == Some(Role::Equiv) => Role::Unicode,
            "Coords" if parent == Some(Role::Region) => {
                if let (Some(points), Some(region)) = (cx.attr(tag, "points", start)?, self.regions.last_mut()) {
                    add_points(&mut region.bounds, &points);
                }
                Role::RegionCoords
            }
            "Point" if parent == Some(Role::RegionCoords) => {
                let x = number(cx.attr(tag, "x", start)?.as_deref());
                let y = number(cx.attr(tag, "y", start)?.as_deref());
                if let (Some(x), Some(y), Some(region)) = (x, y, self.regions.last_mut()) {
                    region.bounds.add(x, y);
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
            Some(Role::Equiv) => {
                if let Some((owner, index, text)) = self.equiv.take() {
                    let mut lines = Lines::default();
                    text.lines().for_each(|l| lines.push(l));
                    let text = lines.text().unwrap_or_default();
                    let unit = match owner {
                        Role::Word => self.word.as_mut(),
                        Role::Line => self.line.as_mut(),
                        _ => self.regions.last_mut().map(|r| &mut r.unit),
                    };
                    if let Some(unit) = unit {
                        unit.offer(index, text);
                    }
                }
            }
            Some(Role::Word) => {
                if let (Some(text), Some(line)) = (self.word.take().and_then(|w| w.text(" ")), &mut self.line) {
                    line.parts.push(&text);
                }
            }
            Some(Role::Line) => {
                if let (Some(text), Some(region)) =
                    (self.line.take().and_then(|l| l.text(" ")), self.regions.last_mut())
                {
                    region.unit.parts.push(&text);
                }
            }
            Some(Role::Region) => {
                if let Some(mut region) = self.regions.pop() {
                    if region.nested {
                        region.unit.equiv = None;
                    }
                    if let Some(text) = region.unit.text("\n") {
                        let bbox = region.bounds.bbox();
                        self.blocks.push(Block { text, start: region.start, end, page: region.page, bbox });
                    }
                }
            }
            Some(Role::Unicode | Role::RegionCoords | Role::Other) | None => {}
        }
    }

    fn text(&mut self, text: &str) {
        if self.roles.last() == Some(&Role::Unicode) {
            if let Some((_, _, buf)) = &mut self.equiv {
                buf.push_str(text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check_fixture, fixture, summaries, summary, Summary};
    use super::super::{parse, Bounds, Format};
    use super::add_points;

    #[test]
    fn fixture_blocks() {
        let blocks = check_fixture(Format::Page, "notice.page.xml", "TextRegion");
        let pages: Vec<u32> = blocks.iter().map(|b| b.page).collect();
        assert_eq!(pages, [1, 1, 1, 1, 1, 2, 2]);
        assert_eq!(blocks[2].bbox, [300, 900, 1472, 148]);
        assert_eq!(blocks[3].bbox, [300, 1120, 1716, 64]);
        // An L-shaped outline: the box is its min/max.
        assert_eq!(blocks[6].bbox, [300, 520, 1664, 148]);
        let data = fixture("notice.page.xml");
        assert!(data[blocks[5].start..].starts_with(b"<TextRegion id=\"r6\""));
    }

    #[test]
    fn case_table() {
        let s = summary;
        let cases: &[(&str, Vec<Summary>)] = &[
            // Region text wins over lines; a prefix; the lowest index wins.
            (
                "<pc:PcGts xmlns:pc='http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15'><pc:Page>\
                 <pc:TextRegion><pc:Coords points='10,20 30,20 30,60 10,60'/>\
                 <pc:TextLine><pc:TextEquiv><pc:Unicode>line</pc:Unicode></pc:TextEquiv></pc:TextLine>\
                 <pc:TextEquiv index='2'><pc:Unicode>second</pc:Unicode></pc:TextEquiv>\
                 <pc:TextEquiv index='1'><pc:PlainText>plain</pc:PlainText><pc:Unicode>first &amp; best</pc:Unicode>\
                 </pc:TextEquiv></pc:TextRegion></pc:Page></pc:PcGts>",
                vec![s("first & best", 1, [10, 20, 20, 40])],
            ),
            // Lines from words; glyph text ignored; an empty region TextEquiv falls back to lines.
            (
                "<PcGts><Page><TextRegion><TextLine><Coords points='0,0 999,999'/>\
                 <Word><TextEquiv><Unicode>a</Unicode></TextEquiv></Word>\
                 <Word><Glyph><TextEquiv><Unicode>g</Unicode></TextEquiv></Glyph></Word>\
                 <Word><TextEquiv><Unicode><![CDATA[b<c]]></Unicode></TextEquiv></Word></TextLine>\
                 <TextLine><TextEquiv><Unicode>  second  </Unicode></TextEquiv></TextLine>\
                 <TextEquiv><Unicode> </Unicode></TextEquiv></TextRegion></Page></PcGts>",
                vec![s("a b<c\nsecond", 1, [0; 4])],
            ),
            // Legacy Point children; pages in order; empty regions skipped; multi-line Unicode trimmed.
            (
                "<PcGts><Page><TextRegion><Coords><Point x='5' y='6'/><Point x='1' y='9'/><Point x='bad' y='0'/>\
                 </Coords><TextEquiv><Unicode>\n  one\r\n\n  two  \n</Unicode></TextEquiv></TextRegion></Page>\
                 <Page><TextRegion><Coords points='1,1'/></TextRegion>\
                 <TextRegion><TextEquiv><Unicode>three</Unicode></TextEquiv></TextRegion></Page></PcGts>",
                vec![s("one\ntwo", 1, [1, 6, 4, 3]), s("three", 2, [0; 4])],
            ),
            // Nested regions: each is a block; the outer keeps only its own lines, in document order.
            (
                "<PcGts><Page><TextRegion><TextEquiv><Unicode>all of it</Unicode></TextEquiv>\
                 <TextRegion><TextEquiv><Unicode>inner</Unicode></TextEquiv></TextRegion>\
                 <TextLine><TextEquiv><Unicode>outer line</Unicode></TextEquiv></TextLine></TextRegion></Page></PcGts>",
                vec![s("outer line", 1, [0; 4]), s("inner", 1, [0; 4])],
            ),
            ("<PcGts/>", vec![]),
        ];
        for (data, want) in cases {
            assert_eq!(&summaries(Format::Page, data), want, "{data}");
        }
    }

    #[test]
    fn points() {
        let cases: &[(&str, [i64; 4])] = &[
            ("10,20 30,20 30,60 10,60", [10, 20, 20, 40]),
            ("  5,5\n\t7,1  ", [5, 1, 2, 4]),
            ("1.5,2.5 3,4", [2, 3, 1, 1]),
            ("1,2,3 4;5 x,y 8,9", [8, 9, 0, 0]),
            ("", [0; 4]),
        ];
        for (points, want) in cases {
            let mut b = Bounds::default();
            add_points(&mut b, points);
            assert_eq!(b.bbox(), *want, "{points}");
        }
    }

    #[test]
    fn errors() {
        let full = String::from_utf8(fixture("notice.page.xml")).unwrap();
        let cut = &full[..full.find("<Unicode>Enquiries").unwrap()];
        let cases: &[(&str, &str)] = &[
            (cut, "<TextEquiv> from line 83 is not closed"),
            ("<PcGts><Page><TextRegion></Page></PcGts>", "does not match <TextRegion>"),
            ("<alto/>", "root element is <alto>, expected <PcGts>"),
            ("{\"not\": \"xml\"}", "text outside the root element"),
        ];
        for (data, want) in cases {
            match parse(Format::Page, data.as_bytes()) {
                Ok(b) => panic!("{data:?} parsed: {b:?}"),
                Err(e) => assert!(e.message.contains(want), "{data:?}: {e}"),
            }
        }
    }
}

//! The OCR readers on arbitrary bytes: `ocr::parse` for ALTO, hOCR and PAGE,
//! and `ocr::detect`.
//!
//! Properties: no panic; on `Ok`, every block has `start < end <= len`,
//! non-empty text, and blocks are sorted by start; on `Err`, the offset is
//! inside the data and the line is the 1-based line of that offset; `detect`
//! says `None` for input whose first non-blank byte (after a BOM) is not `<`,
//! always for a plain-text file name, and for a name without an OCR hint
//! only when content gives none.
//!
//! Random bytes are rarely well-formed XML, so each input is also parsed
//! spliced into the middle of a small valid document of each format (inside
//! a block, after one word): the same properties then hold for the whole
//! document, and `Ok` results are common.
#![no_main]

use std::path::Path;

use doublet::ocr::{detect, parse, Format};
use libfuzzer_sys::fuzz_target;

const TEMPLATES: [(Format, &str, &str); 3] = [
    (
        Format::Alto,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\"><Layout>\
         <Page ID=\"P1\" PHYSICAL_IMG_NR=\"1\"><PrintSpace>\n<TextBlock ID=\"TB1\" HPOS=\"1\" VPOS=\"2\" WIDTH=\"3\" HEIGHT=\"4\">\
         <TextLine><String CONTENT=\"first\"/><SP/>",
        "</TextLine></TextBlock>\n<TextBlock ID=\"TB2\"><TextLine><String CONTENT=\"last\"/></TextLine></TextBlock>\
         </PrintSpace></Page></Layout></alto>\n",
    ),
    (
        Format::Hocr,
        "<!DOCTYPE html>\n<html><head><meta name='ocr-system' content='tesseract'></head><body>\n\
         <div class='ocr_page' title='bbox 0 0 100 100; ppageno 0'><p class='ocr_par' title='bbox 1 2 3 4'>\
         <span class='ocr_line'><span class='ocrx_word'>first</span> ",
        "</span></p>\n<p class='ocr_par'><span class='ocr_line'><span class='ocrx_word'>last</span></span></p></div>\
         </body></html>\n",
    ),
    (
        Format::Page,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PcGts xmlns=\"http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15\">\
         <Page imageWidth=\"10\" imageHeight=\"10\">\n<TextRegion id=\"r1\"><Coords points=\"1,2 3,4\"/>\
         <TextLine id=\"l1\"><TextEquiv><Unicode>first</Unicode></TextEquiv></TextLine>",
        "</TextRegion>\n<TextRegion id=\"r2\"><TextEquiv><Unicode>last</Unicode></TextEquiv></TextRegion>\
         </Page></PcGts>\n",
    ),
];

fuzz_target!(|data: &[u8]| {
    check(data);
    for (format, head, tail) in TEMPLATES {
        let doc = [head.as_bytes(), data, tail.as_bytes()].concat();
        let blocks = check_parse(format, &doc);
        if data.is_empty() {
            assert_eq!(blocks, Some(2), "{format}: the bare template");
        }
        // The root element or the `ocr-system` meta precede the input.
        assert_eq!(detect(None, &doc), Some(format), "detect: template");
    }
});

fn check(data: &[u8]) {
    for format in [Format::Alto, Format::Hocr, Format::Page] {
        let _ = check_parse(format, data);
    }
    check_detect(data);
}

/// Checks what `parse` gives; returns the number of blocks, or `None` on error.
fn check_parse(format: Format, data: &[u8]) -> Option<usize> {
    match parse(format, data) {
        Ok(blocks) => {
            for b in &blocks {
                assert!(b.start < b.end, "{format}: block {}..{} empty", b.start, b.end);
                assert!(b.end <= data.len(), "{format}: block ends at {} past {}", b.end, data.len());
                assert!(!b.text.is_empty(), "{format}: block {}..{} has no text", b.start, b.end);
            }
            for w in blocks.windows(2) {
                assert!(w[0].start <= w[1].start, "{format}: blocks not sorted by start");
            }
            Some(blocks.len())
        }
        Err(e) => {
            assert_eq!(e.format, format);
            assert!(e.offset <= data.len(), "{format}: error offset {} past {}", e.offset, data.len());
            let line = data[..e.offset].iter().filter(|&&b| b == b'\n').count() + 1;
            assert_eq!(e.line, line, "{format}: error line of offset {}", e.offset);
            let _ = e.to_string();
            None
        }
    }
}

fn check_detect(data: &[u8]) {
    let sniffed = detect(None, data);
    let head = &data[..data.len().min(doublet::ocr::SNIFF_LEN)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'<') {
        assert_eq!(sniffed, None, "detect: not markup but {sniffed:?}");
    }
    assert_eq!(detect(Some(Path::new("notes.txt")), data), None, "detect: plain-text name");
    // A name without an OCR hint decides nothing; a hinting name only fills in
    // where the content is silent.
    assert_eq!(detect(Some(Path::new("scan.xml")), data), sniffed);
    if let Some(f) = sniffed {
        assert_eq!(detect(Some(Path::new("x.hocr")), data), Some(f), "detect: content must win over the name");
    }
}

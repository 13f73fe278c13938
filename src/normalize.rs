//! Text normalization for fingerprinting, with an offset map back to raw bytes.
//!
//! Two copies of a passage rarely agree byte for byte: one has full-width
//! digits, the other ASCII; one curly quotes, the other straight; one is wrapped
//! at 40 columns, the other is one long line. Fingerprints are therefore taken
//! on a *normalized* form: Unicode NFKC (which also folds full-width and
//! half-width forms), lower case, and with every punctuation mark, separator,
//! whitespace and control character removed. What remains is the sequence of
//! letters, digits, ideographs and symbols that carries the content.
//!
//! Because everything found in normalized text must be reported in the raw
//! file, [`normalize`] can record for every normalized character the byte
//! offset (relative to the input slice) of the raw character it came from.
//!
//! Invalid UTF-8 never stops normalization: each maximal invalid byte sequence
//! becomes one U+FFFD mapped to its own offset, so byte offsets stay exact.
//!
//! ASCII and the CJK Unified Ideographs block are NFKC-stable and caseless
//! (ideographs) or trivially cased (ASCII), so they take a fast path that never
//! enters the normalization tables.

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// Identifies this normalization in report headers and persisted data; bump it
/// whenever the output of [`normalize`] changes for any input.
pub const VERSION: &str = "nfkc-lower-strip-1";

/// Normalizes `raw` into `out` (cleared first). When `offsets` is given it is
/// cleared and receives, for each `char` pushed to `out`, the byte offset in
/// `raw` of the character it was produced from.
pub fn normalize(raw: &[u8], out: &mut String, mut offsets: Option<&mut Vec<u32>>) {
    out.clear();
    if let Some(o) = offsets.as_deref_mut() {
        o.clear();
    }
    let mut cluster = Cluster::default();
    let mut pos = 0usize;
    for chunk in raw.utf8_chunks() {
        for (i, c) in chunk.valid().char_indices() {
            let at = (pos + i) as u32;
            if let Some(kept) = fast_path(c) {
                cluster.flush(out, offsets.as_deref_mut());
                cluster.begin_fast(c, kept, at);
            } else if starts_cluster(c) || cluster.is_empty() {
                // A combining mark with nothing before it stands alone.
                cluster.flush(out, offsets.as_deref_mut());
                cluster.begin(c, at);
            } else {
                cluster.extend(c);
            }
        }
        pos += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            cluster.flush(out, offsets.as_deref_mut());
            push(out, offsets.as_deref_mut(), char::REPLACEMENT_CHARACTER, pos as u32);
            pos += chunk.invalid().len();
        }
    }
    cluster.flush(out, offsets);
}

/// `Some(Some(c))`: keep `c`; `Some(None)`: drop; `None`: needs the full path.
#[inline]
fn fast_path(c: char) -> Option<Option<char>> {
    if c.is_ascii() {
        return Some(if c.is_ascii_alphanumeric() {
            Some(c.to_ascii_lowercase())
        } else if matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~') {
            // ASCII symbols (categories Sc, Sm, Sk) are content, not punctuation.
            Some(c)
        } else {
            None
        });
    }
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return Some(Some(c));
    }
    None
}

/// A normalization boundary: nothing before it can compose with it.
fn starts_cluster(c: char) -> bool {
    canonical_combining_class(c) == 0 && is_nfkc_quick(std::iter::once(c)) != IsNormalized::Maybe
}

/// One starter and the combining characters that follow it: the unit that
/// NFKC composes, mapped as a whole to the starter's raw offset. A starter
/// from the fast path stays a single character with its known result unless
/// a combining mark follows it.
#[derive(Default)]
struct Cluster {
    text: String,
    at: u32,
    /// `Some(result)` while the cluster is one fast-path character.
    fast: Option<Option<char>>,
}

impl Cluster {
    fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn begin(&mut self, c: char, at: u32) {
        self.text.push(c);
        self.at = at;
        self.fast = None;
    }

    fn begin_fast(&mut self, c: char, kept: Option<char>, at: u32) {
        self.begin(c, at);
        self.fast = Some(kept);
    }

    fn extend(&mut self, c: char) {
        self.text.push(c);
        self.fast = None;
    }

    fn flush(&mut self, out: &mut String, mut offsets: Option<&mut Vec<u32>>) {
        if let Some(kept) = self.fast.take() {
            if let Some(k) = kept {
                push(out, offsets, k, self.at);
            }
            self.text.clear();
            return;
        }
        if self.text.is_empty() {
            return;
        }
        for n in self.text.nfkc() {
            for l in n.to_lowercase() {
                match l {
                    'ß' => {
                        push(out, offsets.as_deref_mut(), 's', self.at);
                        push(out, offsets.as_deref_mut(), 's', self.at);
                    }
                    'ς' => push(out, offsets.as_deref_mut(), 'σ', self.at),
                    l if keeps(l) => push(out, offsets.as_deref_mut(), l, self.at),
                    _ => {}
                }
            }
        }
        self.text.clear();
    }
}

/// Whether a normalized character carries content (is not punctuation,
/// separator, whitespace, control or format).
pub fn keeps(c: char) -> bool {
    if c.is_whitespace() {
        return false;
    }
    !matches!(c.general_category_group(), GeneralCategoryGroup::Punctuation | GeneralCategoryGroup::Separator)
        && !matches!(
            c.general_category(),
            unicode_properties::GeneralCategory::Control | unicode_properties::GeneralCategory::Format
        )
}

#[inline]
fn push(out: &mut String, offsets: Option<&mut Vec<u32>>, c: char, at: u32) {
    out.push(c);
    if let Some(o) = offsets {
        o.push(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        let mut out = String::new();
        normalize(s.as_bytes(), &mut out, None);
        out
    }

    #[test]
    fn case_table() {
        let cases: &[(&str, &str)] = &[
            ("Hello, World!", "helloworld"),
            ("ＡＢＣ１２３", "abc123"),
            ("“quoted” «text» 'x'", "quotedtextx"),
            ("考生须凭本人准考证、有效身份证件。", "考生须凭本人准考证有效身份证件"),
            ("全角（括号）和　空格", "全角括号和空格"),
            ("exam-\nple", "example"),
            ("line\r\nbreak\ttab", "linebreaktab"),
            ("Straße", "strasse"),
            ("ΟΔΟΣ", "οδοσ"),
            ("e\u{301}", "\u{e9}"),
            ("ﬁne", "fine"),
            ("ｶﾞ", "カ\u{3099}"),
            ("a$b+c", "a$b+c"),
            ("①②", "12"),
            ("\u{200b}zero\u{feff}width", "zerowidth"),
            ("", ""),
            ("。，、！？", ""),
        ];
        for (input, want) in cases {
            assert_eq!(n(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn invalid_utf8_keeps_offsets() {
        let raw = b"ab\xff\xfecd\xe8\x80";
        let mut out = String::new();
        let mut off = Vec::new();
        normalize(raw, &mut out, Some(&mut off));
        assert_eq!(out, "ab\u{fffd}\u{fffd}cd\u{fffd}");
        assert_eq!(off, vec![0, 1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn offsets_point_at_source_characters() {
        let raw = "Ａ,b  “c” 考生\ne\u{301}x".as_bytes();
        let mut out = String::new();
        let mut off = Vec::new();
        normalize(raw, &mut out, Some(&mut off));
        assert_eq!(out, "abc考生\u{e9}x");
        let src: Vec<&str> = off
            .iter()
            .map(|&o| {
                let s = &std::str::from_utf8(raw).unwrap()[o as usize..];
                &s[..s.chars().next().unwrap().len_utf8()]
            })
            .collect();
        assert_eq!(src, vec!["Ａ", "b", "c", "考", "生", "e", "x"]);
    }

    fn piece() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            "[a-zA-Z0-9 ,.!?-]{1,4}".prop_map(String::into_bytes),
            "[考生须凭本人准考证、。，（）]{1,3}".prop_map(String::into_bytes),
            "[ＡＢｃ１２\u{3000}ｶﾞ“”]{1,3}".prop_map(String::into_bytes),
            "[e\u{301}\u{308}ßİΣς\u{200b}\n\r\t]{1,3}".prop_map(String::into_bytes),
            proptest::collection::vec(0x80u8..=0xff, 1..3),
        ]
    }

    proptest::proptest! {
        /// The offset map has one entry per output character, never goes
        /// backwards, and always points at the start of a raw character.
        #[test]
        fn offset_map_is_consistent(pieces in proptest::collection::vec(piece(), 0..12)) {
            let raw: Vec<u8> = pieces.concat();
            let mut out = String::new();
            let mut off = Vec::new();
            normalize(&raw, &mut out, Some(&mut off));
            proptest::prop_assert_eq!(out.chars().count(), off.len());
            proptest::prop_assert!(off.windows(2).all(|w| w[0] <= w[1]));
            let starts: Vec<usize> = raw
                .utf8_chunks()
                .scan(0usize, |pos, chunk| {
                    let base = *pos;
                    *pos += chunk.valid().len() + chunk.invalid().len();
                    let mut v: Vec<usize> = chunk.valid().char_indices().map(|(i, _)| base + i).collect();
                    if !chunk.invalid().is_empty() {
                        v.push(base + chunk.valid().len());
                    }
                    Some(v)
                })
                .flatten()
                .collect();
            for o in &off {
                proptest::prop_assert!(starts.binary_search(&(*o as usize)).is_ok(), "offset {o} is not a character start");
            }
            // Without the map the text is the same.
            let mut plain = String::new();
            normalize(&raw, &mut plain, None);
            proptest::prop_assert_eq!(plain, out);
        }
    }
}

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
//! Most characters of real text (ASCII, ideographs, kana, Hangul syllables,
//! CJK punctuation, full-width forms) start a normalization cluster of their
//! own and normalize alone to at most one character: those of the Basic
//! Multilingual Plane are normalized by one lookup in a table made once from
//! the full path, and only the rest (combining sequences, expansions such as
//! ﬁ or ①) go through the normalization tables.

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// Identifies this normalization in report headers and persisted data; bump it
/// whenever the output of [`normalize`] changes for any input.
pub const VERSION: &str = "nfkc-lower-strip-2";

/// Normalizes `raw` into `out` (cleared first). When `offsets` is given it is
/// cleared and receives, for each `char` pushed to `out`, the byte offset in
/// `raw` of the character it was produced from.
pub fn normalize(raw: &[u8], out: &mut String, mut offsets: Option<&mut Vec<u32>>) {
    out.clear();
    if let Some(o) = offsets.as_deref_mut() {
        o.clear();
    }
    out.reserve(raw.len());
    let table = fast_table();
    let mut cluster = Cluster::default();
    let mut i = 0;
    while i < raw.len() {
        let at = i as u32;
        let (c, len) = match decode(raw, i) {
            Ok(decoded) => decoded,
            Err(len) => {
                cluster.flush(out, offsets.as_deref_mut());
                push(out, offsets.as_deref_mut(), char::REPLACEMENT_CHARACTER, at);
                i += len;
                continue;
            }
        };
        if let Some(kept) = fast_path(table, c) {
            cluster.flush(out, offsets.as_deref_mut());
            cluster.begin_fast(c, kept, at);
        } else if starts_cluster(c) || cluster.is_empty() {
            // A combining mark with nothing before it stands alone.
            cluster.flush(out, offsets.as_deref_mut());
            cluster.begin(c, at);
        } else {
            cluster.extend(c);
        }
        i += len;
    }
    cluster.flush(out, offsets);
}

/// The character at byte `i` of `raw` and its length in bytes, or the length
/// of the invalid sequence there (one maximal subpart, as
/// [`slice::utf8_chunks`] splits invalid input). ASCII and three-byte
/// sequences (CJK ideographs among them) are decoded here; the rest by the
/// standard library.
#[inline]
fn decode(raw: &[u8], i: usize) -> Result<(char, usize), usize> {
    let b = raw[i];
    if b < 0x80 {
        return Ok((char::from(b), 1));
    }
    // Lead bytes E1..EC and EE..EF take any two continuation bytes (E0 and
    // ED restrict the second byte: overlong forms and surrogates).
    if matches!(b, 0xE1..=0xEC | 0xEE..=0xEF) {
        if let [_, x, y, ..] = raw[i..] {
            if x & 0xC0 == 0x80 && y & 0xC0 == 0x80 {
                let code = u32::from(b & 0x0F) << 12 | u32::from(x & 0x3F) << 6 | u32::from(y & 0x3F);
                // Three-byte forms from these leads are never surrogates.
                return Ok((char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER), 3));
            }
        }
    }
    let window = &raw[i..(i + 4).min(raw.len())];
    let chunk = window.utf8_chunks().next().expect("a non-empty window has a chunk");
    match chunk.valid().chars().next() {
        Some(c) => Ok((c, c.len_utf8())),
        None => Err(chunk.invalid().len()),
    }
}

/// `Some(Some(c))`: keep `c`; `Some(None)`: drop; `None`: needs the full path.
#[inline]
fn fast_path(table: &[u32; 0x10000], c: char) -> Option<Option<char>> {
    match table.get(c as usize).copied().unwrap_or(SLOW) {
        SLOW => None,
        DROPPED => Some(None),
        k => Some(char::from_u32(k)),
    }
}

/// In [`fast_table`]: the character needs the full path.
const SLOW: u32 = u32::MAX;
/// In [`fast_table`]: the character is dropped (U+0000, a control, is never kept).
const DROPPED: u32 = 0;

/// For every character of the Basic Multilingual Plane that is a
/// normalization boundary and normalizes, alone, to at most one character:
/// that character, or [`DROPPED`]; [`SLOW`] for the others. A boundary
/// starts a cluster of its own, so a cluster of one such character is
/// normalized by a lookup; a combining mark after it makes the cluster the
/// full path's again. Made once, from the full path itself.
fn fast_table() -> &'static [u32; 0x10000] {
    static TABLE: std::sync::OnceLock<Box<[u32; 0x10000]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Box::new([SLOW; 0x10000]);
        let mut out = String::new();
        for (u, entry) in (0u32..).zip(table.iter_mut()) {
            let Some(c) = char::from_u32(u).filter(|&c| starts_cluster(c)) else { continue };
            out.clear();
            let mut cluster = Cluster::default();
            cluster.begin(c, 0);
            cluster.flush(&mut out, None);
            let mut chars = out.chars();
            *entry = match (chars.next(), chars.next()) {
                (None, _) => DROPPED,
                (Some(k), None) => u32::from(k),
                _ => SLOW,
            };
        }
        table
    })
}

/// A normalization boundary: nothing before it can compose with it. A
/// character that NFKC replaces is one when what replaces it begins with
/// such a character: half-width ﾞ becomes a combining mark that composes
/// with the kana before it.
fn starts_cluster(c: char) -> bool {
    let quick = |c: char| is_nfkc_quick(std::iter::once(c));
    match quick(c) {
        IsNormalized::Maybe => false,
        _ if canonical_combining_class(c) != 0 => false,
        IsNormalized::Yes => true,
        IsNormalized::No => {
            let mut first = None;
            unicode_normalization::char::decompose_compatible(c, |d| {
                first.get_or_insert(d);
            });
            first.is_none_or(|d| d == c || (canonical_combining_class(d) == 0 && quick(d) != IsNormalized::Maybe))
        }
    }
}

/// One starter and the combining characters that follow it: the unit that
/// NFKC composes, mapped as a whole to the starter's raw offset. A starter
/// from the fast path stays a single character with its known result unless
/// a combining mark follows it.
#[derive(Default)]
struct Cluster {
    /// The characters of a cluster that is not one fast-path character.
    text: String,
    at: u32,
    /// `Some((starter, result))` while the cluster is one fast-path
    /// character (`text` is then empty).
    fast: Option<(char, Option<char>)>,
}

impl Cluster {
    #[inline]
    fn is_empty(&self) -> bool {
        self.fast.is_none() && self.text.is_empty()
    }

    /// Starts a cluster; the last one was flushed.
    fn begin(&mut self, c: char, at: u32) {
        self.text.push(c);
        self.at = at;
    }

    /// Starts a cluster of one fast-path character; the last one was flushed.
    #[inline]
    fn begin_fast(&mut self, c: char, kept: Option<char>, at: u32) {
        self.fast = Some((c, kept));
        self.at = at;
    }

    fn extend(&mut self, c: char) {
        if let Some((starter, _)) = self.fast.take() {
            self.text.push(starter);
        }
        self.text.push(c);
    }

    /// Writes the cluster's normalized form; inlined for a fast-path
    /// character, the NFKC path called.
    #[inline(always)]
    fn flush(&mut self, out: &mut String, offsets: Option<&mut Vec<u32>>) {
        if let Some((_, kept)) = self.fast.take() {
            if let Some(k) = kept {
                push(out, offsets, k, self.at);
            }
        } else if !self.text.is_empty() {
            self.flush_text(out, offsets);
        }
    }

    #[inline(never)]
    fn flush_text(&mut self, out: &mut String, mut offsets: Option<&mut Vec<u32>>) {
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
            ("ｶﾞ", "ガ"),
            ("ｶﾞｷﾞﾊﾟ", "ガギパ"),
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

    /// Normalization by its definition, on the whole text at once: invalid
    /// sequences replaced, NFKC, lower case, what carries no content dropped.
    fn by_definition(raw: &[u8]) -> String {
        let mut out = String::new();
        for l in String::from_utf8_lossy(raw).nfkc().flat_map(char::to_lowercase) {
            match l {
                'ß' => out.push_str("ss"),
                'ς' => out.push('σ'),
                l if keeps(l) => out.push(l),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn every_character_after_a_kana_and_before_a_mark_follows_the_definition() {
        let mut out = String::new();
        let mut wrong = Vec::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for text in [format!("か{c}"), format!("{c}\u{301}"), format!("a{c}\u{3099}")] {
                normalize(text.as_bytes(), &mut out, None);
                if out != by_definition(text.as_bytes()) {
                    wrong.push(text);
                }
            }
        }
        assert!(wrong.is_empty(), "{} texts, first {:?}", wrong.len(), &wrong[..wrong.len().min(8)]);
    }

    /// Characters from every path of the decoder and of the clusters: ASCII,
    /// two-, three- and four-byte forms, combining marks after fast-path
    /// starters, Hangul jamo that compose, and invalid bytes.
    fn any_piece() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            piece(),
            "[a-z\u{301}\u{308}\u{327}考\u{3099}\u{309a}かカ]{1,4}".prop_map(String::into_bytes),
            "[\u{1100}\u{1161}\u{11a8}한글\u{ac00}]{1,4}".prop_map(String::into_bytes),
            "[\u{ff21}\u{ff41}\u{ff10}\u{2460}\u{fb01}\u{3000}\u{e000}\u{fffd}\u{ffff}]{1,3}"
                .prop_map(String::into_bytes),
            "[\u{1d400}\u{1f600}\u{20000}\u{10ffff}é\u{3a3}]{1,3}".prop_map(String::into_bytes),
            proptest::collection::vec(
                prop_oneof![Just(0xEDu8), Just(0xE0), Just(0xE4), Just(0xF0), Just(0xA0), Just(0x80), Just(0xBF)],
                1..4
            ),
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

        /// Cluster by cluster, the fast paths included, the result is the
        /// definition's.
        #[test]
        fn equals_the_definition(pieces in proptest::collection::vec(any_piece(), 0..16)) {
            let raw: Vec<u8> = pieces.concat();
            let mut out = String::new();
            normalize(&raw, &mut out, None);
            proptest::prop_assert_eq!(out, by_definition(&raw));
        }
    }
}

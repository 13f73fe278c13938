//! Layout breaks: a paragraph cut in two by a stray blank line.
//!
//! Page and column breaks of a print layout survive digitization as blank
//! lines in the middle of a sentence, even of a word (`重点任` / `务`). Such a
//! cut is recognised between two consecutive paragraphs when the first does
//! not end a sentence and the second continues it:
//!
//! - the first paragraph's last character (after closing quotes and
//!   brackets) is not sentence-final punctuation (`。！？；…` and ASCII
//!   `.!?;:` with their full-width forms);
//! - Chinese and Japanese text (judged by the last characters of the first
//!   paragraph): the first paragraph reads as running text, not a heading —
//!   it holds a comma, enumeration comma, colon or semicolon, or ends in a
//!   comma — and the second does not open like a new article (`本报讯`, a
//!   dash `——`, a bullet `■●◆▲`);
//! - Latin text: the second paragraph starts with a lower-case letter, or the
//!   first ends in a hyphen after a letter (`exam-` / `ple`).
//!
//! The same test tells [`crate::scan`] where a paragraph may continue into
//! the next, so that a copy printed whole elsewhere still matches.

use crate::segment::Span;

/// A paragraph cut by a stray blank line: `para` and `para + 1` are its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    /// Index of the first part.
    pub para: usize,
    /// Byte offset where the stray blank line starts (after the first
    /// part's line ending).
    pub byte_offset: usize,
    /// The end of the first part and the start of the second, for readers.
    pub before: String,
    pub after: String,
}

/// Characters of context in [`Cut::before`] and [`Cut::after`].
const CONTEXT: usize = 10;

/// Every cut between consecutive paragraphs `spans` of `data`.
pub fn cuts(data: &[u8], spans: &[Span]) -> Vec<Cut> {
    spans
        .windows(2)
        .enumerate()
        .filter_map(|(i, w)| {
            let a = String::from_utf8_lossy(&data[w[0].start..w[0].end]);
            let b = String::from_utf8_lossy(&data[w[1].start..w[1].end]);
            if !continues(&a, &b) {
                return None;
            }
            let nl = memchr::memchr(b'\n', &data[w[0].end..w[1].start]).map_or(w[0].end, |k| w[0].end + k + 1);
            let before: Vec<char> = a.chars().rev().take(CONTEXT).collect();
            Some(Cut {
                para: i,
                byte_offset: nl,
                before: before.into_iter().rev().collect(),
                after: b.chars().take(CONTEXT).collect(),
            })
        })
        .collect()
}

/// Whether paragraph `a` leaves its last sentence open: it does not end in
/// sentence-final punctuation. Every real cut does this; so do headings, which
/// [`continues`] tells apart. Matching tries every such pair read as one.
pub fn open_ended(a: &str) -> bool {
    a.trim_end().chars().rev().find(|c| !is_closer(*c)).is_some_and(|c| !is_final(c))
}

/// [`open_ended`] on raw bytes, decoding only the last characters (the
/// closing quotes and brackets that can stand after a sentence's end never
/// take 64 bytes), so no paragraph is decoded whole for it.
pub fn open_ended_bytes(a: &[u8]) -> bool {
    open_ended(&String::from_utf8_lossy(&a[a.len().saturating_sub(64)..]))
}

/// Whether paragraph `b` continues paragraph `a` across a blank line.
pub fn continues(a: &str, b: &str) -> bool {
    let a = a.trim_end();
    let b = b.trim_start();
    let Some(last) = a.chars().rev().find(|c| !is_closer(*c)) else { return false };
    let Some(first) = b.chars().next() else { return false };
    if is_final(last) {
        return false;
    }
    if is_cjk_text(a) {
        let running = a.chars().any(is_internal) || is_comma(last);
        running && !opens_article(b)
    } else {
        first.is_lowercase()
            || (last == '-' && a.chars().rev().nth(1).is_some_and(char::is_alphabetic) && first.is_alphabetic())
    }
}

fn is_closer(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '）' | ')' | ']' | '】' | '》' | '〉' | '"' | '\'' | '»')
}

fn is_final(c: char) -> bool {
    matches!(c, '。' | '．' | '.' | '！' | '!' | '？' | '?' | '；' | ';' | '…' | '：' | ':' | '｡')
}

fn is_comma(c: char) -> bool {
    matches!(c, '，' | ',' | '、' | '､')
}

/// Punctuation inside running text (not in headings, as a rule).
fn is_internal(c: char) -> bool {
    is_comma(c) || matches!(c, '；' | ';' | '：' | ':')
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Judged on the last letters of the text: a run of Latin letters or digits
/// after Chinese text (`关键技术9`) is still Chinese text.
fn is_cjk_text(a: &str) -> bool {
    let letters: Vec<char> = a.chars().rev().filter(|c| c.is_alphabetic()).take(8).collect();
    let cjk = letters.iter().filter(|c| is_cjk(**c)).count();
    cjk * 2 > letters.len()
}

fn opens_article(b: &str) -> bool {
    b.starts_with("本报讯") || b.starts_with("——") || b.starts_with(['■', '●', '◆', '▲', '★', '□'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("提高政治站位,充分发挥好财政部门直接承担的重点任", "务,比如化解地方政府债务", true),
            ("研发共性关键技术9", "项,研制标准9项", false),
            ("——坚持创新驱动,加快技术攻关,研发共性关键技术9", "项,研制标准9项", true),
            ("“棚城社区一半商圈一半居民楼,", "在玉泉区石羊桥南路", true),
            ("参与度,推出“红", "蜂团”积分兑换制度", true),
            ("今年1至4月全区规模以上工业增加值增长7%", "本报讯(记者 宋向华)5月", false),
            ("“红蜂驿站”:让新就业群体感受“家”的温暖", "本报讯(实习记者 刘艳霞)", false),
            ("考生须诚信应考。由本人承担责任。", "考生须凭本人准考证", false),
            ("他说:“我们心里暖乎乎的。”", "采访时,记者见到", false),
            ("The committee met on", "Tuesday to review", false),
            ("The committee met on", "tuesday to review", true),
            ("a good exam-", "ple of the rule", true),
            ("The end.", "lowercase start", false),
            ("Chapter 1", "the beginning", true),
            ("", "x", false),
        ];
        for (a, b, want) in cases {
            assert_eq!(continues(a, b), *want, "{a:?} / {b:?}");
        }
    }

    #[test]
    fn offsets_and_context() {
        let data = "前面的文字,重点任\n\n务,比如化解。\n \n下一段。";
        let spans = crate::segment::paragraphs(data.as_bytes(), crate::segment::Mode::Blocks);
        let c = cuts(data.as_bytes(), &spans);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].para, 0);
        assert_eq!(&data[c[0].byte_offset..c[0].byte_offset + 1], "\n");
        assert_eq!(c[0].byte_offset, "前面的文字,重点任\n".len());
        assert_eq!((c[0].before.as_str(), c[0].after.as_str()), ("前面的文字,重点任", "务,比如化解。"));
    }
}

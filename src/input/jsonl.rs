//! JSON Lines: one JSON object per line, its text in one string field.
//!
//! A record's text is the field's value decoded, and matching reads that;
//! but a location must point into the file the user has, where the same
//! text is a JSON string literal with escapes (`\n`, `\"`, `\u00e9`, a
//! surrogate pair for one character outside the BMP). The decoder here
//! resolves a literal and keeps an [`OffsetMap`] from decoded bytes back to
//! raw ones, as the OCR readers keep every block's element range. serde_json
//! checks each line and gives the raw slice of the field ([`RawValue`]).
//!
//! A line that is not a JSON object, lacks the text field, or has something
//! other than a string there (or lacks the id field when one is named) is a
//! bad record: named by file and line, skipped, counted; the rest of the file
//! is scanned. Blank lines are no records.

use std::collections::HashMap;

use serde_json::value::RawValue;

use super::{Options, Record, Records};
use crate::boilerplate::Patterns;
use crate::segment::Mode;

/// From byte offsets in a decoded JSON string back to byte offsets in the
/// raw file.
///
/// Between escapes, decoded and raw bytes are the same; one point is kept
/// after every escape, so the map costs eight bytes per escape and nothing
/// for text without them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// Raw offset of the first byte after the opening quote.
    pub raw_start: usize,
    /// `(decoded, raw)` offsets (raw relative to `raw_start`) just after
    /// each escape, in order.
    points: Vec<(u32, u32)>,
}

impl OffsetMap {
    /// The raw offset of decoded offset `d`, which must be a character
    /// boundary of the decoded text (every escape decodes to one character).
    pub fn raw(&self, d: usize) -> usize {
        let i = self.points.partition_point(|&(dec, _)| dec as usize <= d);
        let (dec, raw) = if i == 0 { (0, 0) } else { self.points[i - 1] };
        self.raw_start + raw as usize + (d - dec as usize)
    }
}

/// Why a string literal cannot be decoded, and where (raw offset inside it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub offset: usize,
    pub message: &'static str,
}

/// Decodes the body of a JSON string literal (between the quotes, escapes
/// as written) and maps it back; `raw_start` is where the body starts in
/// the file.
pub fn decode(body: &str, raw_start: usize) -> Result<(String, OffsetMap), DecodeError> {
    let bytes = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut map = OffsetMap { raw_start, points: Vec::new() };
    let mut at = 0;
    let err = |offset, message| Err(DecodeError { offset, message });
    while at < bytes.len() {
        let Some(rel) = memchr::memchr(b'\\', &bytes[at..]) else {
            out.push_str(&body[at..]);
            break;
        };
        out.push_str(&body[at..at + rel]);
        let esc = at + rel;
        let c = match bytes.get(esc + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let unit = |i: usize| bytes.get(i..i + 4).and_then(|h| std::str::from_utf8(h).ok()).and_then(hex4);
                let Some(hi) = unit(esc + 2) else {
                    return err(esc, "\\u not followed by four hex digits");
                };
                let (code, len) = if (0xD800..0xDC00).contains(&hi) {
                    match (bytes.get(esc + 6..esc + 8), unit(esc + 8)) {
                        (Some(b"\\u"), Some(lo)) if (0xDC00..0xE000).contains(&lo) => {
                            (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), 12)
                        }
                        _ => return err(esc, "unpaired surrogate"),
                    }
                } else if (0xDC00..0xE000).contains(&hi) {
                    return err(esc, "unpaired surrogate");
                } else {
                    (hi, 6)
                };
                // Surrogates are excluded above: every code is a scalar value.
                let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
                out.push(c);
                at = esc + len;
                map.points.push((out.len() as u32, at as u32));
                continue;
            }
            _ => return err(esc, "invalid escape"),
        };
        out.push(c);
        at = esc + 2;
        map.points.push((out.len() as u32, at as u32));
    }
    Ok((out, map))
}

fn hex4(h: &str) -> Option<u32> {
    h.bytes().all(|b| b.is_ascii_hexdigit()).then(|| u32::from_str_radix(h, 16).ok()).flatten()
}

/// What kind of JSON value a raw value is, for messages.
fn kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The records of a JSON Lines file (decompressed), cut into paragraphs.
pub fn records(name: &str, data: &[u8], options: &Options, mode: Mode, patterns: &Patterns) -> Records {
    let mut out = Records { in_file: true, ..Records::default() };
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut at = data.len() - body.len();
    let mut line_no = 0u64;
    while at < data.len() {
        line_no += 1;
        let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
        let line = &data[at..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let start = at;
        at = end + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let place = format!("{name}:{line_no}");
        match record(line, start, line_no, options) {
            Ok(r) => out.push(r, mode, patterns),
            Err(message) => out.reject(place, message),
        }
    }
    out
}

/// One line read as a record; the error says why it is a bad one.
fn record(line: &[u8], start: usize, row: u64, options: &Options) -> Result<Record, String> {
    let line = std::str::from_utf8(line).map_err(|e| format!("invalid UTF-8 at column {}", e.valid_up_to() + 1))?;
    let object: HashMap<String, &RawValue> = serde_json::from_str(line).map_err(|e| invalid(line, &e))?;
    let field = options.text_field();
    let raw = object.get(field).ok_or_else(|| format!("no field \"{field}\""))?.get();
    if !raw.starts_with('"') {
        return Err(format!("field \"{field}\" is {}, not a string", kind(raw)));
    }
    let offset = raw.as_ptr() as usize - line.as_ptr() as usize;
    let (text, map) = decode(&raw[1..raw.len() - 1], start + offset + 1)
        .map_err(|e| format!("field \"{field}\": {} at column {}", e.message, offset + 2 + e.offset))?;
    let id = match &options.id_field {
        None => None,
        Some(id_field) => {
            let raw = object.get(id_field).ok_or_else(|| format!("no field \"{id_field}\" (--id-field)"))?.get();
            Some(match raw.as_bytes().first() {
                Some(b'"') => serde_json::from_str::<String>(raw).map_err(|e| invalid(line, &e))?,
                Some(b'-' | b'0'..=b'9') => raw.to_string(),
                _ => return Err(format!("field \"{id_field}\" (--id-field) is {}, not a string or number", kind(raw))),
            })
        }
    };
    Ok(Record { row, id, text, view: None, map: Some(map) })
}

/// `invalid JSON at column 5: expected value`, or what the line is instead
/// of an object.
fn invalid(line: &str, e: &serde_json::Error) -> String {
    let first = line.trim_start().as_bytes().first();
    if e.is_data() && first != Some(&b'{') {
        return format!("a record must be a JSON object, not {}", kind(line.trim_start()));
    }
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    format!("invalid JSON at column {}: {message}", e.column())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The decoded text and, for every character boundary, the raw offset.
    fn decoded(literal: &str) -> (String, Vec<usize>) {
        let (text, map) = decode(&literal[1..literal.len() - 1], 1).unwrap();
        let raws = text.char_indices().map(|(i, _)| i).chain([text.len()]).map(|d| map.raw(d)).collect();
        (text, raws)
    }

    #[test]
    fn escapes_map_back_to_their_start() {
        // "a\nb\"é😀z": a, \n at 2, b at 4, \" at 5, é (\u00e9) at 7,
        // 😀 (a surrogate pair) at 13, z at 25, the closing quote at 26.
        let (text, raws) = decoded(r#""a\nb\"\u00e9\ud83d\ude00z""#);
        assert_eq!(text, "a\nb\"é😀z");
        assert_eq!(raws, vec![1, 2, 4, 5, 7, 13, 25, 26]);
        let (text, raws) = decoded("\"考生 plain\"");
        assert_eq!(text, "考生 plain");
        assert_eq!(raws, vec![1, 4, 7, 8, 9, 10, 11, 12, 13]);
    }

    #[test]
    fn bad_escapes_are_errors() {
        assert_eq!(decode(r"ab\x", 0).unwrap_err().message, "invalid escape");
        assert_eq!(decode(r"\ud83d alone", 0).unwrap_err().message, "unpaired surrogate");
        assert_eq!(decode(r"\ude00", 0).unwrap_err().message, "unpaired surrogate");
        assert_eq!(decode(r"\u12", 0).unwrap_err().message, "\\u not followed by four hex digits");
        assert!(decode(r"trailing \", 0).is_err());
    }

    #[test]
    fn bad_records_say_why() {
        let options = Options { id_field: Some("id".into()), ..Options::default() };
        let data = "{\"id\":1,\"text\":\"fine\"}\n\n{oops\n[1]\n{\"id\":2}\n{\"id\":3,\"text\":7}\n{\"text\":\"x\"}\n{\"id\":null,\"text\":\"x\"}\n";
        let r = records("d.jsonl", data.as_bytes(), &options, Mode::Blocks, &Patterns::default());
        let got: Vec<String> = r.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(r.bad, 6);
        assert_eq!(r.records.len(), 1);
        assert_eq!(r.records[0].id.as_deref(), Some("1"));
        assert_eq!(got[0], "d.jsonl:3: invalid JSON at column 2: key must be a string");
        assert_eq!(got[1], "d.jsonl:4: a record must be a JSON object, not an array");
        assert_eq!(got[2], "d.jsonl:5: no field \"text\"");
        assert_eq!(got[3], "d.jsonl:6: field \"text\" is a number, not a string");
        assert_eq!(got[4], "d.jsonl:7: no field \"id\" (--id-field)");
        assert_eq!(got[5], "d.jsonl:8: field \"id\" (--id-field) is null, not a string or number");
    }

    #[test]
    fn records_are_fenced_and_paragraphs_map_to_raw_bytes() {
        let data = "{\"text\":\"one\\n\\ntwo\"}\n{\"text\":\"three\"}\n";
        let r = records("d.jsonl", data.as_bytes(), &Options::default(), Mode::Blocks, &Patterns::default());
        let texts: Vec<&[u8]> = (0..r.paragraphs.len()).map(|i| r.paragraph(i)).collect();
        assert_eq!(texts, vec![&b"one"[..], b"two", b"three"]);
        assert_eq!(r.fenced, vec![false, false, true]);
        let (rec, span) = r.paragraphs[1];
        let map = r.records[rec as usize].map.as_ref().unwrap();
        assert_eq!(&data[map.raw(span.start)..map.raw(span.end)], "two");
        assert_eq!(r.records[1].row, 2);
    }

    proptest! {
        #[test]
        fn decoding_agrees_with_serde_json(text in "\\PC{0,40}", controls in proptest::collection::vec(0u8..32, 0..4)) {
            let mut s = text.clone();
            for c in controls {
                s.push(c as char);
            }
            // serde_json escapes quotes, backslashes and controls; escape
            // every non-ASCII character too, as `ensure_ascii` writers do.
            let plain = serde_json::to_string(&s).unwrap();
            let ascii: String = plain.chars().flat_map(|c| {
                if c.is_ascii() { vec![c.to_string()] } else {
                    let mut units = [0u16; 2];
                    c.encode_utf16(&mut units).iter().map(|u| format!("\\u{u:04x}")).collect()
                }
            }).collect();
            for literal in [plain, ascii] {
                let (decoded, map) = decode(&literal[1..literal.len() - 1], 1).unwrap();
                prop_assert_eq!(&decoded, &serde_json::from_str::<String>(&literal).unwrap());
                // Every character maps to the raw escape or byte that spells it.
                for (d, c) in decoded.char_indices() {
                    let (start, end) = (map.raw(d), map.raw(d + c.len_utf8()));
                    let spelled: String = serde_json::from_str(&format!("\"{}\"", &literal[start..end])).unwrap();
                    prop_assert_eq!(spelled, c.to_string());
                }
            }
        }
    }
}

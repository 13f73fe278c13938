//! `normalize::normalize` on arbitrary bytes.
//!
//! Properties: one offset per output char; offsets non-decreasing, inside
//! `raw`, and each at the start of a UTF-8 character or of a maximal invalid
//! sequence of `raw` (as `utf8_chunks` cuts them); every output char is one
//! `normalize::keeps` accepts; the output without offsets is the same; buffers
//! passed in dirty are cleared; ASCII input gives its lower-cased letters,
//! digits and ASCII symbols.
#![no_main]

use doublet::normalize::{keeps, normalize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &[u8]| {
    // Starts of characters and of invalid sequences, increasing.
    let mut starts: Vec<usize> = Vec::new();
    let mut pos = 0;
    for chunk in raw.utf8_chunks() {
        starts.extend(chunk.valid().char_indices().map(|(i, _)| pos + i));
        pos += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            starts.push(pos);
            pos += chunk.invalid().len();
        }
    }
    assert_eq!(pos, raw.len());

    // Dirty buffers: normalize must clear them first.
    let mut out = String::from("dirty");
    let mut offsets: Vec<u32> = vec![7, 7, 7];
    normalize(raw, &mut out, Some(&mut offsets));

    assert_eq!(offsets.len(), out.chars().count(), "one offset per output char");
    for w in offsets.windows(2) {
        assert!(w[0] <= w[1], "offsets decrease: {} then {}", w[0], w[1]);
    }
    for &o in &offsets {
        let o = o as usize;
        assert!(o < raw.len(), "offset {o} not inside raw of {} bytes", raw.len());
        assert!(starts.binary_search(&o).is_ok(), "offset {o} is not a character start");
    }
    for c in out.chars() {
        assert!(keeps(c), "output holds a dropped kind of char {c:?}");
    }

    let mut plain = String::from("more dirt");
    normalize(raw, &mut plain, None);
    assert_eq!(out, plain, "output differs without offsets");

    if raw.is_ascii() {
        let want: String = raw
            .iter()
            .filter(|b| b.is_ascii_alphanumeric() || b"$+<=>^`|~".contains(b))
            .map(|b| b.to_ascii_lowercase() as char)
            .collect();
        assert_eq!(out, want, "ASCII input");
    }
});

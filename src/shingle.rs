//! Character n-gram shingles of normalized text, hashed to 64 bits.
//!
//! A shingle is `n` consecutive characters of the normalized text. For `n`
//! up to [`PACKED`], the shingle's code points (21 bits each) are packed
//! into one 128-bit word while the text is read, one shift per character,
//! and the word is hashed with two rounds of a 64-bit bijective mixer
//! (splitmix64's finalizer), seeded: no byte slicing and no hash call over a
//! variable-length input per shingle. Two different shingles collide only by
//! chance (2^-64), since the packing is exact and the mixer of the low word
//! is a bijection for each high word. Longer shingles are hashed with
//! xxh3-64 of their UTF-8 bytes. Different seeds give independent hash
//! families. A text shorter than `n` characters has one shingle: itself
//! (marked, so it never equals an `n`-gram of another text).
//! The set of shingle hashes (sorted, without repeats) is what similarity is
//! measured on: Jaccard of two such sets is the verified similarity.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::minhash::mix;

/// Longest shingle packed into one 128-bit word (6 × 21 bits).
pub const PACKED: usize = 6;

/// Hash of a packed shingle.
#[inline]
fn packed_hash(word: u128, seed: u64) -> u64 {
    mix(word as u64 ^ ((word >> 64) as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Reusable buffers for shingling; one per worker thread, so no allocation
/// happens per paragraph once they have grown.
#[derive(Default)]
pub struct Shingler {
    bounds: Vec<u32>,
}

impl Shingler {
    /// Appends the hash of every character `n`-gram of `text` to `out`
    /// (in text order, repeats included).
    pub fn hashes(&mut self, text: &str, n: usize, seed: u64, out: &mut Vec<u64>) {
        assert!(n > 0, "n-gram length must be positive");
        if text.is_empty() {
            return;
        }
        if n <= PACKED {
            let mask = (1u128 << (21 * n)) - 1;
            let mut word = 0u128;
            let mut chars = text.chars();
            // The first n - 1 characters only fill the window.
            for c in chars.by_ref().take(n - 1) {
                word = (word << 21) | c as u128;
            }
            if chars.as_str().is_empty() {
                // Shorter than n characters: one shingle, the whole text.
                out.push(packed_hash(word | 1 << 127, seed));
                return;
            }
            out.extend(chars.map(|c| {
                word = ((word << 21) | c as u128) & mask;
                packed_hash(word, seed)
            }));
            return;
        }
        let bytes = text.as_bytes();
        self.bounds.clear();
        self.bounds.extend(text.char_indices().map(|(i, _)| i as u32));
        self.bounds.push(bytes.len() as u32);
        let chars = self.bounds.len() - 1;
        if chars <= n {
            out.push(xxh3_64_with_seed(bytes, seed));
            return;
        }
        out.extend(self.bounds.windows(n + 1).map(|w| xxh3_64_with_seed(&bytes[w[0] as usize..w[n] as usize], seed)));
    }

    /// The shingle set of `text`: hashes sorted ascending, without repeats.
    pub fn set(&mut self, text: &str, n: usize, seed: u64) -> Vec<u64> {
        let mut out = Vec::new();
        self.hashes(text, n, seed, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let mut s = Shingler::default();
        let cases: &[(&str, usize, usize)] = &[
            ("", 5, 0),
            ("abc", 5, 1),
            ("abcde", 5, 1),
            ("abcdef", 5, 2),
            ("考生须凭本人准考证", 5, 5),
            ("aaaaaaa", 5, 3),
        ];
        for &(text, n, want) in cases {
            let mut out = Vec::new();
            s.hashes(text, n, 0, &mut out);
            assert_eq!(out.len(), want, "{text:?}");
        }
        assert_eq!(s.set("aaaaaaa", 5, 0).len(), 1);
    }

    #[test]
    fn distinct_shingles_get_distinct_hashes() {
        let text: String = (0..20_000u32)
            .map(|i| {
                ['a', 'b', 'é', '考', '生', ' ', '1', '\u{10348}'][(i.wrapping_mul(2_654_435_761) >> 13) as usize % 8]
            })
            .collect();
        let chars: Vec<char> = text.chars().collect();
        for n in [1, 3, 5, 6, 7] {
            let grams: std::collections::HashSet<String> = chars.windows(n).map(|w| w.iter().collect()).collect();
            let set = Shingler::default().set(&text, n, 3);
            assert_eq!(set.len(), grams.len(), "n = {n}");
        }
        // A text shorter than n is not one of the n-grams of a longer text.
        let mut s = Shingler::default();
        let short = s.set("abcd", 5, 0);
        assert!(!s.set("abcd\u{0}", 5, 0).contains(&short[0]));
        assert!(!s.set("\u{0}abcd", 5, 0).contains(&short[0]));
    }

    #[test]
    fn same_gram_same_hash_across_texts() {
        let mut s = Shingler::default();
        let a = s.set("xxabcde", 5, 7);
        let b = s.set("abcdeyy", 5, 7);
        assert!(a.iter().any(|h| b.contains(h)));
        let c = s.set("abcdeyy", 5, 8);
        assert!(!b.iter().any(|h| c.contains(h)));
    }
}
